"""A session's exams as the schedule lists them: for the window's tables and `cnam-desk planning`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cnam_desk.db.engine import Database
from cnam_desk.db.models import CourseUnit, Exam
from cnam_desk.schedule import exam_calendar


@dataclass(frozen=True)
class ExamLine:
    """One exam of a session as the schedule lists it."""

    id: int
    ue: str
    title: str
    date: dt.date
    start: dt.time
    end: dt.time
    room: str
    centre: str

    def as_json(self) -> dict[str, Any]:
        return {
            "ue": self.ue,
            "title": self.title,
            "date": self.date.isoformat(),
            "start": f"{self.start:%H:%M}",
            "end": f"{self.end:%H:%M}",
            "room": self.room,
            "centre": self.centre,
        }


def exam_tuples(s: Session, session_id: int) -> list[tuple[Any, ...]]:
    """(id, ue, title, date, start, end, room, centre) of every exam, by date, time and UE."""
    return [
        tuple(row)
        for row in s.execute(
            select(
                Exam.id, CourseUnit.code, CourseUnit.title, Exam.date, Exam.start, Exam.end, Exam.room, Exam.centre
            )
            .join(CourseUnit, Exam.course_unit_id == CourseUnit.id)
            .where(Exam.session_id == session_id)
            .order_by(Exam.date, Exam.start, CourseUnit.code, Exam.centre)
        )
    ]


def exam_rows(db: Database, session_key: str) -> list[tuple[Any, ...]]:
    """The session's exams as plain tuples, for tables of 100,000 rows."""
    with db.transaction() as s:
        return exam_tuples(s, exam_calendar.find_session(s, session_key).id)


def list_exams(db: Database, session_key: str) -> list[ExamLine]:
    with db.transaction() as s:
        session = exam_calendar.find_session(s, session_key)
        return [ExamLine(*row) for row in exam_tuples(s, session.id)]
