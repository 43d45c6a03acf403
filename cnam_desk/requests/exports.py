"""Reading a Microsoft Forms export: its columns, the mapping of questions to fields, and the answers.

`read_export` finds the form's columns and which question answers which field (recognised from the
usual titles, or the mapping remembered for that form, or given by the clerk), so the window can
show a preview before anything is written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cnam_desk import frenchdates, parsing, spreadsheets
from cnam_desk.db.engine import Database
from cnam_desk.db.models import (
    FormMapping,
    RequestKind,
    RequestSource,
)
from cnam_desk.errors import Location, RefusedInput
from cnam_desk.requests.columns import (
    FIELD_NAMES,
    FIELDS,
    FormField,
    extract_codes,
    normalise_student_number,
    recognise_kind,
    recognise_mapping,
)
from cnam_desk.requests.health import speaks_of_health
from cnam_desk.requests.labels import DISABILITY_TEXT

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


# --- answers ------------------------------------------------------------------------------------


@dataclass
class Answer:
    """One request as read from an answer (or typed at the desk), before it is stored."""

    row: int
    response_id: str | None
    received_at: dt.datetime
    student_number: str
    last_name: str
    first_name: str
    email: str
    reason_text: str
    kind: RequestKind
    codes: list[str]
    trip_start: dt.date | None
    trip_end: dt.date | None
    proof: str
    comment: str
    content_hash: str
    source: RequestSource = RequestSource.FORM
    session_key: str | None = None

    def merge_key(self, session_id: int) -> tuple[int, str, RequestKind, tuple[str, ...]]:
        return (session_id, self.student_number, self.kind, tuple(sorted(self.codes)))


_EN_FORMATS = (
    "%m/%d/%y %H:%M:%S",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%y %H:%M",
    "%m/%d/%Y %H:%M",
    "%m/%d/%y %I:%M:%S %p",
    "%m/%d/%Y %I:%M:%S %p",
)
_FR_FORMATS = ("%d/%m/%Y %H:%M:%S", "%d/%m/%y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%y %H:%M")
_ISO_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M")


def parse_received(value: Any, *, english: bool) -> dt.datetime:
    """The completion time: Forms writes Paris wall-clock time without an offset."""
    local: dt.datetime | None = None
    if isinstance(value, dt.datetime):
        local = value
    elif isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        day = parsing.excel_serial_date(float(value))  # refuses what is not a spreadsheet date
        local = dt.datetime.combine(day, dt.time()) + dt.timedelta(days=float(value) % 1)
        local = local.replace(microsecond=0) + dt.timedelta(seconds=round(local.microsecond / 1e6))
    elif isinstance(value, str) and value.strip():
        text = " ".join(value.replace("\u202f", " ").split())
        for pattern in (_EN_FORMATS if english else _FR_FORMATS) + _ISO_FORMATS:
            try:
                local = dt.datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
        if local is None:
            raise parsing.ParseError(
                f"heure de fin « {parsing.shown(text)} » illisible : attendu par exemple "
                + ("1/7/24 23:59:59" if english else "07/01/2024 23:59:59")
            )
    if local is None:
        raise parsing.ParseError("heure de fin manquante")
    if local.tzinfo is not None:
        return local.astimezone(dt.UTC)
    return frenchdates.paris_instant(local.date(), local.time())


def answer_hash(*parts: Any) -> str:
    return hashlib.sha256(
        json.dumps(parts, ensure_ascii=False, default=str).encode("utf-8")
    ).hexdigest()


def without_medical_detail(answer: Answer) -> Answer:
    """A disability request keeps only that it is one: no reason text, comment, proof or trip.

    An answer whose reason or comment speaks of health is one, whatever kind it was given.
    """
    if answer.kind is not RequestKind.DISABILITY and not (
        speaks_of_health(answer.reason_text) or speaks_of_health(answer.comment)
    ):
        return answer
    return replace(
        answer, kind=RequestKind.DISABILITY, reason_text=DISABILITY_TEXT, comment="", proof="", trip_start=None, trip_end=None
    )


def parse_answers(
    export: FormExport, catalogue: set[str]
) -> tuple[list[Answer], list[ImportProblem]]:
    """Every answer of the export as a request, and what is wrong with the others."""
    missing = export.missing_fields()
    if missing:
        titles = ", ".join(f"« {t} »" for _i, t in export.questions) or "aucune"
        raise RefusedInput(
            f"fichier « {export.file_name} », feuille « {export.sheet} » : aucune colonne pour "
            f"{', '.join(f.label for f in missing)} ; colonnes des questions : {titles}. Indiquez-la avec "
            "--column CHAMP=EN-TÊTE (ou corrigez la correspondance dans l'aperçu)."
        )
    answers: list[Answer] = []
    problems: list[ImportProblem] = []
    letter = spreadsheets.column_letter
    signature = export.signature

    def problem(row: int, column: int | None, message: str) -> None:
        problems.append(
            ImportProblem(
                export.file_name,
                export.sheet,
                row,
                None if column is None else letter(column),
                message,
            )
        )

    def one(cells: list[Any], name: str) -> tuple[Any, int | None]:
        columns = export.mapping.get(name) or []
        return (cells[columns[0]], columns[0]) if columns else (None, None)

    for number, cells in export.rows:
        if not any(parsing.parse_text(cells[i]) for i, _t in export.questions if i < len(cells)):
            continue  # an answer with every question left blank
        before = len(problems)
        completion = export.fixed["completion"]
        try:
            received = parse_received(cells[completion], english=export.english)
        except parsing.ParseError as error:
            problem(number, completion, error.message)
            received = frenchdates.now()
        response_id = parsing.parse_text(cells[export.fixed["id"]]) or None

        raw_number, number_column = one(cells, "student_number")
        student_number = normalise_student_number(raw_number)
        if not student_number:
            problem(number, number_column, "numéro d'auditeur manquant")
        elif wrong := parsing.student_number_problem(student_number):
            problem(number, number_column, wrong)

        raw_reason, reason_column = one(cells, "reason")
        reason_text = parsing.parse_text(raw_reason)
        if not reason_text:
            problem(number, reason_column, "motif de la demande manquant")
        kind = recognise_kind(reason_text)

        codes: list[str] = []
        for column in export.mapping.get("exams", []):
            for code in extract_codes(cells[column]):
                if code not in codes:
                    codes.append(code)
            unknown = [c for c in extract_codes(cells[column]) if c not in catalogue]
            if unknown:
                problem(
                    number,
                    column,
                    f"UE inconnue{'s' if len(unknown) > 1 else ''} : {', '.join(unknown)}",
                )
        if not codes and kind is not RequestKind.DISABILITY:
            columns = export.mapping.get("exams", [])
            shown = parsing.shown(" ".join(parsing.parse_text(cells[c]) for c in columns).strip())
            problem(
                number,
                columns[0] if columns else None,
                f"aucun code d'UE reconnu dans « {shown} »"
                if shown
                else "UE concernées manquantes",
            )

        trip: dict[str, dt.date | None] = {}
        for name in ("trip_start", "trip_end"):
            raw, column = one(cells, name)
            trip[name] = None
            if parsing.parse_text(raw) and kind is not RequestKind.DISABILITY:
                try:
                    trip[name] = parsing.parse_date(raw)
                except parsing.ParseError as error:
                    problem(number, column, error.message)
        if trip["trip_start"] and trip["trip_end"] and trip["trip_end"] < trip["trip_start"]:
            problem(number, export.mapping["trip_end"][0], "date de retour avant la date de départ")

        last_name = parsing.parse_text(one(cells, "last_name")[0])
        if not last_name and "name" in export.fixed:
            last_name = parsing.parse_text(cells[export.fixed["name"]])
        email = parsing.parse_text(one(cells, "email")[0])
        if not email and "email" in export.fixed:
            account = parsing.parse_text(cells[export.fixed["email"]])
            email = account if "@" in account else ""
        if len(problems) > before:
            continue
        content = [parsing.parse_text(cells[i]) for i, _t in export.questions if i < len(cells)]
        answer = Answer(
            row=number,
            response_id=response_id,
            received_at=received,
            student_number=student_number,
            last_name=last_name,
            first_name=parsing.parse_text(one(cells, "first_name")[0]),
            email=email,
            reason_text=reason_text,
            kind=kind,
            codes=codes,
            trip_start=trip["trip_start"],
            trip_end=trip["trip_end"],
            proof=parsing.parse_text(one(cells, "proof")[0]),
            comment=parsing.parse_text(one(cells, "comment")[0]),
            content_hash=answer_hash("form", signature, response_id, received.isoformat(), content),
        )
        answers.append(without_medical_detail(answer))
    return answers, problems


# --- which session ------------------------------------------------------------------------------
