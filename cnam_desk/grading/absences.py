"""Marking the students left without a grade as absent (ABI) once an exam's grades are in."""

from __future__ import annotations

from dataclasses import dataclass

from cnam_desk.db.engine import Database
from cnam_desk.errors import EditConflict, RefusedInput
from cnam_desk.grading import entry, rules
from cnam_desk.grading.entry import GradeEdit
from cnam_desk.grading.sheet import ExamRef, GradeRow, best_of_two_in, publication_in, sheet_rows_in

# Said in the grade's history of each student marked this way.
REASON = "absents marqués ABI (auditeurs sans note)"


@dataclass(frozen=True)
class AbsentMarking:
    ref: ExamRef
    marked: list[GradeRow]  # the rows as they are now, ABI

    @property
    def count(self) -> int:
        return len(self.marked)


def without_grade(db: Database, ref: ExamRef) -> list[GradeRow]:
    """The students on the exam's sheet who have no grade yet (what « Marquer les autres ABI » would mark)."""
    with db.transaction(write=False) as s:
        return _without_grade_in(s, ref)


def _without_grade_in(s, ref: ExamRef) -> list[GradeRow]:  # s: Session
    return [row for row in sheet_rows_in(s, ref, best_of_two_in(s)) if row.grade is None]


def mark_others_absent(db: Database, ref: ExamRef, *, expected: int | None = None) -> AbsentMarking:
    """Every student of the sheet without a grade gets ABI, in one transaction; no grade is overwritten.

    `expected` is the count the clerk confirmed: when another workstation entered or cleared a
    grade in between, nothing is written and the clerk is told (the figure they agreed to changed).
    Published grades are refused (a change to them needs a reason, one by one).
    """
    with db.transaction() as s:
        publication = publication_in(s, ref)
        if publication is not None:
            raise RefusedInput(
                f"Les notes de {ref.ue_code} (session {ref.session_key}) sont {publication.text} : "
                "aucun auditeur n'a été marqué absent."
            )
        missing = _without_grade_in(s, ref)
        if not missing:
            raise RefusedInput(f"Tous les auditeurs de {ref.ue_code} (session {ref.session_key}) ont une note : rien à marquer.")
        if expected is not None and expected != len(missing):
            raise EditConflict(
                f"Les notes de {ref.ue_code} ont changé depuis la confirmation : {len(missing)} auditeur(s) sans note "
                f"au lieu de {expected}. Rien n'a été enregistré ; recommencez."
            )
        # The version each row was read at: a grade typed meanwhile elsewhere is refused, never replaced.
        edits = [GradeEdit(row.student_id, rules.GradeCode.ABI, row.version) for row in missing]
        rows = entry.save_grades(db, ref, edits, reason=REASON)
    return AbsentMarking(ref, rows)
