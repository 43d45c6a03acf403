"""The teacher's grade sheet: one exam's students in an .xlsx to fill in, and its marker read back.

The sheet holds a title block (exam, session, date), one row per student on the exam's list
(number, last name, first name, in the grade grid's order) and a « Note » column that only takes
a grade on 20 with two decimals at most, ABI or ABJ. Everything but the Note column is locked.
A hidden sheet records which exam and session the file is for, when it was made and the
students it lists, so that `import-grades` recognises it and says who changed since.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from cnam_desk import frenchdates, outputs
from cnam_desk.db.engine import Database
from cnam_desk.db.models import Exam
from cnam_desk.errors import RefusedInput
from cnam_desk.grading import sheet as grade_grid
from cnam_desk.grading.sheet import ExamRef, GradeRow
from cnam_desk.parsing import parse_text
from cnam_desk.paths import UniqueNames
from cnam_desk.schedule import exam_calendar
from cnam_desk.spreadsheets import Sheet

if TYPE_CHECKING:
    from openpyxl import Workbook

MARKER_SHEET = "cnam-desk"
MARKER_MAGIC = "cnam-desk:feuille-de-notes"
MARKER_VERSION = 1
HEADERS = ("N° d'auditeur", "Nom", "Prénom", "Note")
NOTE_COLUMN = "D"
MAX_DATE_LINES = 12  # the header row must stay among the first rows an import searches
INPUT_TITLE = "Note sur 20"
INPUT_MESSAGE = "Note de 0 à 20 (deux décimales au plus, 12,5 par exemple), ou ABI (absence injustifiée), ou ABJ (absence justifiée)."
ERROR_MESSAGE = "Saisissez une note de 0 à 20 avec deux décimales au plus, ou ABI, ou ABJ."


@dataclass(frozen=True)
class SheetMarker:
    """What the hidden sheet of a teacher's grade sheet says."""

    ue_code: str
    session_key: str
    sheet_id: str
    created: str
    students: tuple[str, ...]


@dataclass(frozen=True)
class WrittenSheet:
    ue_code: str
    path: Path
    students: int

    def as_json(self) -> dict[str, object]:
        return {"exam": self.ue_code, "file": str(self.path), "students": self.students}


@dataclass(frozen=True)
class _Content:
    ref: ExamRef
    rows: list[GradeRow]
    dates: list[str]


# --- reading what to write --------------------------------------------------------------------


def _date_lines(exams: Sequence[Exam]) -> list[str]:
    lines = []
    for exam in sorted(exams, key=lambda e: (e.date, e.start, e.centre)):
        text = f"{frenchdates.long_date(exam.date)}, {frenchdates.hour(exam.start)} – {frenchdates.hour(exam.end)}"
        place = ", ".join(part for part in (exam.centre, f"salle {exam.room}" if exam.room else "") if part)
        lines.append(f"Date : {text}" + (f" ({place})" if place else ""))
    if len(lines) > MAX_DATE_LINES:
        lines = lines[:MAX_DATE_LINES - 1] + [f"… et {len(lines) - MAX_DATE_LINES + 1} autre(s) date(s)"]
    return lines or ["Date : épreuve non planifiée"]


def _content(s: Any, session_key: str, ue_code: str) -> _Content:
    ref = grade_grid.ref_in(s, session_key, ue_code)
    rows = grade_grid.sheet_rows_in(s, ref, grade_grid.best_of_two_in(s))
    exams = list(s.scalars(select(Exam).where(Exam.session_id == ref.session_id, Exam.course_unit_id == ref.course_unit_id)))
    return _Content(ref, rows, _date_lines(exams))


# --- writing ----------------------------------------------------------------------------------


def _text_cell(sheet: Any, ref: str, value: Any, *, bold: bool = False) -> None:
    # deferred: openpyxl, only when a sheet is written (the import reads none)
    from openpyxl.styles import Font

    from cnam_desk.xlsx_export import neutralise  # deferred: openpyxl

    cell = sheet[ref]
    cell.value = value
    neutralise(cell)  # « =HYPERLINK(…) » as a name stays a text
    if bold:
        cell.font = Font(bold=True)


def build_workbook(content: _Content, *, sheet_id: str | None = None, created: dt.datetime | None = None) -> Workbook:
    from openpyxl import Workbook  # deferred: openpyxl, only when a sheet is written (the import reads none)
    from openpyxl.styles import Protection  # deferred
    from openpyxl.worksheet.datavalidation import DataValidation  # deferred

    ref, rows = content.ref, content.rows
    book = Workbook()
    sheet = book.active
    sheet.title = "Notes"
    title = [
        f"Feuille de notes – {ref.ue_code}",
        f"Épreuve : {ref.ue_code} – {ref.ue_title}" if ref.ue_title else f"Épreuve : {ref.ue_code}",
        f"Session : {ref.session_key} (session {ref.session_number}, {ref.year_label})",
        *content.dates,
        "Saisissez dans la colonne Note une note sur 20 (deux décimales au plus), ABI ou ABJ.",
    ]
    for index, line in enumerate(title, start=1):
        _text_cell(sheet, f"A{index}", line, bold=index <= 2)
    header_row = len(title) + 2
    for column, header in zip("ABCD", HEADERS, strict=True):
        _text_cell(sheet, f"{column}{header_row}", header, bold=True)
    first = header_row + 1
    for offset, row in enumerate(rows):
        number = first + offset
        _text_cell(sheet, f"A{number}", row.student_number)
        sheet[f"A{number}"].number_format = "@"
        _text_cell(sheet, f"B{number}", row.last_name)
        _text_cell(sheet, f"C{number}", row.first_name)
        note = sheet[f"{NOTE_COLUMN}{number}"]
        note.protection = Protection(locked=False)
        note.number_format = "0.00"
    last = max(first, first + len(rows) - 1)
    cell = f"{NOTE_COLUMN}{first}"
    validation = DataValidation(
        type="custom",
        formula1=f'OR(AND(ISNUMBER({cell}),{cell}>=0,{cell}<=20,ROUND({cell},2)={cell}),'
                 f'UPPER(TRIM({cell}))="ABI",UPPER(TRIM({cell}))="ABJ")',
        allow_blank=True,
        showInputMessage=True,
        showErrorMessage=True,
        promptTitle=INPUT_TITLE,
        prompt=INPUT_MESSAGE,
        errorTitle="Note refusée",
        error=ERROR_MESSAGE,
        errorStyle="stop",
    )
    validation.add(f"{NOTE_COLUMN}{first}:{NOTE_COLUMN}{last}")
    sheet.add_data_validation(validation)
    for column, width in zip("ABCD", (16, 30, 24, 10), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = f"A{first}"
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False  # the teacher may still widen a column
    sheet.protection.formatRows = False
    _add_marker(book, content, sheet_id or uuid.uuid4().hex, created or frenchdates.now())
    return book


def _add_marker(book: Workbook, content: _Content, sheet_id: str, created: dt.datetime) -> None:
    from cnam_desk.xlsx_export import neutralise  # deferred: openpyxl, when a sheet is written

    marker = book.create_sheet(MARKER_SHEET)
    marker.sheet_state = "veryHidden"
    lines: list[list[Any]] = [
        [MARKER_MAGIC, MARKER_VERSION],
        ["epreuve", content.ref.ue_code],
        ["session", content.ref.session_key],
        ["feuille", sheet_id],
        ["creee", frenchdates.paris(created).isoformat(timespec="seconds")],
        ["auditeurs", len(content.rows)],
    ]
    lines += [["", row.student_number] for row in content.rows]
    for index, values in enumerate(lines, start=1):
        for column, value in zip("AB", values, strict=True):
            cell = marker[f"{column}{index}"]
            cell.value = value
            neutralise(cell)
    marker.protection.sheet = True


def _save(book: Workbook, temporary: Path, target: Path) -> None:
    try:
        outputs.write_bytes(temporary, book.save)
    except PermissionError:
        raise RefusedInput(f"Impossible d'écrire « {target} » : le fichier est peut-être ouvert dans un tableur.") from None


def write_grade_sheet(db: Database, session_key: str, ue_code: str, target: str | os.PathLike[str]) -> WrittenSheet:
    """One exam's sheet, written whole under a temporary name and then put in place."""
    with db.transaction(write=False) as s:
        content = _content(s, session_key, ue_code)
    path = Path(target)
    with outputs.one_file(path) as temporary:
        _save(build_workbook(content), temporary, path)
    return WrittenSheet(content.ref.ue_code, path, len(content.rows))


def write_all_sheets(db: Database, session_key: str, folder: str | os.PathLike[str]) -> list[WrittenSheet]:
    """A sheet for every exam of the session, in a folder: all of them written, or none."""
    with db.transaction(write=False) as s:
        session_ref = exam_calendar.find_session(s, session_key)
        key = session_ref.key
    codes = [choice.code for choice in grade_grid.unit_choices(db, key)]
    if not codes:
        raise RefusedInput(f"Aucune épreuve n'est planifiée en session {key} : aucune feuille de notes à écrire.")
    with db.transaction(write=False) as s:
        contents = [_content(s, key, code) for code in codes]
    place = outputs.ensure_folder(folder)
    names = UniqueNames()
    written = []
    with outputs.batch("feuille de notes", "feuilles de notes", len(contents), feminine=True) as files:
        for content in contents:
            path = place / names(f"Notes {content.ref.ue_code} {content.ref.session_key}.xlsx")
            _save(build_workbook(content), files.temporary(path), path)
            files.wrote()
            written.append(WrittenSheet(content.ref.ue_code, path, len(content.rows)))
        files.place()
    return written


# --- reading back -----------------------------------------------------------------------------


def find_marker(sheets: Sequence[Sheet]) -> SheetMarker | None:
    """The marker of a teacher's grade sheet among a workbook's sheets (hidden ones too), if any."""
    for sheet in sheets:
        if sheet.name != MARKER_SHEET or not sheet.rows or parse_text(sheet.rows[0][0]) != MARKER_MAGIC:
            continue
        values: dict[str, str] = {}
        students: list[str] = []
        for row in sheet.rows[1:]:
            key = parse_text(row[0]) if row else ""
            value = parse_text(row[1]) if len(row) > 1 else ""
            if key:
                values[key] = value
            elif value:
                students.append(value)
        return SheetMarker(
            values.get("epreuve", ""), values.get("session", ""), values.get("feuille", ""), values.get("creee", ""),
            tuple(students),
        )
    return None


def marker_refusal(marker: SheetMarker, file_name: str, ref: ExamRef) -> RefusedInput | None:
    """Refused when the sheet was made for another exam or session than the import's."""
    if marker.ue_code == ref.ue_code and marker.session_key == ref.session_key:
        return None
    return RefusedInput(
        f"fichier « {file_name} » : feuille de notes de {marker.ue_code} (session {marker.session_key}), "
        f"alors que l'import est pour {ref.ue_code} (session {ref.session_key}) : rien n'a été enregistré."
    )
