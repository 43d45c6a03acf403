"""Reading a Microsoft Forms export: its columns, the mapping of questions to fields, and the answers.

`read_export` finds the form's columns and which question answers which field (recognised from the
usual titles, or the mapping remembered for that form, or given by the clerk), so the window can
show a preview before anything is written.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cnam_desk import parsing, spreadsheets
from cnam_desk.db.engine import Database
from cnam_desk.db.models import (
    FormMapping,
)
from cnam_desk.errors import Location, RefusedInput
from cnam_desk.requests.columns import (
    FIELD_NAMES,
    FIELDS,
    FormField,
    recognise_mapping,
)

# The columns every Forms export starts with, in French and in English.
_FIXED = {
    "id": ("id",),
    "start": ("heure de debut", "start time"),
    "completion": ("heure de fin", "completion time"),
    "email": ("adresse de messagerie", "email"),
    "name": ("nom", "name"),
    "modified": ("heure de la derniere modification", "last modified time"),
}
# Quiz exports add these after the questions; they are never answers.
_IGNORED = (
    "total points",
    "quiz feedback",
    "points",
    "commentaires sur le questionnaire",
    "total des points",
)


# --- reading an export ------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportProblem:
    """A wrong answer in an export: where it is and what is wrong, in French."""

    file: str
    sheet: str
    row: int
    column: str | None
    message: str

    def describe(self) -> str:
        return (
            f"{Location(self.file, self.sheet, self.row, self.column).describe()} : {self.message}"
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


@dataclass
class FormExport:
    """A Forms export as read: its fixed columns, its questions and which field each one answers."""

    path: Path
    sheet: str
    header_row: int  # 1-based, as the spreadsheet shows it
    english: bool
    fixed: dict[str, int]
    questions: list[tuple[int, str]]
    rows: list[tuple[int, list[Any]]]  # (row number, cells)
    mapping: dict[str, list[int]] = field(default_factory=dict)
    mapping_origin: str = "recognised"  # recognised / remembered / given

    @property
    def file_name(self) -> str:
        return self.path.name

    @property
    def signature(self) -> str:
        """The form's identity: its question titles (the same form exported again has the same)."""
        titles = "\n".join(spreadsheets.normalise_header(title) for _i, title in self.questions)
        return hashlib.sha256(titles.encode("utf-8")).hexdigest()

    def title(self, index: int) -> str:
        for column, title in self.questions:
            if column == index:
                return title
        return spreadsheets.column_letter(index)

    def column_of(self, header: str) -> int | None:
        wanted = spreadsheets.normalise_header(header)
        for column, title in self.questions:
            if spreadsheets.normalise_header(title) == wanted:
                return column
        letters = header.strip().upper()
        if re.fullmatch(r"[A-Z]{1,3}", letters):
            for column, _title in self.questions:
                if spreadsheets.column_letter(column) == letters:
                    return column
        return None

    def mapping_by_title(self) -> dict[str, list[str]]:
        return {
            name: [self.title(idx) for idx in columns] for name, columns in self.mapping.items()
        }

    def missing_fields(self) -> list[FormField]:
        return [f for f in FIELDS.values() if f.required and not self.mapping.get(f.name)]

    def samples(self, index: int, count: int = 3) -> list[str]:
        values = []
        for _number, cells in self.rows:
            text = parsing.parse_text(cells[index]) if index < len(cells) else ""
            if text:
                values.append(text)
            if len(values) == count:
                break
        return values

    def with_mapping(self, mapping: dict[str, list[int]], origin: str = "given") -> FormExport:
        return replace(
            self, mapping={k: list(v) for k, v in mapping.items() if v}, mapping_origin=origin
        )


def _fixed_columns(row: Sequence[Any]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, cell in enumerate(row):
        header = spreadsheets.normalise_header(cell)
        for name, headers in _FIXED.items():
            if name not in found and header in headers:
                found[name] = index
                break
    return found


def open_export(path: str | Path) -> FormExport:
    """Read a Forms export and find its fixed columns and questions (no mapping yet)."""
    path = Path(path)
    sheets = spreadsheets.read_workbook(path)  # checks the file first
    # The answers sheet of a Forms export is visible; a hidden sheet is looked at last.
    for sheet in sorted(sheets, key=lambda sheet: not sheet.visible):
        for index, row in enumerate(sheet.rows[:10]):
            fixed = _fixed_columns(row)
            if "id" in fixed and "completion" in fixed:
                english = (
                    spreadsheets.normalise_header(row[fixed["completion"]]) == "completion time"
                )
                fixed_indexes = set(fixed.values())
                questions = [
                    (column, parsing.parse_text(cell))
                    for column, cell in enumerate(row)
                    if column not in fixed_indexes
                    and parsing.parse_text(cell)
                    and not any(spreadsheets.normalise_header(cell).startswith(i) for i in _IGNORED)
                ]
                width = len(row)
                rows = [
                    (number + 1, list(cells) + [None] * (width - len(cells)))
                    for number, cells in enumerate(sheet.rows)
                    if number > index and any(parsing.parse_text(c) for c in cells)
                ]
                return FormExport(path, sheet.name, index + 1, english, fixed, questions, rows)
    raise RefusedInput(
        f"Le fichier « {path.name} » n'est pas un export Microsoft Forms : aucune feuille n'a les colonnes "
        "« ID » et « Heure de fin » (ou « Completion time »)."
    )


def resolve_mapping(
    s: Session | None, export: FormExport, columns: dict[str, list[str]] | None = None
) -> FormExport:
    """The mapping to use: remembered for this form, else recognised; then the clerk's own choices."""
    mapping = recognise_mapping(export.questions)
    origin = "recognised"
    if s is not None:
        remembered = s.scalar(select(FormMapping).where(FormMapping.signature == export.signature))
        if remembered is not None:
            restored = {
                name: [c for c in (export.column_of(title) for title in titles) if c is not None]
                for name, titles in remembered.mapping.items()
                if name in FIELDS
            }
            mapping = {name: cols for name, cols in restored.items() if cols}
            origin = "remembered"
    if columns:
        for name, headers in columns.items():
            if name not in FIELDS:
                raise RefusedInput(
                    f"Champ « {name} » inconnu dans --column : champs possibles : {', '.join(FIELD_NAMES)}."
                )
            chosen: list[int] = []
            for header in headers:
                index = export.column_of(header)
                if index is None:
                    titles = ", ".join(f"« {t} »" for _i, t in export.questions)
                    raise RefusedInput(
                        f"fichier « {export.file_name} », feuille « {export.sheet} » : colonne « {header} » "
                        f"introuvable (pour {name}) ; colonnes des questions : {titles}."
                    )
                chosen.append(index)
            if not FIELDS[name].many and len(chosen) > 1:
                raise RefusedInput(
                    f"Le champ « {name} » ne prend qu'une colonne ; seul « exams » en prend plusieurs."
                )
            for other in mapping.values():
                other[:] = [c for c in other if c not in chosen]
            mapping[name] = chosen
        mapping = {name: cols for name, cols in mapping.items() if cols}
        origin = "given"
    return export.with_mapping(mapping, origin)


def read_export(
    db: Database | None, path: str | Path, columns: dict[str, list[str]] | None = None
) -> FormExport:
    """Open an export and settle its mapping (remembered for this form when the database knows it)."""
    export = open_export(path)
    if db is None:
        return resolve_mapping(None, export, columns)
    with db.transaction() as s:
        return resolve_mapping(s, export, columns)


def parse_column_options(options: Iterable[str]) -> dict[str, list[str]]:
    """`--column FIELD=HEADER` options, `exams` possibly several times."""
    columns: dict[str, list[str]] = defaultdict(list)
    for option in options:
        name, sep, header = option.partition("=")
        name = name.strip()
        if not sep or not name or not header.strip():
            raise RefusedInput(
                f"Option --column « {option} » invalide : attendu CHAMP=EN-TÊTE, par exemple exams=UE."
            )
        if name not in FIELDS:
            raise RefusedInput(
                f"Champ « {name} » inconnu dans --column : champs possibles : {', '.join(FIELD_NAMES)}."
            )
        columns[name].append(header.strip())
    return dict(columns)
