"""The session at a glance (Tableau de bord): requests by status and by day received, the processing
week and what still waits, letters to print, grade entry per exam and the session 2 roster's size.

Read in one transaction without the write lock; each figure has the list behind it here too
(`requests_received_on`), or in the service that already lists it (the queue, the letters, the
grade sheet, the session 2 roster).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from cnam_desk import frenchdates
from cnam_desk.db.engine import Database
from cnam_desk.db.models import (
    AccommodationRequest,
    CourseUnit,
    Enrolment,
    Exam,
    ExamSession,
    Grade,
    Publication,
    RequestStatus,
)
from cnam_desk.grading import rules, session2
from cnam_desk.requests import checks, queue
from cnam_desk.requests.letter_state import LetterState, letter_states
from cnam_desk.schedule import exam_calendar
from cnam_desk.schedule.exam_calendar import SessionState


@dataclass(frozen=True)
class ExamProgress:
    """Grade entry of one exam of the session: students on its sheet, grades entered, published."""

    ue: str
    title: str
    enrolled: int
    entered: int
    published: bool

    @property
    def missing(self) -> int:
        return max(self.enrolled - self.entered, 0)

    def as_json(self) -> dict[str, object]:
        return {"ue": self.ue, "title": self.title, "enrolled": self.enrolled, "entered": self.entered,
                "published": self.published}


@dataclass(frozen=True)
class Dashboard:
    session_key: str
    semester_key: str
    session_number: int
    state: SessionState
    deadline: dt.datetime | None
    processing_due: dt.datetime | None
    requests: dict[RequestStatus, int]
    received_by_day: dict[dt.date, int]
    waiting: int  # requests still without a decision
    waiting_late: int  # of which received after the deadline
    letters_to_print: int
    exams: list[ExamProgress]
    session2_size: int  # the roster's lines: one per student and UE
    session2_students: int

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())

    @property
    def title(self) -> str:
        year, semester, number = self.session_key.split("/")
        return f"{year}, semestre {semester[1:]}, session {number}"

    @property
    def processing_text(self) -> str:
        """« du lundi 8 janvier 2024 au dimanche 14 janvier 2024 à 23h59 », or why there is none."""
        if self.deadline is None or self.processing_due is None:
            return f"date limite {exam_calendar.UNSET_DEADLINE}"
        start = frenchdates.paris(self.deadline).date() + dt.timedelta(days=1)
        return f"du {frenchdates.long_date(start)} au {frenchdates.long_datetime(self.processing_due)}"

    def as_json(self) -> dict[str, object]:
        def iso(instant: dt.datetime | None) -> str | None:
            return None if instant is None else frenchdates.paris(instant).isoformat()

        return {
            "session": self.session_key,
            "state": self.state.value,
            "deadline": iso(self.deadline),
            "requests": {status.value: count for status, count in self.requests.items()},
            "received_by_day": {day.isoformat(): count for day, count in self.received_by_day.items()},
            "processing_due": iso(self.processing_due),
            "waiting": self.waiting,
            "waiting_late": self.waiting_late,
            "letters_to_print": self.letters_to_print,
            "exams": [exam.as_json() for exam in self.exams],
            "session2_size": self.session2_size,
            "session2_students": self.session2_students,
        }


def _requests(s: Session, session_id: int) -> tuple[dict[RequestStatus, int], dict[dt.date, int], int, int]:
    statuses: Counter[RequestStatus] = Counter()
    days: Counter[dt.date] = Counter()
    late = 0
    rows = s.execute(
        select(AccommodationRequest.status, AccommodationRequest.received_at, AccommodationRequest.checks)
        .where(AccommodationRequest.session_id == session_id)
    )
    for status, received_at, found in rows:
        statuses[status] += 1
        days[frenchdates.paris(received_at).date()] += 1
        if status is RequestStatus.PENDING and (found or {}).get("deadline") == checks.LATE:
            late += 1
    by_status = {status: statuses.get(status, 0) for status in RequestStatus}
    return by_status, dict(sorted(days.items())), by_status[RequestStatus.PENDING], late


def _letters_to_print(s: Session, session_id: int) -> int:
    states = letter_states(s, AccommodationRequest.session_id == session_id)
    return sum(1 for info in states.values() if info.state is LetterState.TO_PRINT)


def exam_progress_in(s: Session, session: ExamSession) -> list[ExamProgress]:
    """Per UE of the session (an exam in its schedule, or grades): the sheet's size, grades entered, published.

    The sheet is the grade sheet's: the UE's students of the year (session 2: those sent to it),
    and anyone already graded."""
    connection = s.connection()
    scheduled = select(Exam.course_unit_id).where(Exam.session_id == session.id)
    graded_units = select(Grade.course_unit_id).where(Grade.session_id == session.id)
    units = connection.execute(
        select(CourseUnit.id, CourseUnit.code, CourseUnit.title)
        .where(CourseUnit.id.in_(scheduled.union(graded_units).scalar_subquery()))
        .order_by(CourseUnit.code)
    ).all()
    unit_ids = [row[0] for row in units]
    sheet: dict[int, set[int]] = {uid: set() for uid in unit_ids}
    year_id = session.semester.year_id
    first_id = None
    if session.number == 2:
        first_id = s.scalar(
            select(ExamSession.id).where(ExamSession.semester_id == session.semester_id, ExamSession.number == 1)
        )
    first: dict[tuple[int, int], rules.GradeValue] = {}
    if first_id is not None:
        for student_id, unit_id, value, code in connection.execute(
            select(Grade.student_id, Grade.course_unit_id, Grade.value, Grade.code).where(Grade.session_id == first_id)
        ):
            first[(student_id, unit_id)] = rules.from_columns(value, code)
    for student_id, unit_id in connection.execute(
        select(Enrolment.student_id, Enrolment.course_unit_id).where(
            Enrolment.year_id == year_id, Enrolment.course_unit_id.in_(unit_ids)
        )
    ):
        if session.number == 1 or rules.goes_to_session2(first.get((student_id, unit_id))):
            sheet[unit_id].add(student_id)
    entered: Counter[int] = Counter()
    for student_id, unit_id, value, code in connection.execute(
        select(Grade.student_id, Grade.course_unit_id, Grade.value, Grade.code).where(Grade.session_id == session.id)
    ):
        sheet.setdefault(unit_id, set()).add(student_id)
        if value is not None or code is not None:
            entered[unit_id] += 1
    published = set(connection.execute(
        select(Publication.course_unit_id).where(Publication.session_id == session.id)
    ).scalars())
    return [
        ExamProgress(code, title, len(sheet.get(uid, ())), entered.get(uid, 0), uid in published)
        for uid, code, title in units
    ]


def session_dashboard(db: Database, session_key: str, now: dt.datetime | None = None) -> Dashboard:
    """Every figure of the session's dashboard, in one reading transaction."""
    with db.transaction(write=False) as s:
        session = exam_calendar.find_session(s, session_key)
        by_status, by_day, waiting, waiting_late = _requests(s, session.id)
        roster = session2.roster_in(s, session.semester)
        return Dashboard(
            session_key=session.key,
            semester_key=session.semester.key,
            session_number=session.number,
            state=exam_calendar.session_state(session, now),
            deadline=session.request_deadline,
            processing_due=exam_calendar.processing_due(session.request_deadline),
            requests=by_status,
            received_by_day=by_day,
            waiting=waiting,
            waiting_late=waiting_late,
            letters_to_print=_letters_to_print(s, session.id),
            exams=exam_progress_in(s, session),
            session2_size=len(roster.entries),
            session2_students=len({entry.student_id for entry in roster.entries}),
        )


def requests_received_on(db: Database, session_key: str, day: dt.date) -> list[queue.QueueRow]:
    """The requests of the session received on a day (Paris time), oldest first: the bar's list."""
    return [
        row for row in queue.list_requests(db, session_key) if frenchdates.paris(row.received_at).date() == day
    ]
