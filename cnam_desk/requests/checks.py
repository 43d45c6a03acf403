"""The automatic checks shown on each request: deadline, same day same time, proof, trip dates.

One function per rule, each pure and tested at its edges; `compute` puts them together and
`recompute_checks` stores them again for a whole session when its schedule or deadline changes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from cnam_desk.db import audit
from cnam_desk.db.models import (
    AccommodationRequest,
    CourseUnit,
    Enrolment,
    Exam,
    ExamSession,
    Proof,
    RequestedExam,
    RequestKind,
    Semester,
)
from cnam_desk.requests.numbers import StudentNumbers
from cnam_desk.schedule import exam_calendar
from cnam_desk.slots import times_overlap

# The values the office sees (and `cnam-desk requests --json` writes).
ON_TIME = "on_time"
LATE = "late"
EXEMPT = "exempt"
CONFIRMED = "confirmed"
NOT_FOUND = "not_found"
NOT_ENROLLED = "not_enrolled"
NO_OVERLAP = "no_overlap"
PRESENT = "present"
MISSING = "missing"

CHECK_NAMES = ("deadline", "overlap", "proof", "trip_covers_exam")

LABELS: dict[str, dict[Any, str]] = {
    "deadline": {ON_TIME: "dans les délais", LATE: "hors délai", EXEMPT: "exemptée (handicap)"},
    "overlap": {
        CONFIRMED: "chevauchement confirmé",
        NOT_FOUND: "examen introuvable dans le planning",
        NOT_ENROLLED: "auditeur non inscrit à l'UE",
        NO_OVERLAP: "pas de chevauchement",
        None: "sans objet",
    },
    "proof": {PRESENT: "justificatif joint", MISSING: "justificatif manquant", None: "sans objet"},
    "trip_covers_exam": {
        True: "le déplacement couvre la date de l'examen",
        False: "le déplacement ne couvre pas la date de l'examen",
        None: "sans objet",
    },
}

# Results that call for the clerk's attention.
WARNINGS = {LATE, NOT_FOUND, NOT_ENROLLED, NO_OVERLAP, MISSING, False}


@dataclass(frozen=True)
class ExamSlot:
    """An exam of the session's schedule, as the checks need it."""

    code: str
    date: dt.date
    start: dt.time
    end: dt.time
    room: str = ""
    exam_id: int | None = None


# --- the rules ------------------------------------------------------------------------------


def deadline_check(
    received_at: dt.datetime, deadline: dt.datetime | None, kind: RequestKind
) -> str:
    """On time, late, or exempt (disability: whatever the date).

    The deadline is written to the minute (« 23h59 »): the whole of that minute counts, so an
    answer completed at 23:59:59 is on time. A session without a deadline makes nobody late.
    """
    if kind is RequestKind.DISABILITY:
        return EXEMPT
    if deadline is None:
        return ON_TIME
    end_of_minute = deadline.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    return ON_TIME if received_at < end_of_minute else LATE


def overlap_check(
    kind: RequestKind,
    named: dict[str, ExamSlot | None],
    enrolled: set[str],
    student_exams: Iterable[ExamSlot] = (),
) -> str | None:
    """Same day, same time: the named exams exist, the student takes them, and they overlap.

    Every named exam must overlap another exam of the student (another named one, or one of
    the UEs the student is enrolled in). Null when the request is not of that kind.
    """
    if kind is not RequestKind.OVERLAP:
        return None
    if not named or any(slot is None for slot in named.values()):
        return NOT_FOUND
    if any(code not in enrolled for code in named):
        return NOT_ENROLLED
    slots = [slot for slot in named.values() if slot is not None]
    others = {slot.code: slot for slot in student_exams if slot.code in enrolled} | {
        s.code: s for s in slots
    }
    for slot in slots:
        if not any(
            other.code != slot.code
            and times_overlap(slot.date, slot.start, slot.end, other.date, other.start, other.end)
            for other in others.values()
        ):
            return NO_OVERLAP
    return CONFIRMED


def proof_check(kind: RequestKind, has_proof: bool) -> str | None:
    """A professional trip needs a proof; other requests do not."""
    if kind is not RequestKind.TRIP:
        return None
    return PRESENT if has_proof else MISSING


def trip_covers_exam_check(
    kind: RequestKind,
    trip_start: dt.date | None,
    trip_end: dt.date | None,
    exam_dates: Iterable[dt.date],
) -> bool | None:
    """Whether the trip's dates cover every named exam found in the schedule.

    Null when the request is not a trip, the dates are not known, or no named exam was found.
    A trip given with one date only is taken as that one day.
    """
    if kind is not RequestKind.TRIP:
        return None
    dates = list(exam_dates)
    if not dates or (trip_start is None and trip_end is None):
        return None
    first = trip_start or trip_end
    last = trip_end or trip_start
    assert first is not None and last is not None
    return all(first <= day <= last for day in dates)


def compute(
    *,
    kind: RequestKind,
    received_at: dt.datetime,
    deadline: dt.datetime | None,
    named: dict[str, ExamSlot | None],
    enrolled: set[str],
    student_exams: Iterable[ExamSlot],
    has_proof: bool,
    trip_start: dt.date | None,
    trip_end: dt.date | None,
) -> dict[str, Any]:
    """All the checks of one request, as stored in its `checks` column."""
    found = [slot.date for slot in named.values() if slot is not None]
    return {
        "deadline": deadline_check(received_at, deadline, kind),
        "overlap": overlap_check(kind, named, enrolled, student_exams),
        "proof": proof_check(kind, has_proof),
        "trip_covers_exam": trip_covers_exam_check(kind, trip_start, trip_end, found),
    }


def needs_attention(checks: dict[str, Any]) -> bool:
    """A check that speaks against the request (late, not found, missing proof…)."""
    return any(checks.get(name) in WARNINGS for name in CHECK_NAMES if checks.get(name) is not None)


# --- in the database --------------------------------------------------------------------------


class SessionFacts:
    """What the checks of one session's requests need, read once: schedule, enrolments, proofs."""

    def __init__(
        self, s: Session, session: ExamSession, students: Iterable[int | None] | None = None
    ):
        """`students`: only these students' enrolments are read (None: every student's)."""
        self.session = session
        self.deadline = session.request_deadline
        self.slots: dict[str, ExamSlot] = {}
        rows = s.execute(
            select(CourseUnit.code, Exam.date, Exam.start, Exam.end, Exam.room, Exam.id)
            .join(Exam.course_unit)
            .where(Exam.session_id == session.id)
            .order_by(Exam.centre, Exam.id)
        )
        for code, date, start, end, room, exam_id in rows:
            # Several centres for one UE: the first one stands for the UE.
            self.slots.setdefault(code, ExamSlot(code, date, start, end, room, exam_id))
        year_id = s.scalar(select(Semester.year_id).where(Semester.id == session.semester_id))
        self.enrolled: dict[int, set[str]] = defaultdict(set)
        enrolments = (
            select(Enrolment.student_id, CourseUnit.code)
            .join(Enrolment.course_unit)
            .where(Enrolment.year_id == year_id)
        )
        if students is not None:
            wanted = [student_id for student_id in students if student_id is not None]
            if not wanted:
                return
            enrolments = enrolments.where(Enrolment.student_id.in_(wanted))
        for student_id, code in s.execute(enrolments):
            self.enrolled[student_id].add(code)

    def named(self, codes: Iterable[str]) -> dict[str, ExamSlot | None]:
        return {code: self.slots.get(code) for code in codes}

    def student_exams(self, student_id: int | None) -> list[ExamSlot]:
        if student_id is None:
            return []
        return [
            self.slots[code] for code in self.enrolled.get(student_id, ()) if code in self.slots
        ]

    def checks_for(
        self,
        *,
        kind: RequestKind,
        received_at: dt.datetime,
        student_id: int | None,
        codes: Iterable[str],
        has_proof: bool,
        trip_start: dt.date | None,
        trip_end: dt.date | None,
    ) -> dict[str, Any]:
        return compute(
            kind=kind,
            received_at=received_at,
            deadline=self.deadline,
            named=self.named(codes),
            enrolled=self.enrolled.get(student_id, set()) if student_id is not None else set(),
            student_exams=self.student_exams(student_id),
            has_proof=has_proof,
            trip_start=trip_start,
            trip_end=trip_end,
        )


def refresh_request(
    s: Session, request: AccommodationRequest, facts: SessionFacts | None = None
) -> bool:
    """Recompute one request's checks and its links to the schedule; True when they changed."""
    if facts is None and request.student_id is None:
        # Received before the student was known (the enrolments came after): linked now.
        match = StudentNumbers(s, [request.student_number]).match(request.student_number)
        if match.student_id is not None:
            request.student_id, request.student_number = match.student_id, match.number
    facts = facts or SessionFacts(s, request.session, [request.student_id])
    codes = [row.ue_code for row in request.exams]
    for row in request.exams:
        slot = facts.slots.get(row.ue_code)
        exam_id = slot.exam_id if slot else None
        if row.exam_id != exam_id:
            row.exam_id = exam_id
    checks = facts.checks_for(
        kind=request.kind,
        received_at=request.received_at,
        student_id=request.student_id,
        codes=codes,
        has_proof=bool(request.proofs),
        trip_start=request.trip_start,
        trip_end=request.trip_end,
    )
    if checks != request.checks:
        request.checks = checks
        return True
    return False


def recompute_session(s: Session, session: ExamSession) -> int:
    """Recompute every request of a session inside an open transaction; returns how many changed.

    Changed requests get a new version: a clerk who opened one before must look at it again.
    """
    linked = link_students(s, session)
    requests = s.execute(
        select(
            AccommodationRequest.id,
            AccommodationRequest.kind,
            AccommodationRequest.received_at,
            AccommodationRequest.student_id,
            AccommodationRequest.trip_start,
            AccommodationRequest.trip_end,
            AccommodationRequest.checks,
        ).where(AccommodationRequest.session_id == session.id)
    ).all()
    if not requests:  # a schedule imported before any request: the session's exams need not be read
        return 0
    facts = SessionFacts(s, session)
    ids = [row.id for row in requests]
    codes: dict[int, list[tuple[int, str, int | None]]] = defaultdict(list)
    with_proof: set[int] = set()
    for chunk in _chunks(ids, 900):
        for exam_row_id, request_id, code, exam_id in s.execute(
            select(
                RequestedExam.id,
                RequestedExam.request_id,
                RequestedExam.ue_code,
                RequestedExam.exam_id,
            ).where(RequestedExam.request_id.in_(chunk))
        ):
            codes[request_id].append((exam_row_id, code, exam_id))
        with_proof.update(
            s.scalars(select(Proof.request_id).where(Proof.request_id.in_(chunk)).distinct())
        )
    links: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    for row in requests:
        for exam_row_id, code, exam_id in codes.get(row.id, []):
            slot = facts.slots.get(code)
            wanted = slot.exam_id if slot else None
            if wanted != exam_id:
                links.append({"row_id": exam_row_id, "exam": wanted})
        checks = facts.checks_for(
            kind=row.kind,
            received_at=row.received_at,
            student_id=row.student_id,
            codes=[code for _i, code, _e in codes.get(row.id, [])],
            has_proof=row.id in with_proof,
            trip_start=row.trip_start,
            trip_end=row.trip_end,
        )
        if checks != row.checks:
            changes.append({"request_id": row.id, "new_checks": checks})
    table = RequestedExam.__table__
    if links:
        s.execute(
            update(table)
            .where(table.c.id == bindparam("row_id"))
            .values(exam_id=bindparam("exam")),
            links,
        )
    if changes:
        requests_table = AccommodationRequest.__table__
        s.execute(
            update(requests_table)
            .where(requests_table.c.id == bindparam("request_id"))
            .values(checks=bindparam("new_checks"), version=requests_table.c.version + 1),
            changes,
        )
    if changes or linked:
        audit.record(
            s,
            "recompute_checks",
            "exam_session",
            session.id,
            None,
            {"session": session.key, "requests_changed": len(changes), "students_linked": linked},
        )
    return len(changes)


def link_students(s: Session, session: ExamSession) -> int:
    """Link the session's requests received before their student was known; returns how many.

    A request keeps the number as typed until a student fits it (the same number, or the same but
    for leading zeros a spreadsheet lost, when only one student fits); it then takes the record's
    number, and its checks read that student's enrolments.
    """
    rows = s.execute(
        select(AccommodationRequest.id, AccommodationRequest.student_number).where(
            AccommodationRequest.session_id == session.id, AccommodationRequest.student_id.is_(None)
        )
    ).all()
    if not rows:
        return 0
    numbers = StudentNumbers(s, [row.student_number for row in rows])
    links = []
    for row in rows:
        match = numbers.match(row.student_number)
        if match.student_id is not None:
            links.append({"request_id": row.id, "student": match.student_id, "number": match.number})
    if links:
        table = AccommodationRequest.__table__
        s.execute(
            update(table)
            .where(table.c.id == bindparam("request_id"))
            .values(student_id=bindparam("student"), student_number=bindparam("number"), version=table.c.version + 1),
            links,
        )
    return len(links)


def recompute_checks(db: Any, session_key: str) -> int:
    """Recompute the checks of a session's requests (call it after the schedule or deadline changes)."""
    with db.transaction() as s:
        return recompute_session(s, exam_calendar.find_session(s, session_key))


def _chunks(values: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
