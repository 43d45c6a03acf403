"""Enrolments of a year read from the office's spreadsheets: students created or updated, enrolled in their UEs."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from cnam_desk import parsing, spreadsheets
from cnam_desk.db.engine import Database, session_changed
from cnam_desk.db.models import CourseUnit, Enrolment, ExamSession, Semester, Student
from cnam_desk.errors import EditConflict
from cnam_desk.importing import (
    CHUNK,
    Pipeline,
    RowError,
    chunks,
    clean_ue_code,
    count,
    is_blank,
    memoised,
    record_import,
    refuse_errors,
    run_import,
)
from cnam_desk.progress import Progress, Steps, run_to_end
from cnam_desk.schedule import exam_calendar
from cnam_desk.spreadsheets import Field

NUMBER_MAX = 40
NAME_MAX = 200
EMAIL_MAX = 320
UE_CODE_MAX = 20

NUMBER = Field(
    "number", "Numéro d'auditeur",
    # No bare « N° »: the reader also takes headers that start with a synonym, and « N° UE »
    # or « N° de téléphone » must not be read as the student's number.
    ("Numéro d'auditeur", "N° auditeur", "N° d'auditeur", "Numéro auditeur", "No auditeur", "Auditeur",
     "Numéro", "Matricule", "Numéro d'élève", "Numéro étudiant", "Numéro de l'auditeur"),
)  # fmt: skip
LAST_NAME = Field("last_name", "Nom", ("Nom", "Nom de famille", "Nom d'usage", "Nom de l'auditeur"))
FIRST_NAME = Field("first_name", "Prénom", ("Prénom", "Prénoms"), required=False)
EMAIL = Field(
    "email", "Email",
    ("Email", "E-mail", "Mél", "Courriel", "Mail", "Adresse électronique", "Adresse email", "Adresse e-mail",
     "Adresse mail"),
    required=False,
)  # fmt: skip
ADDRESS = Field(
    "address", "Adresse", ("Adresse", "Adresse postale", "Rue", "Adresse 1", "Adresse ligne 1"), required=False
)
# The building, staircase or PO box line that many exports keep apart: the letters' window
# envelope needs it under the street.
ADDRESS_MORE = Field(
    "address_more", "Complément d'adresse",
    ("Complément d'adresse", "Complément", "Adresse 2", "Adresse ligne 2", "Suite de l'adresse", "Bâtiment"),
    required=False,
)  # fmt: skip
POSTCODE = Field("postcode", "Code postal", ("Code postal", "CP"), required=False)
TOWN = Field("town", "Ville", ("Ville", "Commune", "Localité"), required=False)
UE = Field("ue", "Code UE", ("Code UE", "UE", "Code de l'UE", "Code"))
TITLE = Field("title", "Intitulé", ("Intitulé", "Libellé", "Intitulé de l'UE", "Libellé de l'UE"), required=False)
FIELDS = (NUMBER, LAST_NAME, FIRST_NAME, EMAIL, ADDRESS, ADDRESS_MORE, POSTCODE, TOWN, UE, TITLE)
_NUMBER_HEADERS = frozenset(spreadsheets.normalise_header(name) for name in (NUMBER.label, *NUMBER.synonyms))
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class EnrolledStudent(NamedTuple):
    """A student as the file states them; empty fields say nothing (they erase nothing)."""

    number: str
    last_name: str
    first_name: str
    email: str
    postal_address: str
    sheet: str
    row: int


@dataclass
class EnrolmentFile:
    """The enrolments read from a file for one academic year."""

    file_name: str
    year: str
    students: dict[str, EnrolledStudent] = field(default_factory=dict)
    enrolments: list[tuple[str, str]] = field(default_factory=list)  # (student number, UE code)
    titles: dict[str, str] = field(default_factory=dict)  # UE code -> title, when the file has one
    errors: list[RowError] = field(default_factory=list)
    rows_read: int = 0


def _postcode(value: Any) -> str:
    """Postal codes typed as numbers lose their leading zero (1000 for 01000): put it back."""
    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        return f"{int(value):05d}"
    return parsing.parse_text(value)


def _address_lines(value: Any) -> str:
    """An address cell keeps its lines (street, building), each cleaned."""
    if isinstance(value, str):
        return "\n".join(line for line in map(parsing.parse_text, value.splitlines()) if line)
    return parsing.parse_text(value)


class _RowReader:
    def __init__(self) -> None:
        self.text = memoised(parsing.parse_text)
        self.ue_code = memoised(clean_ue_code)

    def is_note(self, values: dict[str, Any]) -> bool:
        """A remark or a repeated header between the rows: skipped, not an error.

        A row with no UE and no email is a note unless its first cell looks like a
        student number (then the UE is missing, and the clerk is told so).
        """
        number = values.get("number")
        if isinstance(number, str) and spreadsheets.normalise_header(number) in _NUMBER_HEADERS:
            return True
        if not (is_blank(values.get("ue")) and is_blank(values.get("email"))):
            return False
        text = self.text(number)
        return len(text.split()) != 1 or not any(c.isdigit() for c in text)

    def _text(self, values: dict[str, Any], name: str, label: str, limit: int, errors: list[tuple[str, str]]) -> str:
        text = self.text(values.get(name))
        if len(text) > limit:
            errors.append((name, f"{label} trop long ({len(text)} caractères, {limit} au plus)"))
        return text

    def read(self, row: spreadsheets.Row, errors: list[tuple[str, str]]) -> tuple[EnrolledStudent, str] | None:
        values = row.values
        number = "".join(self._text(values, "number", "numéro d'auditeur", NUMBER_MAX, errors).split()).upper()
        if not number:
            errors.append(("number", "numéro d'auditeur manquant"))
        elif wrong := parsing.student_number_problem(number):
            errors.append(("number", wrong))
        last_name = self._text(values, "last_name", "nom", NAME_MAX, errors)
        if not last_name:
            errors.append(("last_name", "nom manquant"))
        first_name = self._text(values, "first_name", "prénom", NAME_MAX, errors)
        email = self._text(values, "email", "adresse électronique", EMAIL_MAX, errors)
        if email and not _EMAIL.fullmatch(email):
            errors.append(("email", f"adresse électronique « {email[:60]} » invalide"))
        street = "\n".join(
            part for part in (_address_lines(values.get("address")), _address_lines(values.get("address_more"))) if part
        )
        town = " ".join(part for part in (_postcode(values.get("postcode")), self.text(values.get("town"))) if part)
        address = "\n".join(part for part in (street, town) if part)
        ue = self.ue_code(values.get("ue"))
        if not ue:
            errors.append(("ue", "UE manquante"))
        elif len(ue) > UE_CODE_MAX:
            errors.append(("ue", f"code UE « {ue[:30]} » trop long ({UE_CODE_MAX} caractères au plus)"))
        if errors:
            return None
        return EnrolledStudent(number, last_name, first_name, email, address, row.sheet, row.number), ue


_IDENTITY = (("last_name", "nom"), ("first_name", "prénom"), ("email", "adresse électronique"), ("postal_address", "adresse"))


def _merge(earlier: EnrolledStudent, later: EnrolledStudent) -> tuple[EnrolledStudent, str | None]:
    """The same student on another row: fill what was empty; a different value is an error."""
    merged = earlier
    for name, label in _IDENTITY:
        old, new = getattr(earlier, name), getattr(later, name)
        if new and old and new.casefold() != old.casefold():
            return earlier, (
                f"le numéro {later.number} figure déjà ligne {earlier.row} de la feuille « {earlier.sheet} » "
                f"avec un autre {label} (« {old[:60]} »)"
            )
        if new and not old:
            merged = merged._replace(**{name: new})
    return merged, None


def read_enrolments_steps(path: str | Path, year: str) -> Steps[EnrolmentFile]:
    """Read an enrolment file (one row per student and UE), yielding progress."""
    path = Path(path)
    year = exam_calendar.parse_year(year)
    yield Progress(0, 0, f"Lecture de « {path.name} »…")
    tables = spreadsheets.read_tables(path, FIELDS)
    result = EnrolmentFile(path.name, year)
    reader = _RowReader()
    total = sum(len(table.rows) for table in tables)
    pairs: set[tuple[str, str]] = set()
    done = 0
    for table in tables:
        for row in table.rows:
            done += 1
            if done % CHUNK == 0:
                yield Progress(done, total, f"Lecture des lignes : {done} sur {total}")
            if reader.is_note(row.values):
                continue
            result.rows_read += 1
            problems: list[tuple[str, str]] = []
            read = reader.read(row, problems)
            if read is not None:
                student, ue = read
                earlier = result.students.get(student.number)
                if earlier is not None:
                    student, problem = _merge(earlier, student)
                    if problem:
                        problems.append(("number", problem))
                if not problems:
                    result.students[student.number] = student
                    if (student.number, ue) not in pairs:
                        pairs.add((student.number, ue))
                        result.enrolments.append((student.number, ue))
                    title = reader.text(row.values.get("title"))
                    if title and not result.titles.get(ue):
                        result.titles[ue] = title
            for name, message in problems:
                result.errors.append(RowError(path.name, row.sheet, row.number, row.columns.get(name), message))
    yield Progress(total, total, "Lecture terminée")
    return result


def read_enrolments(path: str | Path, year: str) -> EnrolmentFile:
    return run_to_end(read_enrolments_steps(path, year))


# --- comparing and applying --------------------------------------------------------------------


class HeldStudent(NamedTuple):
    id: int
    number: str
    last_name: str
    first_name: str
    email: str
    postal_address: str


@dataclass
class EnrolmentPreview:
    """What an enrolment import would do."""

    students_added: list[EnrolledStudent] = field(default_factory=list)
    # (held, new values): only the fields the file fills and that differ
    students_updated: list[tuple[HeldStudent, dict[str, str]]] = field(default_factory=list)
    enrolments_added: list[tuple[str, str]] = field(default_factory=list)
    unchanged: int = 0
    new_units: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    # What the comparison was made against (see _fingerprint): it holds while this is unchanged.
    fingerprint: tuple[Any, ...] = ()

    def counts(self) -> dict[str, int]:
        return {
            "students_added": len(self.students_added),
            "students_updated": len(self.students_updated),
            "enrolments_added": len(self.enrolments_added),
            "unchanged": self.unchanged,
        }

    @property
    def has_changes(self) -> bool:
        return bool(self.students_added or self.students_updated or self.enrolments_added)


def compare_enrolments(
    file: EnrolmentFile,
    held_students: dict[str, HeldStudent],
    held_enrolments: set[tuple[str, str]],
    known_units: set[str],
) -> EnrolmentPreview:
    """Pure comparison of the file with the students and the year's enrolments the office holds."""
    preview = EnrolmentPreview(errors=list(file.errors))
    changed_numbers: set[str] = set()
    for number, student in file.students.items():
        held = held_students.get(number)
        if held is None:
            preview.students_added.append(student)
            changed_numbers.add(number)
            continue
        values = {
            name: getattr(student, name)
            for name, _label in _IDENTITY
            if getattr(student, name) and getattr(student, name) != getattr(held, name)
        }
        if values:
            preview.students_updated.append((held, values))
            changed_numbers.add(number)
    for pair in file.enrolments:
        if pair in held_enrolments:
            if pair[0] not in changed_numbers:
                preview.unchanged += 1
        else:
            preview.enrolments_added.append(pair)
    preview.new_units = sorted({ue for _number, ue in file.enrolments} - known_units)
    return preview


def _held(s: Session, file: EnrolmentFile) -> tuple[int, dict[str, HeldStudent], set[tuple[str, str]], set[str]]:
    year = exam_calendar.find_year(s, file.year)
    students = {
        row.number: HeldStudent(*row)
        for row in s.execute(
            select(Student.id, Student.number, Student.last_name, Student.first_name, Student.email, Student.postal_address)
        )
    }
    enrolled = set(
        s.execute(
            select(Student.number, CourseUnit.code)
            .select_from(Enrolment)
            .join(Student, Enrolment.student_id == Student.id)
            .join(CourseUnit, Enrolment.course_unit_id == CourseUnit.id)
            .where(Enrolment.year_id == year.id)
        ).all()
    )
    units = set(s.scalars(select(CourseUnit.code)))
    return year.id, students, enrolled, units


def _fingerprint(s: Session, year_id: int) -> tuple[Any, ...]:
    """Changes whenever a student, an enrolment of the year or a UE is added, removed or edited."""
    students = s.execute(select(func.count(), func.max(Student.id), func.sum(Student.version))).one()
    enrolments = s.execute(select(func.count(), func.max(Enrolment.id)).where(Enrolment.year_id == year_id)).one()
    units = s.execute(select(func.count(), func.max(CourseUnit.id))).one()
    return (*students, *enrolments, *units)


def _compare_in(s: Session, file: EnrolmentFile) -> tuple[int, EnrolmentPreview]:
    year_id, students, enrolled, units = _held(s, file)
    preview = compare_enrolments(file, students, enrolled, units)
    preview.fingerprint = _fingerprint(s, year_id)
    return year_id, preview


def preview_enrolments(db: Database, file: EnrolmentFile) -> EnrolmentPreview:
    """The comparison with what the office holds, read without the write lock."""
    with db.transaction(write=False) as s:
        return _compare_in(s, file)[1]


@dataclass(frozen=True)
class EnrolmentSummary:
    year: str
    file_name: str
    students_added: int
    students_updated: int
    enrolments_added: int
    unchanged: int
    course_units_created: int
    errors: tuple[RowError, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "students_added": self.students_added,
            "students_updated": self.students_updated,
            "enrolments_added": self.enrolments_added,
            "unchanged": self.unchanged,
            "errors": [error.as_json() for error in self.errors],
        }

    def describe(self) -> str:
        text = (
            f"Inscriptions {self.year} : {count(self.students_added, 'auditeur ajouté', 'auditeurs ajoutés')}, "
            f"{count(self.students_updated, 'auditeur mis à jour', 'auditeurs mis à jour')}, "
            f"{count(self.enrolments_added, 'inscription ajoutée', 'inscriptions ajoutées')}, "
            f"{count(self.unchanged, 'ligne inchangée', 'lignes inchangées')}"
        )
        if self.course_units_created:
            text += f" ; {count(self.course_units_created, 'UE créée', 'UE créées')}"
        if self.errors:
            text += f" ; {count(len(self.errors), 'erreur ignorée', 'erreurs ignorées')}"
        return text + "."


def apply_enrolments_steps(
    db: Database, file: EnrolmentFile, *, skip_errors: bool = False, expected: EnrolmentPreview | None = None,
    prepared: EnrolmentPreview | None = None,
) -> Steps[EnrolmentSummary]:
    """Write an enrolment import in one transaction, yielding progress.

    The comparison is made before, without the write lock (`prepared` or `expected`); under the
    lock it is only checked to still hold, else made again (`expected`, the preview the clerk
    confirmed, is then refused if what it would do changed).
    """
    if file.errors and not skip_errors:
        raise refuse_errors(file.errors)
    students_table, units_table, enrolments_table = Student.__table__, CourseUnit.__table__, Enrolment.__table__
    with db.transaction() as s:
        year_id = exam_calendar.find_year(s, file.year).id
        preview = expected or prepared
        if preview is None or not preview.fingerprint or preview.fingerprint != _fingerprint(s, year_id):
            year_id, preview = _compare_in(s, file)
            if expected is not None and expected.counts() != preview.counts():
                raise EditConflict("Les inscriptions ont été modifiées depuis l'aperçu : relancez l'import.")
        total = len(preview.students_added) + len(preview.students_updated) + len(preview.enrolments_added)
        done = 0
        yield Progress(0, total, "Enregistrement des inscriptions…")
        if preview.new_units:
            s.execute(
                insert(units_table),
                [{"code": code, "title": file.titles.get(code, ""), "version": 1} for code in preview.new_units],
            )
        for chunk in chunks(preview.students_added):
            s.execute(
                insert(students_table),
                [
                    {"number": st.number, "last_name": st.last_name, "first_name": st.first_name, "email": st.email,
                     "postal_address": st.postal_address, "version": 1}
                    for st in chunk
                ],
            )  # fmt: skip
            done += len(chunk)
            yield Progress(done, total, f"Auditeurs ajoutés : {done} sur {total}")
        for name, _label in _IDENTITY:
            # One statement per field, so an empty cell never erases what the office holds.
            rows = [{"b_id": held.id, "b_value": values[name]} for held, values in preview.students_updated if name in values]
            if rows:
                s.execute(
                    update(students_table)
                    .where(students_table.c.id == bindparam("b_id"))
                    .values({name: bindparam("b_value"), "version": students_table.c.version + 1}),
                    rows,
                )
        done += len(preview.students_updated)
        student_ids = dict(s.execute(select(students_table.c.number, students_table.c.id)).all())
        unit_ids = dict(s.execute(select(units_table.c.code, units_table.c.id)).all())
        for chunk in chunks(preview.enrolments_added):
            s.execute(
                insert(enrolments_table),
                [{"student_id": student_ids[number], "course_unit_id": unit_ids[ue], "year_id": year_id} for number, ue in chunk],
            )
            done += len(chunk)
            yield Progress(done, total, f"Inscriptions ajoutées : {done} sur {total}")
        summary = EnrolmentSummary(
            year=file.year,
            file_name=file.file_name,
            **preview.counts(),
            course_units_created=len(preview.new_units),
            errors=tuple(file.errors),
        )
        if preview.has_changes or preview.new_units:
            record_import(
                s, "enrolment", file.year, file.file_name, preview.counts(),
                course_units_created=len(preview.new_units), rows_skipped=len(file.errors),
            )
        if preview.enrolments_added or preview.students_added:
            # "not enrolled" may no longer hold; requests received before their student are linked
            for session in s.scalars(
                select(ExamSession).join(Semester).where(Semester.year_id == year_id)
            ):
                session_changed(s, session)
        yield Progress(total, total, "Inscriptions enregistrées")
    return summary


def apply_enrolments(
    db: Database, file: EnrolmentFile, *, skip_errors: bool = False, expected: EnrolmentPreview | None = None
) -> EnrolmentSummary:
    return run_to_end(apply_enrolments_steps(db, file, skip_errors=skip_errors, expected=expected))


def import_enrolments(
    db: Database, path: str | Path, year: str, *, skip_errors: bool = False, dry_run: bool = False
) -> EnrolmentSummary:
    """Read and (unless dry_run) apply an enrolment file: the command line's import, all or nothing."""
    with db.transaction(write=False) as s:
        exam_calendar.find_year(s, year)  # an unknown year is refused before the file is read
    pipeline = Pipeline(
        read=lambda: read_enrolments(path, year),
        compare=lambda file: preview_enrolments(db, file),
        dry_summary=lambda file, preview: EnrolmentSummary(
            file.year, file.file_name, **preview.counts(), course_units_created=len(preview.new_units),
            errors=tuple(file.errors),
        ),
        write=lambda file: apply_enrolments_steps(
            db, file, skip_errors=skip_errors, prepared=preview_enrolments(db, file)  # compared before the lock
        ),
    )
    return run_import(pipeline, skip_errors=skip_errors, dry_run=dry_run)


def read_and_preview_steps(db: Database, path: str | Path, year: str) -> Steps[tuple[EnrolmentFile, EnrolmentPreview]]:
    """What the window runs on a drop: read the file, then compare it with what the office holds."""
    with db.transaction(write=False) as s:
        exam_calendar.find_year(s, year)
    file = yield from read_enrolments_steps(path, year)
    yield Progress(0, 0, "Comparaison avec les inscriptions de l'année…")
    return file, preview_enrolments(db, file)

