"""The session 2 roster of a semester: who sits which UE, with the session 1 outcome. No convocation, ever."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, union
from sqlalchemy.orm import Session

from cnam_desk.db.engine import Database
from cnam_desk.db.models import (
    AcademicYear,
    CourseUnit,
    Enrolment,
    Exam,
    ExamSession,
    Grade,
    Publication,
    Semester,
    Student,
)
from cnam_desk.errors import NotFound
from cnam_desk.grading import rules
from cnam_desk.grading.entry import sort_key
from cnam_desk.grading.rules import GradeValue
from cnam_desk.schedule import exam_calendar

# Said wherever the roster is shown or printed (rule 5 of the office's page).
NO_CONVOCATION = "Pas de convocation pour la session 2 : les auditeurs concernés viennent sans inscription."


@dataclass(slots=True)
class RosterEntry:
    student_id: int
    student_number: str
    last_name: str
    first_name: str
    ue_code: str
    ue_title: str
    outcome: GradeValue  # the session 1 grade: below 10, ABI, ABJ, or None (no grade)

    @property
    def outcome_text(self) -> str:
        """« 8,5 », « ABI », « ABJ », « sans note »."""
        return rules.grade_text(self.outcome) or "sans note"

    def as_json(self) -> dict[str, object]:
        return {"student_number": self.student_number, "ue": self.ue_code, "outcome": rules.json_grade(self.outcome)}


@dataclass(frozen=True)
class Roster:
    semester_key: str
    year_label: str
    semester_number: int
    session2_id: int | None
    entries: list[RosterEntry]
    # Session 1 exams whose grades are not published yet: the roster may still change.
    unpublished: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return f"Session 2 – semestre {self.semester_number} {self.year_label}"

    @property
    def warning(self) -> str:
        """The French warning said before the roster is listed or exported; empty when session 1 is all published."""
        return unpublished_warning(self.unpublished)

    def by_unit(self) -> dict[str, list[RosterEntry]]:
        grouped: dict[str, list[RosterEntry]] = {}
        for item in self.entries:
            grouped.setdefault(item.ue_code, []).append(item)
        return grouped


def _semester(s: Session, semester_key: str) -> Semester:
    year_label, number = exam_calendar.parse_semester_key(semester_key)
    semester = s.scalar(
        select(Semester).join(Semester.year).where(AcademicYear.label == year_label, Semester.number == number)
    )
    if semester is None:
        raise NotFound(f"Le semestre {year_label}/S{number} n'existe pas (voir « cnam-desk calendar »).")
    return semester


def unpublished_warning(codes: tuple[str, ...] | list[str]) -> str:
    if not codes:
        return ""
    shown = ", ".join(codes[:8]) + (f" et {len(codes) - 8} autre(s)" if len(codes) > 8 else "")
    return (
        f"Attention : notes de session 1 non publiées pour {len(codes)} épreuve(s) ({shown}). "
        "La liste de session 2 est établie sur des notes qui peuvent encore changer."
    )


def unpublished_in(s: Session, session1_id: int | None) -> tuple[str, ...]:
    """The session 1 exams (scheduled or graded) whose grades are not published: the rule, in one place."""
    if session1_id is None:
        return ()
    units = union(
        select(Exam.course_unit_id).where(Exam.session_id == session1_id),
        select(Grade.course_unit_id).where(Grade.session_id == session1_id),
    ).subquery()
    published = select(Publication.course_unit_id).where(Publication.session_id == session1_id)
    return tuple(s.scalars(
        select(CourseUnit.code)
        .where(CourseUnit.id.in_(select(units)), CourseUnit.id.not_in(published))
        .order_by(CourseUnit.code)
    ))


def roster_in(s: Session, semester: Semester) -> Roster:
    sessions = {row.number: row.id for row in s.scalars(select(ExamSession).where(ExamSession.semester_id == semester.id))}
    first, second = sessions.get(1), sessions.get(2)
    session_ids = [sid for sid in (first, second) if sid is not None]
    # The semester's UEs: those with an exam in one of its sessions, or session 1 grades.
    units_query = union(
        select(Exam.course_unit_id).where(Exam.session_id.in_(session_ids)),
        select(Grade.course_unit_id).where(Grade.session_id == (first or -1)),
    ).subquery()
    connection = s.connection()  # Core rows: tens of thousands, without the ORM's per-row work
    units = {
        row.id: row
        for row in connection.execute(
            select(CourseUnit.id, CourseUnit.code, CourseUnit.title).where(CourseUnit.id.in_(select(units_query)))
        ).all()
    }
    session1: dict[tuple[int, int], GradeValue] = {}
    if first is not None:
        for student_id, unit_id, value, code in connection.execute(
            select(Grade.student_id, Grade.course_unit_id, Grade.value, Grade.code).where(Grade.session_id == first)
        ).all():
            session1[(student_id, unit_id)] = rules.from_columns(value, code)
    pairs = connection.execute(
        select(Enrolment.student_id, Enrolment.course_unit_id).where(
            Enrolment.year_id == semester.year_id, Enrolment.course_unit_id.in_(list(units))
        )
    ).all()
    sent: dict[GradeValue, bool] = {}  # the rule, once per distinct outcome
    kept = []
    for student_id, unit_id in pairs:
        outcome = session1.get((student_id, unit_id))
        goes = sent.get(outcome)
        if goes is None:
            goes = sent[outcome] = rules.goes_to_session2(outcome)
        if goes:
            kept.append((student_id, unit_id, outcome))
    students = {
        row[0]: (row, sort_key(row[2], row[3], row[1]))
        for row in connection.execute(
            select(Student.id, Student.number, Student.last_name, Student.first_name).where(
                Student.id.in_(
                    select(Enrolment.student_id).where(
                        Enrolment.year_id == semester.year_id, Enrolment.course_unit_id.in_(list(units))
                    )
                )
            )
        ).all()
    } if kept else {}
    kept.sort(key=lambda item: (units[item[1]].code, students[item[0]][1]))
    entries = []
    for student_id, unit_id, outcome in kept:
        (_id, number, last, first_name), _key = students[student_id]
        unit = units[unit_id]
        entries.append(RosterEntry(student_id, number, last, first_name, unit.code, unit.title, outcome))
    return Roster(semester.key, semester.year.label, semester.number, second, entries, unpublished_in(s, first))


def session2_roster(db: Database, semester_key: str) -> Roster:
    """Everyone sent to session 2 in the semester: absent from session 1 (ABI, ABJ, no grade) or below 10."""
    with db.transaction(write=False) as s:
        return roster_in(s, _semester(s, semester_key))


# --- output ---------------------------------------------------------------------------------

HEADERS = ["N° auditeur", "Nom", "Prénom", "UE", "Intitulé de l'UE", "Session 1"]
WIDTHS = [14, 24, 22, 10, 44, 12]


def outcome_cell(outcome: GradeValue) -> object:
    """A mark as a number, ABI / ABJ as text, no grade as « sans note »."""
    if outcome is None:
        return "sans note"
    if isinstance(outcome, rules.GradeCode):
        return outcome.value
    return outcome


def write_roster_xlsx(roster: Roster, out: str | os.PathLike[str]) -> Path:
    """The roster as a spreadsheet: one sheet, every UE, with the session 1 outcome."""
    rows = (
        [e.student_number, e.last_name, e.first_name, e.ue_code, e.ue_title, outcome_cell(e.outcome)]
        for e in roster.entries
    )
    from cnam_desk.xlsx_export import write_xlsx  # deferred: openpyxl, when the roster is written

    return write_xlsx(
        out, "Session 2", HEADERS, rows, widths=WIDTHS,
        title_lines=[f"{roster.title} : {len(roster.entries)} inscription(s) à l'épreuve", NO_CONVOCATION],
    )

