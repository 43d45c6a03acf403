"""Grades from a spreadsheet: a preview of every problem by row, then all saved in one transaction or none."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import bindparam, select, update

from cnam_desk import frenchdates
from cnam_desk.db.engine import Database
from cnam_desk.db.models import CourseUnit, Grade, GradeChange, Student
from cnam_desk.errors import EditConflict, Location, RefusedInput
from cnam_desk.filecheck import check_file
from cnam_desk.grading import double_entry, entry, grade_sheet, rules
from cnam_desk.grading.entry import ExamRef, GradeRow
from cnam_desk.grading.rules import GradeValue
from cnam_desk.importing import record_import
from cnam_desk.parsing import ParseError, parse_text
from cnam_desk.progress import Progress, run_to_end
from cnam_desk.spreadsheets import Field, Row, read_workbook, tables_in

STUDENT_FIELD = Field(
    "student",
    "N° d'auditeur",
    (
        "numero auditeur", "numero d auditeur", "n auditeur", "n d auditeur", "no auditeur", "num auditeur",
        "auditeur", "matricule", "numero", "numero etudiant", "n etudiant", "identifiant", "id auditeur",
    ),
)
GRADE_FIELD = Field("grade", "Note", ("note", "notes", "note sur 20", "note 20", "note finale", "moyenne"))
UE_FIELD = Field("ue", "UE", ("ue", "code ue", "code de l ue", "unite", "unite d enseignement", "code"), required=False)
FIELDS = (STUDENT_FIELD, GRADE_FIELD, UE_FIELD)


class ProblemKind:
    UNKNOWN_STUDENT = "unknown_student"
    NOT_ENROLLED = "not_enrolled"
    INVALID_GRADE = "invalid_grade"
    UNKNOWN_UE = "unknown_ue"
    MISSING_UE = "missing_ue"
    OTHER_UE = "other_ue"
    DUPLICATE = "duplicate"
    PUBLISHED = "published"

    LABELS = {
        UNKNOWN_STUDENT: "auditeur inconnu",
        NOT_ENROLLED: "auditeur non inscrit",
        INVALID_GRADE: "note invalide",
        UNKNOWN_UE: "UE inconnue",
        MISSING_UE: "UE manquante",
        OTHER_UE: "autre UE",
        DUPLICATE: "doublon",
        PUBLISHED: "notes publiées",
    }


@dataclass(frozen=True)
class ImportProblem:
    kind: str
    location: Location
    message: str

    @property
    def text(self) -> str:
        return f"{self.location.describe()} : {self.message}"

    def as_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "sheet": self.location.sheet,
            "row": self.location.row,
            "column": self.location.column,
            "message": self.message,
        }


@dataclass(frozen=True)
class PlannedGrade:
    """One grade the import will write."""

    ref: ExamRef
    student_id: int
    student_number: str
    name: str
    old: GradeValue
    new: GradeValue
    version: int  # of the grade row when previewed; 0: none yet
    location: Location


@dataclass
class GradeImportPreview:
    """What the file would change; nothing is saved until `apply_import`."""

    file_name: str
    session_key: str
    changes: list[PlannedGrade] = field(default_factory=list)
    unchanged: int = 0
    empty: int = 0
    problems: list[ImportProblem] = field(default_factory=list)
    # A teacher's grade sheet (cnam-desk grade-sheet): its id, and who changed on the list since.
    grade_sheet: str | None = None
    warnings: list[str] = field(default_factory=list)
    # Double entry: the file is the second entry (compared with, and saved beside, the first one).
    second_entry: bool = False
    # After saving: how many grades of the exams the file touched are in disagreement.
    mismatches: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def by_kind(self, kind: str) -> list[ImportProblem]:
        return [p for p in self.problems if p.kind == kind]

    @property
    def summary(self) -> str:
        units = sorted({c.ref.ue_code for c in self.changes})
        what = "seconde(s) saisie(s)" if self.second_entry else "note(s)"
        text = (f"{len(self.changes)} {what} à enregistrer"
                + (f" en {', '.join(units)}" if units else "")
                + f", {self.unchanged} inchangée(s), {self.empty} ligne(s) sans note")
        if self.problems:
            text += f" ; {len(self.problems)} problème(s) : rien ne sera enregistré tant qu'ils ne sont pas corrigés"
        return text

    def refusal(self) -> RefusedInput:
        first = self.problems[0]
        more = f" (et {len(self.problems) - 1} autre(s) problème(s))" if len(self.problems) > 1 else ""
        return RefusedInput(f"Import des notes refusé, rien n'a été enregistré : {first.text}{more}.")

    def as_json(self, saved: int | None = None) -> dict[str, object]:
        return {
            "file": self.file_name,
            "session": self.session_key,
            "to_save": len(self.changes),
            "saved": saved,
            "unchanged": self.unchanged,
            "empty": self.empty,
            "problems": [p.as_json() for p in self.problems],
            "grade_sheet": self.grade_sheet,
            "warnings": list(self.warnings),
            "second_entry": self.second_entry,
            "mismatches": self.mismatches,
        }


@dataclass
class _UnitState:
    ref: ExamRef
    rows: dict[int, GradeRow]
    published: bool


def preview_steps(
    db: Database, path: str | os.PathLike[str], session_key: str, exam: str | None = None, *, exam_is_default: bool = False,
    second_entry: bool = False,
) -> Iterator[Progress]:
    """Read and check a grades file; a generator of progress returning a GradeImportPreview.

    `exam` is the UE of the whole file; with exam_is_default (the window, showing one exam), a UE
    column in the file wins and `exam` only fills its empty cells. With `second_entry`, the file is
    the exams' second entry: it is compared with the second entries, never shown the first ones.
    """
    path = Path(path)
    name = path.name
    yield Progress(0, 3, f"Lecture de « {name} »…")
    check_file(path)
    sheets = read_workbook(path)
    marker = grade_sheet.find_marker(sheets)
    tables = [t for t in tables_in(name, sheets, FIELDS) if t.sheet != grade_sheet.MARKER_SHEET]
    preview = GradeImportPreview(name, session_key, second_entry=second_entry)
    if marker is not None:
        # A teacher's sheet names its exam: an exam given too must be the same one (checked below).
        preview.grade_sheet = marker.sheet_id
        exam = exam or marker.ue_code
        exam_is_default = False
    has_ue_column = any("ue" in t.columns for t in tables)
    if exam is None and not has_ue_column:
        raise RefusedInput(
            f"fichier « {name} » : aucune colonne UE : indiquez l'UE de ce fichier (--exam dans la commande, "
            "ou le choix de l'épreuve dans la fenêtre)."
        )
    rows: list[Row] = [row for table in tables for row in table.rows]
    yield Progress(1, 3, f"Vérification de {len(rows)} ligne(s)…")

    # Checked without the write lock: the writing (apply_steps) is refused if a grade changed since.
    with db.transaction(write=False) as s:
        session_ref = entry.ref_in(s, session_key, exam) if exam else None
        if marker is not None and session_ref is not None:
            refused = grade_sheet.marker_refusal(marker, name, session_ref)
            if refused is not None:
                raise refused
        fallback_code = session_ref.ue_code if session_ref else None
        fixed_code = None if exam_is_default and has_ue_column else fallback_code
        connection = s.connection()
        numbers = {parse_text(row.values.get("student")) for row in rows}
        numbers.discard("")
        students: dict[str, tuple[int, str, str]] = {}
        listed = sorted(numbers)
        for start in range(0, len(listed), 900):  # SQLite takes at most 999 parameters
            for sid, number, last, first in connection.execute(
                select(Student.id, Student.number, Student.last_name, Student.first_name).where(
                    Student.number.in_(listed[start:start + 900])
                )
            ).all():
                students[number] = (sid, last, first)
        units = dict(connection.execute(select(CourseUnit.code, CourseUnit.id)).all())
        best = entry.best_of_two_in(s)
        states: dict[str, _UnitState] = {}

        def state(code: str) -> _UnitState:
            if code not in states:
                ref = entry.ref_in(s, session_key, code)
                sheet_rows = entry.sheet_rows_in(s, ref, best)
                states[code] = _UnitState(ref, {r.student_id: r for r in sheet_rows}, entry.publication_in(s, ref) is not None)
            return states[code]

        gone: set[str] = set()
        if marker is not None and session_ref is not None:
            gone = _roster_changes(preview, marker, state(session_ref.ue_code), students)
        seen: dict[tuple[str, int], tuple[GradeValue, Location]] = {}
        published_reported: set[str] = set()
        for row in rows:
            def problem(kind: str, field_name: str | None, message: str, row: Row = row) -> None:
                preview.problems.append(ImportProblem(kind, row.location(name, field_name), message))

            number = parse_text(row.values.get("student"))
            raw_grade = row.values.get("grade")
            try:
                grade = rules.read_grade(raw_grade)
            except ParseError as error:
                problem(ProblemKind.INVALID_GRADE, "grade", error.message)
                grade = None
                invalid = True
            else:
                invalid = False
            if not number:
                if not invalid and grade is not None:
                    problem(ProblemKind.UNKNOWN_STUDENT, "student", "numéro d'auditeur manquant")
                continue
            if number in gone:
                continue  # on the teacher's sheet, no longer on the list: said once as a warning
            code = entry.normalise_code(parse_text(row.values.get("ue"))) if "ue" in row.values else ""
            if fixed_code:
                if code and code != fixed_code:
                    problem(ProblemKind.OTHER_UE, "ue", f"UE {code} alors que le fichier est importé pour {fixed_code}")
                    continue
                code = fixed_code
            elif not code and fallback_code:
                code = fallback_code
            elif not code:
                problem(ProblemKind.MISSING_UE, "ue", "UE manquante")
                continue
            elif code not in units:
                problem(ProblemKind.UNKNOWN_UE, "ue", f"UE « {code} » inconnue")
                continue
            if number not in students:
                problem(ProblemKind.UNKNOWN_STUDENT, "student", f"auditeur « {number} » inconnu")
                continue
            if invalid:
                continue
            if grade is None:
                preview.empty += 1
                continue
            student_id, last, first = students[number]
            unit = state(code)
            on_sheet = unit.rows.get(student_id)
            label = f"{last.upper()} {first} ({number})"
            if on_sheet is None:
                if unit.ref.session_number == 2:
                    problem(ProblemKind.NOT_ENROLLED, "student",
                            f"{label} n'est pas sur la liste de session 2 de {code} (admis en session 1 ou non inscrit)")
                else:
                    problem(ProblemKind.NOT_ENROLLED, "student", f"{label} n'est pas inscrit à {code} en {unit.ref.year_label}")
                continue
            key = (code, student_id)
            if key in seen:
                earlier_grade, earlier = seen[key]
                if earlier_grade != grade:
                    problem(ProblemKind.DUPLICATE, "grade",
                            f"{label} a déjà la note {rules.grade_text(earlier_grade)} en {code} "
                            f"(ligne {earlier.row}), ici {rules.grade_text(grade)}")
                continue
            seen[key] = (grade, row.location(name, "grade"))
            current, version = ((on_sheet.second_entry, on_sheet.second_version) if second_entry
                                else (on_sheet.grade, on_sheet.version))
            if current == grade and type(current) is type(grade):
                preview.unchanged += 1
                continue
            if unit.published:
                if code not in published_reported:
                    published_reported.add(code)
                    problem(ProblemKind.PUBLISHED, "grade",
                            f"les notes de {code} (session {session_key}) sont publiées : l'import ne les modifie pas, "
                            + ("la double saisie est close" if second_entry
                               else "corrigez-les une à une dans la grille avec un motif"))
                continue
            preview.changes.append(
                PlannedGrade(unit.ref, student_id, number, label, current, grade, version, row.location(name, "grade"))
            )
    yield Progress(2, 3, preview.summary)
    return preview


def _roster_changes(
    preview: GradeImportPreview, marker: grade_sheet.SheetMarker, unit: _UnitState,
    students: dict[str, tuple[int, str, str]],
) -> set[str]:
    """Warn of the students added to the exam since the sheet was made, and of those gone; the gone."""
    listed = set(marker.students)
    current = {row.student_number: row for row in unit.rows.values()}
    since = f" depuis la feuille de notes du {marker.created[:10]}" if marker.created else " depuis la feuille de notes"
    for number, row in current.items():
        if number not in listed:
            preview.warnings.append(
                f"{row.name} ({number}) a été ajouté à {unit.ref.ue_code}{since} : absent de la feuille, "
                "aucune note importée pour lui"
            )
    gone = {number for number in marker.students if number not in current}
    for number in marker.students:
        if number in gone:
            known = students.get(number)
            label = f"{known[1].upper()} {known[2]} ({number})" if known else f"auditeur {number}"
            preview.warnings.append(
                f"{label} est sur la feuille mais n'est plus sur la liste de {unit.ref.ue_code} : sa ligne est ignorée"
            )
    return gone


def preview_import(
    db: Database, path: str | os.PathLike[str], session_key: str, exam: str | None = None, *, exam_is_default: bool = False,
    second_entry: bool = False,
) -> GradeImportPreview:
    return run_to_end(
        preview_steps(db, path, session_key, exam, exam_is_default=exam_is_default, second_entry=second_entry)
    )


def apply_steps(db: Database, preview: GradeImportPreview) -> Iterator[Progress]:
    """Save every planned grade in ONE transaction; refused whole if a grade changed since the preview."""
    if preview.problems:
        raise preview.refusal()
    total = len(preview.changes)
    yield Progress(0, total, f"Enregistrement de {total} note(s)…")
    if not total:
        return 0
    now = frenchdates.now()
    if preview.second_entry:
        with db.transaction() as s:
            double_entry.write_imported(s, preview.changes, db.clerk, now)
            record_import(
                s, "grade_second_entry", None, preview.file_name,
                {"session": preview.session_key, "second_entries": total,
                 "units": sorted({c.ref.ue_code for c in preview.changes})},
            )
        preview.mismatches = double_entry.disagreements(db, list({c.ref: None for c in preview.changes}))
        yield Progress(total, total, f"{total} seconde(s) saisie(s) enregistrée(s).")
        return total
    with db.transaction() as s:
        by_unit: dict[tuple[int, int], list[PlannedGrade]] = {}
        for change in preview.changes:
            by_unit.setdefault((change.ref.session_id, change.ref.course_unit_id), []).append(change)
        existing: dict[tuple[int, int, int], tuple[int, int, str, object]] = {}
        for (session_id, unit_id), changes in by_unit.items():
            ids = [c.student_id for c in changes]
            for chunk_start in range(0, len(ids), 900):
                chunk = ids[chunk_start:chunk_start + 900]
                for gid, sid, version, by, at in s.execute(
                    select(Grade.id, Grade.student_id, Grade.version, Grade.entered_by, Grade.entered_at)
                    .where(Grade.session_id == session_id, Grade.course_unit_id == unit_id, Grade.student_id.in_(chunk))
                    .with_for_update()
                ):
                    existing[(session_id, unit_id, sid)] = (gid, version, by, at)
        inserts, updates = [], []
        for change in preview.changes:
            found = existing.get((change.ref.session_id, change.ref.course_unit_id, change.student_id))
            version = found[1] if found else 0
            if version != change.version:
                by, at = (found[2], found[3]) if found else ("un autre agent", None)
                when = f" le {frenchdates.long_datetime(at)}" if at else ""
                raise EditConflict(
                    f"La note de {change.name} en {change.ref.ue_code} a été modifiée par {by}{when} depuis l'aperçu "
                    "de l'import : rien n'a été enregistré. Relancez l'import pour revoir l'aperçu."
                )
            value, code = rules.to_columns(change.new)
            if found:
                updates.append({"gid": found[0], "old_version": version, "new_version": version + 1,
                                "v": value, "c": code, "at": now, "by": db.clerk})
            else:
                inserts.append({"session_id": change.ref.session_id, "course_unit_id": change.ref.course_unit_id,
                                "student_id": change.student_id, "value": value, "code": code, "entered_at": now,
                                "entered_by": db.clerk, "version": 1})
        grade_ids: dict[tuple[int, int, int], int] = {
            key: found[0] for key, found in existing.items()
        }
        # Core statements: thousands of rows in a few round trips, without the ORM's bookkeeping.
        connection = s.connection()
        if inserts:
            table = Grade.__table__
            for gid, session_id, unit_id, sid in connection.execute(
                table.insert().returning(table.c.id, table.c.session_id, table.c.course_unit_id, table.c.student_id),
                inserts,
            ):
                grade_ids[(session_id, unit_id, sid)] = gid
        yield Progress(total // 2, total, "Enregistrement des notes…")
        if updates:
            table = Grade.__table__
            connection.execute(
                update(table)
                .where(table.c.id == bindparam("gid"), table.c.version == bindparam("old_version"))
                .values(value=bindparam("v"), code=bindparam("c"), version=bindparam("new_version"),
                        entered_at=bindparam("at"), entered_by=bindparam("by")),
                updates,
            )
        connection.execute(
            GradeChange.__table__.insert(),
            [
                {"grade_id": grade_ids[(c.ref.session_id, c.ref.course_unit_id, c.student_id)], "changed_at": now,
                 "changed_by": db.clerk, "old": rules.grade_token(c.old), "new": rules.grade_token(c.new),
                 "reason": f"import du fichier « {preview.file_name} »"}
                for c in preview.changes
            ],
        )
        record_import(
            s, "grade", None, preview.file_name,
            {"session": preview.session_key, "grades": total, "units": sorted({c.ref.ue_code for c in preview.changes})},
        )
    preview.mismatches = double_entry.disagreements(db, list({c.ref: None for c in preview.changes}))
    yield Progress(total, total, f"{total} note(s) enregistrée(s).")
    return total


def apply_import(db: Database, preview: GradeImportPreview) -> int:
    return run_to_end(apply_steps(db, preview))
