"""The queue of requests as the clerks read it: one line per request, and one request whole."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from cnam_desk import checks, exam_calendar, frenchdates
from cnam_desk.db.engine import Database
from cnam_desk.db.models import (
    AccommodationRequest,
    Arrangement,
    CourseUnit,
    Enrolment,
    Exam,
    ExamSession,
    Letter,
    Proof,
    RequestedExam,
    RequestEvent,
    RequestKind,
    RequestReceipt,
    RequestSource,
    RequestStatus,
    Semester,
)
from cnam_desk.errors import NotFound, RefusedInput


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
)


def _rows(s: Session, where: list[Any]) -> list[QueueRow]:
    query: Select[Any] = select(*_COLUMNS).where(*where).order_by(
        AccommodationRequest.received_at, AccommodationRequest.id
    )
    codes: dict[int, list[str]] = defaultdict(list)
    for request_id, code in s.execute(
        select(RequestedExam.request_id, RequestedExam.ue_code)
        .join(AccommodationRequest, AccommodationRequest.id == RequestedExam.request_id)
        .where(*where)
        .order_by(RequestedExam.id)
    ):
        codes[request_id].append(code)
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
        )
        for row in s.execute(query)
    ]


def list_requests(db: Database, session_key: str | None = None, status: str | None = None) -> list[QueueRow]:
    """The requests of one session (or all), oldest first, optionally of one status."""
    with db.transaction() as s:
        where: list[Any] = []
        if session_key:
            where.append(AccommodationRequest.session_id == exam_calendar.find_session(s, session_key).id)
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
    with db.transaction() as s:
        rows = _rows(s, [AccommodationRequest.id == request_id])
        if not rows:
            raise NotFound(f"La demande n° {request_id} n'existe pas.")
        return rows[0]


def session_with_pending(db: Database) -> str | None:
    """The earliest session that still has requests waiting for a decision."""
    with db.transaction() as s:
        session_id = s.scalar(
            select(AccommodationRequest.session_id)
            .join(ExamSession, ExamSession.id == AccommodationRequest.session_id)
            .where(AccommodationRequest.status == RequestStatus.PENDING)
            .order_by(ExamSession.first_day)
            .limit(1)
        )
        if session_id is None:
            return None
        session = s.get(ExamSession, session_id)
        return session.key if session else None


# --- one request whole ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ExamLine:
    """An UE the request names, with its exam in the session's schedule when it is there."""

    code: str
    title: str
    date: dt.date | None
    start: dt.time | None
    end: dt.time | None
    room: str
    enrolled: bool


@dataclass(frozen=True)
class ProofLine:
    id: int
    file_name: str
    media_type: str
    size: int
    link: str
    added_at: dt.datetime


@dataclass(frozen=True)
class HistoryLine:
    at: dt.datetime
    clerk: str
    text: str


@dataclass(frozen=True)
class ArrangementLine:
    ue_code: str
    date: dt.date
    start: dt.time
    end: dt.time
    room: str


@dataclass
class RequestDetails:
    """Everything the review pane shows about one request."""

    row: QueueRow
    session_key: str
    session_first_day: dt.date
    session_last_day: dt.date
    deadline: dt.datetime | None
    email: str
    reason_text: str
    comment: str
    trip_start: dt.date | None
    trip_end: dt.date | None
    student_known: bool
    exams: list[ExamLine]
    proofs: list[ProofLine]
    history: list[HistoryLine]
    decision_reason: str
    decision_comment: str
    missing_items: str
    reply_by: dt.date | None
    arrangements: list[ArrangementLine]
    letter_printed_at: dt.datetime | None
    other_exams: list[ExamLine] = field(default_factory=list)  # the student's other exams that session


def request_details(db: Database, request_id: int) -> RequestDetails:
    with db.transaction() as s:
        request = s.get(AccommodationRequest, request_id)
        if request is None:
            raise NotFound(f"La demande n° {request_id} n'existe pas.")
        session = request.session
        year_id = s.scalar(select(Semester.year_id).where(Semester.id == session.semester_id))
        enrolled: set[str] = set()
        if request.student_id is not None:
            enrolled = set(
                s.scalars(
                    select(CourseUnit.code)
                    .join(Enrolment, Enrolment.course_unit_id == CourseUnit.id)
                    .where(Enrolment.student_id == request.student_id, Enrolment.year_id == year_id)
                )
            )
        codes = [row.ue_code for row in request.exams]
        slots: dict[str, tuple[str, Exam | None]] = {}
        for unit, exam in s.execute(
            select(CourseUnit, Exam)
            .outerjoin(Exam, (Exam.course_unit_id == CourseUnit.id) & (Exam.session_id == session.id))
            .where(CourseUnit.code.in_(set(codes) | enrolled))
            .order_by(Exam.centre, Exam.id)
        ):
            if unit.code not in slots or slots[unit.code][1] is None:
                slots[unit.code] = (unit.title, exam)

        def line(code: str) -> ExamLine:
            title, exam = slots.get(code, ("", None))
            return ExamLine(
                code=code,
                title=title,
                date=exam.date if exam else None,
                start=exam.start if exam else None,
                end=exam.end if exam else None,
                room=exam.room if exam else "",
                enrolled=code in enrolled,
            )

        others = sorted(
            (line(code) for code in enrolled - set(codes) if slots.get(code, ("", None))[1] is not None),
            key=lambda e: (e.date or dt.date.min, e.start or dt.time.min),
        )
        # The request's own events in the order they were written; letters slotted in by date.
        history = [
            HistoryLine(e.at, e.clerk, e.text)
            for e in s.scalars(select(RequestEvent).where(RequestEvent.request_id == request.id).order_by(RequestEvent.id))
        ]
        for letter in s.scalars(select(Letter).where(Letter.request_id == request.id).order_by(Letter.generated_at)):
            steps = [HistoryLine(letter.generated_at, "", f"Courrier {letter.reference} préparé")]
            if letter.printed_at:
                steps.append(HistoryLine(letter.printed_at, "", f"Courrier {letter.reference} imprimé"))
            for step in steps:
                position = next((i for i, h in enumerate(history) if h.at > step.at), len(history))
                history.insert(position, step)
        from cnam_desk.requests.review import printed_letter_at

        return RequestDetails(
            row=row_of(s, request),
            session_key=session.key,
            session_first_day=session.first_day,
            session_last_day=session.last_day,
            deadline=session.request_deadline,
            email=request.email,
            reason_text=request.reason_text,
            comment=request.comment,
            trip_start=request.trip_start,
            trip_end=request.trip_end,
            student_known=request.student_id is not None,
            exams=[line(code) for code in codes],
            proofs=[
                ProofLine(*row)
                for row in s.execute(
                    # Not the files themselves: they are read only when the clerk opens one.
                    select(Proof.id, Proof.file_name, Proof.media_type, Proof.size, Proof.link, Proof.added_at)
                    .where(Proof.request_id == request.id)
                    .order_by(Proof.added_at, Proof.id)
                )
            ],
            history=history,
            decision_reason=request.decision_reason,
            decision_comment=request.decision_comment,
            missing_items=request.missing_items,
            reply_by=request.reply_by,
            arrangements=[
                ArrangementLine(a.ue_code, a.date, a.start, a.end, a.room)
                for a in s.scalars(select(Arrangement).where(Arrangement.request_id == request.id))
            ],
            letter_printed_at=printed_letter_at(s, request.id),
            other_exams=others,
        )
