"""The queue of requests as the clerks read it: one line per request, searched, filtered and sorted."""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, and_, case, func, not_, or_, select, true
from sqlalchemy.orm import Session

from cnam_desk import frenchdates
from cnam_desk.db.engine import Database
from cnam_desk.db.models import (
    AccommodationRequest,
    ExamSession,
    Letter,
    RequestedExam,
    RequestKind,
    RequestReceipt,
    RequestSource,
    RequestStatus,
)
from cnam_desk.errors import NotFound, RefusedInput
from cnam_desk.requests import checks
from cnam_desk.requests.letter_state import NO_LETTER, LetterInfo, letter_states
from cnam_desk.schedule import exam_calendar
from cnam_desk.spreadsheets import normalise_header


@dataclass(frozen=True, slots=True)
class QueueRow:
    """A request as one line of the queue."""

    id: int
    version: int
    session_id: int
    student_number: str
    last_name: str
    first_name: str
    kind: RequestKind
    status: RequestStatus
    received_at: dt.datetime
    ues: tuple[str, ...]
    receipts: int
    checks: dict[str, Any]
    source: RequestSource
    decided_by: str | None
    decided_at: dt.datetime | None
    # What the answer held that could not be read, as typed ({"exams": "NFE14"}).
    as_typed: dict[str, str] = field(default_factory=dict)
    # Where the letter of the present decision stands (à imprimer, imprimé le …).
    letter: LetterInfo = NO_LETTER

    @property
    def late(self) -> bool:
        return self.checks.get("deadline") == checks.LATE

    @property
    def student_name(self) -> str:
        return " ".join(part for part in (self.last_name.upper(), self.first_name) if part)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": self.version,
            "student_number": self.student_number,
            "kind": self.kind.value,
            "status": self.status.value,
            "received_at": frenchdates.paris(self.received_at).isoformat(),
            "ues": list(self.ues),
            "receipts": self.receipts,
            "checks": {name: self.checks.get(name) for name in checks.CHECK_NAMES},
            "as_typed": dict(self.as_typed),
        }


_COLUMNS = (
    AccommodationRequest.id,
    AccommodationRequest.version,
    AccommodationRequest.session_id,
    AccommodationRequest.student_number,
    AccommodationRequest.last_name,
    AccommodationRequest.first_name,
    AccommodationRequest.kind,
    AccommodationRequest.status,
    AccommodationRequest.received_at,
    AccommodationRequest.checks,
    AccommodationRequest.source,
    AccommodationRequest.decided_by,
    AccommodationRequest.decided_at,
    AccommodationRequest.as_typed,
)


def _rows(s: Session, where: list[Any]) -> list[QueueRow]:
    query: Select[Any] = (
        select(*_COLUMNS)
        .where(*where)
        .order_by(AccommodationRequest.received_at, AccommodationRequest.id)
    )
    codes: dict[int, list[str]] = defaultdict(list)
    for request_id, code in s.execute(
        select(RequestedExam.request_id, RequestedExam.ue_code)
        .join(AccommodationRequest, AccommodationRequest.id == RequestedExam.request_id)
        .where(*where)
        .order_by(RequestedExam.id)
    ):
        codes[request_id].append(code)
    letters = letter_states(s, and_(*where) if where else true())
    receipts = dict(
        s.execute(
            select(RequestReceipt.request_id, func.count())
            .join(AccommodationRequest, AccommodationRequest.id == RequestReceipt.request_id)
            .where(*where)
            .group_by(RequestReceipt.request_id)
        ).all()
    )
    return [
        QueueRow(
            id=row[0],
            version=row[1],
            session_id=row[2],
            student_number=row[3],
            last_name=row[4],
            first_name=row[5],
            kind=row[6],
            status=row[7],
            received_at=row[8],
            ues=tuple(codes.get(row[0], ())),
            receipts=receipts.get(row[0], 0),
            checks=row[9] or {},
            source=row[10],
            decided_by=row[11],
            decided_at=row[12],
            as_typed=row[13] or {},
            letter=letters.get(row[0], NO_LETTER),
        )
        for row in s.execute(query)
    ]


# --- the queue as the window pages through it ---------------------------------------------------
#
# A session may hold tens of thousands of requests: the window asks for the ordered numbers of
# the requests its filters keep (one column, sorted and filtered by the database), then reads
# the lines it shows a page at a time.

SORT_KEYS = (
    "id",
    "received_at",
    "student_number",
    "name",
    "kind",
    "ues",
    "status",
    "deadline",
    "overlap",
    "proof",
    "trip_covers_exam",
    "receipts",
    "letter",
)
CHECK_ORDER = {
    "deadline": (checks.ON_TIME, checks.LATE, checks.EXEMPT),
    "overlap": (checks.CONFIRMED, checks.NOT_FOUND, checks.NOT_ENROLLED, checks.NO_OVERLAP),
    "proof": (checks.PRESENT, checks.MISSING),
}
ATTENTION = "attention"  # a check speaks against the request
CLEAR = "clear"  # no check does


@dataclass(frozen=True)
class QueueQuery:
    """Which requests of a session the clerk wants to see, in which order (None: all)."""

    session_key: str
    status: RequestStatus | None = None
    kind: RequestKind | None = None
    checks: str | None = None  # ATTENTION or CLEAR
    late_only: bool = False
    text: str = ""
    sort: str = "received_at"
    descending: bool = False

    def accepts(self, row: QueueRow) -> bool:
        """The same filter for one line in memory (after a decision, without asking the database)."""
        if self.status is not None and row.status is not self.status:
            return False
        if self.kind is not None and row.kind is not self.kind:
            return False
        if self.late_only and not row.late:
            return False
        if self.checks == ATTENTION and not checks.needs_attention(row.checks):
            return False
        if self.checks == CLEAR and checks.needs_attention(row.checks):
            return False
        if self.text:
            haystack = _searchable(
                row.id, row.student_number, row.last_name, row.first_name, row.ues
            )
            if not all(word in haystack for word in search_words(self.text)):
                return False
        return True


def search_words(text: str) -> list[str]:
    return normalise_header(text).split()


@functools.lru_cache(maxsize=200_000)
def _searchable(
    request_id: int, number: str, last_name: str, first_name: str, ues: tuple[str, ...]
) -> str:
    """What the search looks in, without accents or case (« nguyen » finds Nguyễn)."""
    return normalise_header(f"{request_id} {number} {last_name} {first_name} {' '.join(ues)}")


def _check(name: str) -> Any:
    return AccommodationRequest.checks[name].as_string()


def _attention() -> Any:
    return or_(
        _check("deadline") == checks.LATE,
        _check("overlap").in_([checks.NOT_FOUND, checks.NOT_ENROLLED, checks.NO_OVERLAP]),
        _check("proof") == checks.MISSING,
        AccommodationRequest.checks["trip_covers_exam"].as_boolean().is_(False),
    )


def _sort_expressions(key: str) -> list[Any]:
    a = AccommodationRequest
    if key == "name":
        return [func.lower(a.last_name), func.lower(a.first_name)]
    if key == "kind":
        return [case({kind.value: i for i, kind in enumerate(RequestKind)}, value=a.kind, else_=99)]
    if key == "status":
        return [
            case(
                {status.value: i for i, status in enumerate(RequestStatus)},
                value=a.status,
                else_=99,
            )
        ]
    if key == "ues":
        return [
            select(func.min(RequestedExam.ue_code))
            .where(RequestedExam.request_id == a.id)
            .scalar_subquery()
        ]
    if key == "receipts":
        return [select(func.count()).where(RequestReceipt.request_id == a.id).scalar_subquery()]
    if key == "letter":
        # To print first, then printed (oldest first), undecided last.
        printed = (
            select(func.max(Letter.printed_at))
            .where(Letter.request_id == a.id, Letter.decision == a.status, Letter.print_count > 0)
            .scalar_subquery()
        )
        return [case((a.status == RequestStatus.PENDING, 2), (printed.is_(None), 0), else_=1), printed]
    if key == "trip_covers_exam":
        covers = a.checks["trip_covers_exam"].as_boolean()
        return [case((covers.is_(True), 0), (covers.is_(False), 1), else_=2)]
    if key in checks.CHECK_NAMES:
        # In the order the office reads them: good news first, not applicable last.
        order = CHECK_ORDER[key]
        return [
            case({value: i for i, value in enumerate(order)}, value=_check(key), else_=len(order))
        ]
    if key in ("id", "received_at", "student_number"):
        return [getattr(a, key)]
    raise RefusedInput(f"Tri « {key} » inconnu.")


def queue_ids(db: Database, query: QueueQuery) -> list[int]:
    """The numbers of the requests the query keeps, in its order."""
    a = AccommodationRequest
    with db.transaction(write=False) as s:
        session = exam_calendar.find_session(s, query.session_key)
        where: list[Any] = [a.session_id == session.id]
        if query.status is not None:
            where.append(a.status == query.status)
        if query.kind is not None:
            where.append(a.kind == query.kind)
        if query.late_only:
            where.append(_check("deadline") == checks.LATE)
        if query.checks == ATTENTION:
            where.append(_attention())
        elif query.checks == CLEAR:
            where.append(not_(func.coalesce(_attention(), False)))
        order = _sort_expressions(query.sort) + [a.id]
        statement = (
            select(a.id)
            .where(*where)
            .order_by(*(e.desc() if query.descending else e for e in order))
        )
        # Straight through the connection: a column of numbers needs no ORM.
        ids = s.connection().execute(statement).scalars().all()
        if query.text:
            words = search_words(query.text)
            if words:
                found = {
                    request_id
                    for request_id, number, last, first, ues in _search_lines(s, session.id)
                    if all(
                        word in _searchable(request_id, number, last, first, ues) for word in words
                    )
                }
                ids = [request_id for request_id in ids if request_id in found]
        return ids


def _search_lines(s: Session, session_id: int) -> list[tuple[int, str, str, str, tuple[str, ...]]]:
    codes: dict[int, list[str]] = defaultdict(list)
    for request_id, code in s.execute(
        select(RequestedExam.request_id, RequestedExam.ue_code)
        .join(AccommodationRequest, AccommodationRequest.id == RequestedExam.request_id)
        .where(AccommodationRequest.session_id == session_id)
        .order_by(RequestedExam.id)
    ):
        codes[request_id].append(code)
    return [
        (request_id, number, last, first, tuple(codes.get(request_id, ())))
        for request_id, number, last, first in s.execute(
            select(
                AccommodationRequest.id,
                AccommodationRequest.student_number,
                AccommodationRequest.last_name,
                AccommodationRequest.first_name,
            ).where(AccommodationRequest.session_id == session_id)
        )
    ]


def rows_by_id(db: Database, ids: list[int]) -> dict[int, QueueRow]:
    """Some lines of the queue (one page), by request number."""
    if not ids:
        return {}
    with db.transaction(write=False) as s:
        return {row.id: row for row in _rows(s, [AccommodationRequest.id.in_(ids)])}


def status_counts(db: Database, session_key: str) -> dict[RequestStatus, int]:
    """How many requests of the session are in each status."""
    with db.transaction(write=False) as s:
        session = exam_calendar.find_session(s, session_key)
        counted = dict(
            s.execute(
                select(AccommodationRequest.status, func.count())
                .where(AccommodationRequest.session_id == session.id)
                .group_by(AccommodationRequest.status)
            ).all()
        )
        return {status: counted.get(status, 0) for status in RequestStatus}


def list_requests(
    db: Database, session_key: str | None = None, status: str | None = None
) -> list[QueueRow]:
    """The requests of one session (or all), oldest first, optionally of one status."""
    with db.transaction(write=False) as s:
        where: list[Any] = []
        if session_key:
            where.append(
                AccommodationRequest.session_id == exam_calendar.find_session(s, session_key).id
            )
        if status:
            try:
                where.append(AccommodationRequest.status == RequestStatus(status))
            except ValueError:
                raise RefusedInput(
                    f"Statut « {status} » inconnu : {', '.join(s.value for s in RequestStatus)}."
                ) from None
        return _rows(s, where)


def row_of(s: Session, request: AccommodationRequest) -> QueueRow:
    """One request as its queue line, inside an open transaction."""
    rows = _rows(s, [AccommodationRequest.id == request.id])
    return rows[0]


def get_row(db: Database, request_id: int) -> QueueRow:
    with db.transaction(write=False) as s:
        rows = _rows(s, [AccommodationRequest.id == request_id])
        if not rows:
            raise NotFound(f"La demande n° {request_id} n'existe pas.")
        return rows[0]


def session_with_pending(db: Database) -> str | None:
    """The earliest session that still has requests waiting for a decision."""
    with db.transaction(write=False) as s:
        waiting = (
            select(AccommodationRequest.id)
            .where(
                AccommodationRequest.session_id == ExamSession.id,
                AccommodationRequest.status == RequestStatus.PENDING,
            )
            .exists()
        )
        session = s.scalar(
            select(ExamSession).where(waiting).order_by(ExamSession.first_day).limit(1)
        )
        return session.key if session else None
