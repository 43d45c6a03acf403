"""Published results of a session for the student portal, as .xlsx (never as a formula, never by email)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from cnam_desk.db.engine import Database
from cnam_desk.db.models import CourseUnit, ExamSession, Grade, Publication, Student
from cnam_desk.errors import RefusedInput
from cnam_desk.grading import rules
from cnam_desk.grading.entry import best_of_two_in, sort_key
from cnam_desk.grading.rules import GradeValue, ResultCode
from cnam_desk.progress import Progress, run_to_end
from cnam_desk.schedule import exam_calendar
from cnam_desk.xlsx_export import write_xlsx

HEADERS = ["N° auditeur", "Nom", "Prénom", "UE", "Session", "Note", "Résultat"]
WIDTHS = [14, 24, 22, 10, 16, 8, 10]


@dataclass(frozen=True)
class PortalRow:
    student_number: str
    last_name: str
    first_name: str
    ue_code: str
    session_key: str
    grade: GradeValue
    result: ResultCode | None

    def cells(self) -> list[object]:
        grade: object = self.grade.value if isinstance(self.grade, rules.GradeCode) else self.grade
        return [self.student_number, self.last_name, self.first_name, self.ue_code, self.session_key, grade,
                self.result.value if self.result else None]


@dataclass(frozen=True)
class ExportSummary:
    path: Path
    rows: int
    units: list[str]


def portal_rows(db: Database, session_key: str) -> list[PortalRow]:
    """Every published grade of the session, with its result code (session 2: the UE's result)."""
    with db.transaction(write=False) as s:
        session = exam_calendar.find_session(s, session_key)
        best = best_of_two_in(s)
        published = select(Publication.course_unit_id).where(Publication.session_id == session.id)
        rows = s.execute(
            select(Student.id, Student.number, Student.last_name, Student.first_name, CourseUnit.id, CourseUnit.code,
                   Grade.value, Grade.code)
            .join(Student, Student.id == Grade.student_id)
            .join(CourseUnit, CourseUnit.id == Grade.course_unit_id)
            .where(Grade.session_id == session.id, Grade.course_unit_id.in_(published))
        ).all()
        session1: dict[tuple[int, int], GradeValue] = {}
        if session.number == 2:
            first = s.scalar(
                select(ExamSession.id).where(ExamSession.semester_id == session.semester_id, ExamSession.number == 1)
            )
            for student_id, unit_id, value, code in s.execute(
                select(Grade.student_id, Grade.course_unit_id, Grade.value, Grade.code).where(Grade.session_id == first)
            ):
                session1[(student_id, unit_id)] = rules.from_columns(value, code)
        key = session.key
        result = []
        for student_id, number, last, first_name, unit_id, code, value, grade_code in rows:
            grade = rules.from_columns(value, grade_code)
            if grade is None:
                continue  # cleared after publication: nothing to show on the portal
            final = grade if session.number == 1 else rules.ue_result(
                session1.get((student_id, unit_id)), grade, best_of_two=best
            )
            result.append(PortalRow(number, last, first_name, code, key, grade, rules.result_code(final)))
    result.sort(key=lambda r: (r.ue_code, *sort_key(r.last_name, r.first_name, r.student_number)))
    return result


def export_steps(db: Database, session_key: str, out: str | os.PathLike[str]) -> Iterator[Progress]:
    """Write the portal export; a generator of progress that returns an ExportSummary."""
    yield Progress(0, 2, "Lecture des notes publiées…")
    rows = portal_rows(db, session_key)
    if not rows:
        raise RefusedInput(f"Aucune note publiée pour la session {session_key} : rien à exporter.")
    yield Progress(1, 2, f"Écriture de {len(rows)} résultats…")
    path = write_xlsx(out, "Résultats", HEADERS, (row.cells() for row in rows), widths=WIDTHS)
    yield Progress(2, 2, "Export terminé.")
    return ExportSummary(path, len(rows), sorted({row.ue_code for row in rows}))


def export_results(db: Database, session_key: str, out: str | os.PathLike[str]) -> ExportSummary:
    return run_to_end(export_steps(db, session_key, out))
