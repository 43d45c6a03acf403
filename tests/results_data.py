"""Small results data for the tests: one year, a few UEs, students enrolled, session 1 exams."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from cnam_desk.db.engine import Database
from cnam_desk.db.models import CourseUnit, Enrolment, Exam, Student
from cnam_desk.grading import entry
from cnam_desk.schedule import exam_calendar

STUDENTS = [
    ("100", "Martin", "Léa"),
    ("101", "Nguyễn", "Thị Minh"),
    ("102", "Dupont", "Jean"),
    ("103", "=HYPERLINK(\"x\")", "@Marc"),
    ("104", "Łukasiewicz", "Łukasz"),
    ("105", "Béranger", "Anne-Sophie"),
]
UNITS = [("NFA031", "Programmation Java", 6), ("NFA008", "Bases de données", 6), ("STA001", "Statistique", 4)]


def seed(db: Database, *, enrol: dict[str, list[str]] | None = None) -> None:
    """Students 100-105; NFA031 and NFA008 for all, STA001 for 100-102; exams in S1/1 and S1/2."""
    enrol = enrol or {"NFA031": [n for n, *_ in STUDENTS], "NFA008": [n for n, *_ in STUDENTS],
                      "STA001": ["100", "101", "102"]}
    with db.transaction() as s:
        year = exam_calendar.find_year(s, "2023-2024")
        units = {code: CourseUnit(code=code, title=title, ects=ects) for code, title, ects in UNITS}
        s.add_all(units.values())
        students = {n: Student(number=n, last_name=last, first_name=first) for n, last, first in STUDENTS}
        s.add_all(students.values())
        for code, numbers in enrol.items():
            for number in numbers:
                s.add(Enrolment(student=students[number], course_unit=units[code], year=year))
        for key in ("2023-2024/S1/1", "2023-2024/S1/2"):
            session = exam_calendar.find_session(s, key)
            for index, unit in enumerate(units.values()):
                s.add(Exam(session=session, course_unit=unit, centre="Paris", date=session.first_day + dt.timedelta(days=index),
                           start=dt.time(9), end=dt.time(12), room="Salle 1"))


def student_id(db: Database, number: str) -> int:
    with db.transaction() as s:
        return s.scalar(select(Student.id).where(Student.number == number))


def grade(db: Database, key: str, ue: str, number: str, value: str, reason: str = "") -> None:
    entry.set_grade(db, key, ue, number, value, reason=reason)


def session_id(db: Database, key: str) -> int:
    with db.transaction() as s:
        return exam_calendar.find_session(s, key).id

