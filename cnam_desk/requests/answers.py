"""The answers of a Microsoft Forms export, read as requests before they are stored.

Only what cannot be a request refuses the export: an answer without a student number, or a
completion time that cannot be read. Everything a student may have typed wrong (an unknown UE
code, no code at all, a date in words, no reason) is kept as typed, with a warning that names
the row and the column, and the request is stored like the others.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field, replace
from typing import Any

from cnam_desk import frenchdates, parsing, spreadsheets
from cnam_desk.db.models import RequestKind, RequestSource
from cnam_desk.errors import RefusedInput
from cnam_desk.requests.columns import extract_codes, normalise_student_number, recognise_kind
from cnam_desk.requests.exports import FormExport, ImportProblem
from cnam_desk.requests.health import speaks_of_health
from cnam_desk.requests.labels import DISABILITY_TEXT

# --- an answer ------------------------------------------------------------------------------------


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
    # What could not be read as asked, kept as typed to be shown ({"exams": "NFE14"}).
    as_typed: dict[str, str] = field(default_factory=dict)
    postal_address: str = ""
    # Where the student number was, and whether the cell held a number (a leading zero may be lost).
    number_column: str | None = None
    number_was_a_number: bool = False

    def merge_key(self, session_id: int) -> tuple[int, str, RequestKind, tuple[str, ...]]:
        return (session_id, self.student_number, self.kind, tuple(sorted(self.codes)))


_EN_FORMATS = (
    "%m/%d/%y %H:%M:%S",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%y %H:%M",
    "%m/%d/%Y %H:%M",
    "%m/%d/%y %I:%M:%S %p",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y",
    "%m/%d/%y",
)
_FR_FORMATS = (
    "%d/%m/%Y %H:%M:%S", "%d/%m/%y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%y %H:%M", "%d/%m/%Y", "%d/%m/%y",
)
_ISO_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M")
# A date-time shown without its time by a spreadsheet (midnight): « 07/01/2024 », « 2024-01-07 ».
_DAY_ONLY = ("%Y-%m-%d",)


def parse_received(value: Any, *, english: bool) -> dt.datetime:
    """The completion time: Forms writes Paris wall-clock time without an offset.

    A cell completed at 00:00:00 exactly is read as a bare date by the spreadsheet readers: it
    is that day at midnight.
    """
    local = parsing.cell_datetime(value)
    if local is None and isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        day = parsing.excel_serial_date(float(value))  # refuses what is not a spreadsheet date
        local = dt.datetime.combine(day, dt.time()) + dt.timedelta(days=float(value) % 1)
        local = local.replace(microsecond=0) + dt.timedelta(seconds=round(local.microsecond / 1e6))
    elif local is None and isinstance(value, str) and value.strip():
        text = " ".join(value.replace("\u202f", " ").split())
        for pattern in (_EN_FORMATS if english else _FR_FORMATS) + _ISO_FORMATS + _DAY_ONLY:
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
    typed = answer.as_typed.values()
    if answer.kind is not RequestKind.DISABILITY and not (
        speaks_of_health(answer.reason_text)
        or speaks_of_health(answer.comment)
        or any(speaks_of_health(text) for text in typed)  # « voir certificat médical » for the UE
    ):
        return answer
    return replace(
        answer, kind=RequestKind.DISABILITY, reason_text=DISABILITY_TEXT, comment="", proof="", trip_start=None,
        trip_end=None, as_typed={},
    )  # fmt: skip


def _missing_columns(export: FormExport) -> None:
    missing = export.missing_fields()
    if missing:
        titles = ", ".join(f"« {t} »" for _i, t in export.questions) or "aucune"
        raise RefusedInput(
            f"fichier « {export.file_name} », feuille « {export.sheet} » : aucune colonne pour "
            f"{', '.join(f.label for f in missing)} ; colonnes des questions : {titles}. Indiquez-la avec "
            "--column CHAMP=EN-TÊTE (ou corrigez la correspondance dans l'aperçu)."
        )


@dataclass
class ReadAnswers:
    """The answers of an export as requests; what refuses it; what is kept as typed (warnings)."""

    answers: list[Answer] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    warnings: list[ImportProblem] = field(default_factory=list)


def _plural(words: list[str]) -> str:
    return "s" if len(words) > 1 else ""


def parse_answers(export: FormExport, catalogue: set[str]) -> ReadAnswers:
    """Every answer of the export as a request; the problems of those that cannot be one."""
    _missing_columns(export)
    read = ReadAnswers()
    letter = spreadsheets.column_letter
    signature = export.signature

    def note(into: list[ImportProblem], row: int, column: int | None, message: str) -> None:
        into.append(
            ImportProblem(
                export.file_name, export.sheet, row, None if column is None else letter(column), message
            )
        )

    def one(cells: list[Any], name: str) -> tuple[Any, int | None]:
        columns = export.mapping.get(name) or []
        return (cells[columns[0]], columns[0]) if columns else (None, None)

    for number, cells in export.rows:
        if not any(parsing.parse_text(cells[i]) for i, _t in export.questions if i < len(cells)):
            continue  # an answer with every question left blank
        before = len(read.problems)
        warnings: list[ImportProblem] = []
        as_typed: dict[str, str] = {}
        completion = export.fixed["completion"]
        try:
            received = parse_received(cells[completion], english=export.english)
        except parsing.ParseError as error:
            note(read.problems, number, completion, error.message)
            received = frenchdates.now()
        response_id = parsing.parse_text(cells[export.fixed["id"]]) or None

        raw_number, number_column = one(cells, "student_number")
        student_number = normalise_student_number(raw_number)
        if not student_number:
            note(read.problems, number, number_column, "numéro d'auditeur manquant")
        elif wrong := parsing.student_number_problem(student_number):
            note(read.problems, number, number_column, wrong)

        raw_reason, reason_column = one(cells, "reason")
        reason_text = parsing.parse_text(raw_reason)
        if not reason_text:
            note(warnings, number, reason_column, "motif de la demande manquant : demande gardée sans motif")
        kind = recognise_kind(reason_text)

        codes: list[str] = []
        typed_cells: list[str] = []
        for column in export.mapping.get("exams", []):
            found = extract_codes(cells[column])
            codes.extend(code for code in found if code not in codes)
            unknown = [code for code in found if code not in catalogue]
            if unknown:
                note(
                    warnings, number, column,
                    f"UE inconnue{_plural(unknown)} : {', '.join(unknown)} (gardée{_plural(unknown)} telle"
                    f"{_plural(unknown)} que saisie{_plural(unknown)} ; examen introuvable dans le planning)",
                )  # fmt: skip
            text = parsing.parse_text(cells[column])
            if text and (unknown or not found):
                typed_cells.append(text)
        if not codes and kind is not RequestKind.DISABILITY:
            columns = export.mapping.get("exams", [])
            shown = parsing.shown(" ".join(typed_cells))
            note(
                warnings, number, columns[0] if columns else None,
                f"aucun code d'UE reconnu dans « {shown} » : gardé tel que saisi"
                if shown else "UE concernées manquantes : demande gardée sans UE",
            )  # fmt: skip
        if typed_cells:
            as_typed["exams"] = " ; ".join(typed_cells)

        trip: dict[str, dt.date | None] = {}
        for name in ("trip_start", "trip_end"):
            raw, column = one(cells, name)
            trip[name] = None
            if parsing.parse_text(raw) and kind is not RequestKind.DISABILITY:
                try:
                    trip[name] = parsing.parse_date(raw)
                except parsing.ParseError as error:
                    as_typed[name] = parsing.parse_text(raw)
                    note(warnings, number, column, f"{error.message} : gardée telle que saisie")
        if trip["trip_start"] and trip["trip_end"] and trip["trip_end"] < trip["trip_start"]:
            note(warnings, number, export.mapping["trip_end"][0], "date de retour avant la date de départ")

        last_name = parsing.parse_text(one(cells, "last_name")[0])
        if not last_name and "name" in export.fixed:
            last_name = parsing.parse_text(cells[export.fixed["name"]])
        email = parsing.parse_text(one(cells, "email")[0])
        if not email and "email" in export.fixed:
            account = parsing.parse_text(cells[export.fixed["email"]])
            email = account if "@" in account else ""
        if len(read.problems) > before:
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
            as_typed=as_typed,
            postal_address=_address(one(cells, "postal_address")[0]),
            number_column=None if number_column is None else letter(number_column),
            number_was_a_number=isinstance(raw_number, int | float) and not isinstance(raw_number, bool),
        )
        kept = without_medical_detail(answer)
        if kept.kind is RequestKind.DISABILITY:
            # Nothing of a disability answer is kept but that it is one, and its UE codes.
            warnings = [w for w in warnings if w.message.startswith("UE inconnue")]
        read.answers.append(kept)
        read.warnings.extend(warnings)
    return read


def _address(value: Any) -> str:
    """A postal address cell keeps its lines, each cleaned."""
    if not isinstance(value, str):
        return parsing.parse_text(value)
    return "\n".join(line for line in (parsing.parse_text(part) for part in value.splitlines()) if line)
