"""Requests coming in: Microsoft Forms exports, requests typed at the desk, proofs kept with a request.

An export is read in two steps so the window can show a preview: `read_export` finds the form's
columns and which question answers which field (recognised from the usual titles, or the mapping
remembered for that form, or given by the clerk); `import_steps` then writes every answer in one
transaction (nothing is written if one answer is wrong), merging duplicates.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import mimetypes
import re
from collections import defaultdict
from collections.abc import Generator, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cnam_desk import frenchdates, parsing, spreadsheets
from cnam_desk.db import audit
from cnam_desk.db.engine import Database
from cnam_desk.db.models import (
    AcademicYear,
    AccommodationRequest,
    CourseUnit,
    Exam,
    ExamSession,
    FormMapping,
    Proof,
    RequestedExam,
    RequestEvent,
    RequestKind,
    RequestReceipt,
    RequestSource,
    RequestStatus,
    Semester,
    Student,
)
from cnam_desk.errors import Location, NotFound, RefusedInput
from cnam_desk.progress import Progress
from cnam_desk.requests import checks
from cnam_desk.requests.labels import DISABILITY_TEXT, HANDICNAM, KIND_LABELS, SOURCE_LABELS
from cnam_desk.schedule import exam_calendar

PROOF_MAX_BYTES = 10 * 1024 * 1024
PROOF_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
}
# The first bytes of each accepted kind of file: a renamed file is not a proof.
_MAGIC = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
    "image/tiff": (b"II*\x00", b"MM\x00*"),
}


# --- the fields of a request ----------------------------------------------------------------


@dataclass(frozen=True)
class FormField:
    """A field of a request and the usual wordings of the question that asks for it."""

    name: str
    label: str
    phrases: tuple[str, ...]
    required: bool = False
    many: bool = False


FIELDS: dict[str, FormField] = {
    f.name: f
    for f in (
        FormField(
            "student_number",
            "numéro d'auditeur",
            (
                "numero d auditeur",
                "numero auditeur",
                "n auditeur",
                "no auditeur",
                "num auditeur",
                "n d auditeur",
                "numero de l auditeur",
                "matricule",
                "identifiant",
                "numero d etudiant",
                "numero etudiant",
                "n etudiant",
                "student number",
                "student id",
                "student no",
                "auditeur",
            ),
            required=True,
        ),
        FormField(
            "last_name",
            "nom",
            (
                "nom",
                "nom de famille",
                "nom d usage",
                "nom de naissance",
                "last name",
                "surname",
                "family name",
            ),
        ),
        FormField(
            "first_name", "prénom", ("prenom", "prenoms", "first name", "given name", "forename")
        ),
        FormField(
            "email",
            "courriel",
            (
                "courriel",
                "e mail",
                "email",
                "mail",
                "adresse mail",
                "adresse e mail",
                "adresse electronique",
                "adresse de courriel",
                "adresse email",
                "email address",
                "e mail address",
            ),
        ),
        FormField(
            "reason",
            "motif",
            (
                "motif",
                "motif de la demande",
                "raison",
                "raison de la demande",
                "type de demande",
                "nature de la demande",
                "objet de la demande",
                "type d amenagement",
                "pourquoi",
                "reason",
                "reason for the request",
                "type of request",
            ),
            required=True,
        ),
        FormField(
            "exams",
            "UE concernées",
            (
                "ue",
                "ues",
                "code ue",
                "codes ue",
                "code de l ue",
                "codes des ue",
                "ue concernee",
                "ue concernees",
                "unite d enseignement",
                "unites d enseignement",
                "unite",
                "unites",
                "examen",
                "examens",
                "examens concernes",
                "examen concerne",
                "epreuve",
                "epreuves",
                "matiere",
                "matieres",
                "cours",
                "module",
                "modules",
                "exam",
                "exams",
                "course",
                "courses",
                "course unit",
                "course code",
            ),
            required=True,
            many=True,
        ),
        FormField(
            "trip_start",
            "date de départ",
            (
                "date de depart",
                "depart",
                "debut du deplacement",
                "date de debut du deplacement",
                "date de debut",
                "debut",
                "date aller",
                "departure",
                "departure date",
                "start date",
                "trip start",
            ),
        ),
        FormField(
            "trip_end",
            "date de retour",
            (
                "date de retour",
                "retour",
                "fin du deplacement",
                "date de fin du deplacement",
                "date de fin",
                "fin",
                "return",
                "return date",
                "end date",
                "trip end",
            ),
        ),
        FormField(
            "proof",
            "justificatif",
            (
                "justificatif",
                "justificatifs",
                "piece jointe",
                "pieces jointes",
                "piece justificative",
                "pieces justificatives",
                "joindre",
                "document",
                "ordre de mission",
                "proof",
                "attachment",
                "supporting document",
                "upload",
            ),
        ),
        FormField(
            "comment",
            "commentaire",
            (
                "commentaire",
                "commentaires",
                "remarque",
                "remarques",
                "precisions",
                "precision",
                "observations",
                "observation",
                "informations complementaires",
                "autres informations",
                "message",
                "comment",
                "comments",
                "remarks",
                "additional information",
            ),
        ),
    )
}
FIELD_NAMES = tuple(FIELDS)

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

# A schedule may name a variant of an UE with a suffix (« NFA031-P »): it is part of the code.
# « NFA031-NFA032 » is two codes, since a suffix is one to three characters ending the word.
_CODE = re.compile(r"\b([A-Z]{2,5}) ?(\d{2,4}[A-Z]?(?:-[A-Z0-9]{1,3})?)\b")


def _words(text: Any) -> list[str]:
    return spreadsheets.normalise_header(text).split()


def _contains(words: Sequence[str], phrase: Sequence[str]) -> bool:
    size = len(phrase)
    return any(list(words[i : i + size]) == list(phrase) for i in range(len(words) - size + 1))


def _score(title: str, form_field: FormField) -> int:
    """How well a question title names a field: longest usual wording found in it (0: not at all)."""
    words = _words(title)
    best = 0
    for phrase in form_field.phrases:
        parts = phrase.split()
        if _contains(words, parts):
            score = 10 * len(parts) + (5 if len(parts) == len(words) else 0)
            best = max(best, score)
    return best


def recognise_mapping(titles: Sequence[tuple[int, str]]) -> dict[str, list[int]]:
    """Which question column answers which field, from the usual titles (column indexes, 0-based)."""
    best_for_column: dict[int, tuple[int, str]] = {}
    for index, title in titles:
        scores = [
            (_score(title, f), -position, f.name) for position, f in enumerate(FIELDS.values())
        ]
        score, _order, name = max(scores)
        if score > 0:
            best_for_column[index] = (score, name)
    mapping: dict[str, list[int]] = {}
    for name, form_field in FIELDS.items():
        columns = sorted((idx for idx, (_s, n) in best_for_column.items() if n == name))
        if not columns:
            continue
        if form_field.many:
            mapping[name] = columns
        else:
            mapping[name] = [max(columns, key=lambda idx: (best_for_column[idx][0], -idx))]
    return mapping


def recognise_kind(text: str) -> RequestKind:
    """The admissible kind a reason names, from the usual wordings (French or English)."""
    words = " ".join(_words(text))
    padded = f" {words} "

    def has(*phrases: str) -> bool:
        return any(f" {phrase} " in padded for phrase in phrases)

    if has(
        "handicap",
        "handicape",
        "handicapee",
        "situation de handicap",
        "handi cnam",
        "handicnam",
        "tiers temps",
        "1 3 temps",
        "mdph",
        "rqth",
        "disability",
        "disabled",
        "extra time",
    ):
        return RequestKind.DISABILITY
    if has(
        "chevauchement",
        "chevauchent",
        "chevauche",
        "meme jour",
        "meme heure",
        "meme creneau",
        "en meme temps",
        "simultanes",
        "simultanement",
        "deux examens",
        "2 examens",
        "deux epreuves",
        "2 epreuves",
        "conflit",
        "overlap",
        "overlapping",
        "same day",
        "same time",
        "clash",
        "two exams",
    ):
        return RequestKind.OVERLAP
    if has(
        "deplacement",
        "deplacements",
        "mission",
        "etranger",
        "voyage professionnel",
        "professional trip",
        "business trip",
        "abroad",
        "travel",
        "trip",
    ):
        return RequestKind.TRIP
    if has("attestation", "certificate"):
        return RequestKind.ATTESTATION
    return RequestKind.OTHER


def extract_codes(value: Any) -> list[str]:
    """UE codes in a cell: « NFA031, NFA032 », « NFA031;NFP107 », « nfa031 et NFA 032 »…"""
    text = parsing.parse_text(value).upper()
    codes: list[str] = []
    for letters, digits in _CODE.findall(text):
        code = letters + digits
        if code not in codes:
            codes.append(code)
    return codes


def normalise_student_number(value: Any) -> str:
    return "".join(parsing.parse_text(value).split()).upper()


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


def _hash(*parts: Any) -> str:
    return hashlib.sha256(
        json.dumps(parts, ensure_ascii=False, default=str).encode("utf-8")
    ).hexdigest()


def without_medical_detail(answer: Answer) -> Answer:
    """A disability request keeps only that it is one: no reason text, comment, proof or trip."""
    if answer.kind is not RequestKind.DISABILITY:
        return answer
    return replace(
        answer, reason_text=DISABILITY_TEXT, comment="", proof="", trip_start=None, trip_end=None
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
            content_hash=_hash("form", signature, response_id, received.isoformat(), content),
        )
        answers.append(without_medical_detail(answer))
    return answers, problems


# --- which session ------------------------------------------------------------------------------


class SessionIndex:
    """Which sessions have an exam for each UE, to find the session an answer is about."""

    def __init__(self, s: Session):
        self.sessions: dict[int, ExamSession] = {
            row.id: row
            for row in s.scalars(
                select(ExamSession)
                .join(ExamSession.semester)
                .join(Semester.year)
                .order_by(AcademicYear.start_year, Semester.number, ExamSession.number)
            )
        }
        self.by_code: dict[str, set[int]] = defaultdict(set)
        for code, session_id in s.execute(
            select(CourseUnit.code, Exam.session_id).join(Exam.course_unit).distinct()
        ):
            self.by_code[code].add(session_id)

    def session_for(self, codes: Sequence[str], received_at: dt.datetime) -> ExamSession:
        """The session whose schedule holds every named exam; the next one to come when several do."""
        if not codes:
            raise RefusedInput(
                "aucune UE indiquée pour trouver la session : indiquez la session (--session)"
            )
        candidates = set.intersection(*(self.by_code.get(code, set()) for code in codes))
        if not candidates:
            raise RefusedInput(
                f"aucune session n'a d'examen pour {', '.join(codes)} dans son planning : indiquez la session (--session)"
            )
        day = frenchdates.paris(received_at).date()
        ordered = sorted(candidates, key=lambda sid: self.sessions[sid].first_day)
        upcoming = [sid for sid in ordered if self.sessions[sid].first_day > day]
        if upcoming:
            return self.sessions[upcoming[0]]
        if len(ordered) == 1:
            return self.sessions[ordered[0]]
        keys = ", ".join(self.sessions[sid].key for sid in ordered)
        raise RefusedInput(
            f"plusieurs sessions possibles ({keys}) : indiquez la session (--session)"
        )


# --- writing --------------------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import did: new requests, answers merged into a request, answers already there."""

    added: int = 0
    merged: int = 0
    unchanged: int = 0
    errors: list[ImportProblem] = field(default_factory=list)
    request_ids: list[int] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "merged": self.merged,
            "unchanged": self.unchanged,
            "errors": [e.as_json() for e in self.errors],
        }

    def summary(self) -> str:
        return (
            f"{self.added} demande{'s' if self.added > 1 else ''} ajoutée{'s' if self.added > 1 else ''}, "
            f"{self.merged} envoi{'s' if self.merged > 1 else ''} en double rattaché{'s' if self.merged > 1 else ''} "
            f"à une demande, {self.unchanged} déjà importé{'s' if self.unchanged > 1 else ''}."
        )


class ImportRefused(RefusedInput):
    """Some answers are wrong: nothing was imported; the problems say where."""

    def __init__(self, problems: list[ImportProblem]):
        self.problems = problems
        first = problems[0].describe()
        more = f" (et {len(problems) - 1} autre{'s' if len(problems) > 2 else ''} erreur" + (
            "s)" if len(problems) > 2 else ")"
        )
        super().__init__(f"{first}{more if len(problems) > 1 else ''}. Rien n'a été importé.")


def _event(
    request: AccommodationRequest, clerk: str, action: str, text: str, at: dt.datetime
) -> None:
    request.events.append(RequestEvent(at=at, clerk=clerk, action=action, text=text))


def _received_text(answer: Answer) -> str:
    where = SOURCE_LABELS[answer.source]
    return f"Reçue ({where}) le {frenchdates.long_datetime(answer.received_at)}"


def _new_request(
    s: Session,
    answer: Answer,
    session: ExamSession,
    student_id: int | None,
    clerk: str,
    now: dt.datetime,
) -> AccommodationRequest:
    request = AccommodationRequest(
        session=session,
        student_id=student_id,
        student_number=answer.student_number,
        last_name=answer.last_name,
        first_name=answer.first_name,
        email=answer.email,
        kind=answer.kind,
        reason_text=answer.reason_text,
        received_at=answer.received_at,
        source=answer.source,
        trip_start=answer.trip_start,
        trip_end=answer.trip_end,
        comment=answer.comment,
        status=RequestStatus.PENDING,
        checks={},
    )
    request.exams = [RequestedExam(ue_code=code) for code in answer.codes]
    request.receipts = [_receipt(answer)]
    if answer.proof:
        request.proofs = [
            Proof(file_name=_proof_name(link), link=link, added_at=now)
            for link in (part.strip() for part in re.split(r"[;\n]", answer.proof))
            if link
        ]
    _event(request, clerk, "received", _received_text(answer), now)
    if answer.kind is RequestKind.DISABILITY:
        # Not decided by the office: sent on at once, nothing medical kept.
        request.status = RequestStatus.REDIRECTED
        request.decided_at = now
        request.decided_by = clerk
        request.decision_reason = HANDICNAM
        _event(request, clerk, "decided", f"Redirigée automatiquement vers la {HANDICNAM}", now)
    s.add(request)
    return request


def _proof_name(link: str) -> str:
    name = link.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0]
    return (name or link)[:255]


def _receipt(answer: Answer) -> RequestReceipt:
    return RequestReceipt(
        received_at=answer.received_at,
        source=answer.source,
        form_response_id=answer.response_id,
        content_hash=answer.content_hash,
    )


class _Store:
    """The requests already in the database that new answers may merge into."""

    def __init__(self, s: Session, session_ids: set[int]):
        self.keys: dict[tuple[int, str, RequestKind, tuple[str, ...]], int] = {}
        if not session_ids:
            return
        codes: dict[int, list[str]] = defaultdict(list)
        for request_id, code in s.execute(
            select(RequestedExam.request_id, RequestedExam.ue_code)
            .join(RequestedExam.request)
            .where(AccommodationRequest.session_id.in_(session_ids))
        ):
            codes[request_id].append(code)
        for request_id, session_id, number, kind in s.execute(
            select(
                AccommodationRequest.id,
                AccommodationRequest.session_id,
                AccommodationRequest.student_number,
                AccommodationRequest.kind,
            )
            .where(AccommodationRequest.session_id.in_(session_ids))
            .order_by(AccommodationRequest.id)
        ):
            self.keys.setdefault(
                (session_id, number, kind, tuple(sorted(codes[request_id]))), request_id
            )


def _known_hashes(s: Session, hashes: list[str]) -> set[str]:
    known: set[str] = set()
    for start in range(0, len(hashes), 900):
        chunk = hashes[start : start + 900]
        known.update(
            s.scalars(
                select(RequestReceipt.content_hash).where(RequestReceipt.content_hash.in_(chunk))
            )
        )
    return known


def store_answers(
    s: Session,
    answers: list[Answer],
    *,
    session: ExamSession | None,
    file_name: str,
    sheet: str,
    clerk: str,
    now: dt.datetime | None = None,
) -> Generator[Progress, None, ImportReport]:
    """Write answers as requests inside an open transaction; raises ImportRefused on any wrong answer."""
    now = now or frenchdates.now()
    report = ImportReport()
    index = SessionIndex(s) if session is None else None
    sessions: dict[int, ExamSession] = {}
    chosen: list[tuple[Answer, ExamSession]] = []
    for answer in answers:
        if session is not None:
            chosen.append((answer, session))
            continue
        assert index is not None
        try:
            found = index.session_for(answer.codes, answer.received_at)
        except RefusedInput as error:
            column = None
            report.errors.append(ImportProblem(file_name, sheet, answer.row, column, error.message))
            continue
        chosen.append((answer, found))
    if report.errors:
        raise ImportRefused(report.errors)
    for _answer, target in chosen:
        sessions[target.id] = target
    store = _Store(s, set(sessions))
    known = _known_hashes(s, [a.content_hash for a in answers])
    numbers = {a.student_number for a in answers}
    students = (
        dict(
            s.execute(
                select(Student.number, Student.id).where(func.upper(Student.number).in_(numbers))
            ).all()
        )
        if numbers
        else {}
    )
    students = {number.upper(): sid for number, sid in students.items()}
    created: dict[tuple[int, str, RequestKind, tuple[str, ...]], AccommodationRequest] = {}
    merged_into: dict[int, AccommodationRequest] = {}
    total = len(chosen)
    # Checks are set before the first flush, so a new request is written once (version 1).
    with s.no_autoflush:
        for done, (answer, target) in enumerate(chosen, start=1):
            if answer.content_hash in known:
                report.unchanged += 1
            else:
                known.add(answer.content_hash)
                key = answer.merge_key(target.id)
                if key in created:
                    request = created[key]
                    request.receipts.append(_receipt(answer))
                    request.received_at = min(request.received_at, answer.received_at)
                    _event(
                        request,
                        clerk,
                        "merged",
                        _received_text(answer) + " (envoi en double rattaché)",
                        now,
                    )
                    report.merged += 1
                elif key in store.keys:
                    request_id = store.keys[key]
                    request = merged_into.get(request_id) or s.get(AccommodationRequest, request_id)
                    assert request is not None
                    merged_into[request_id] = request
                    request.receipts.append(_receipt(answer))
                    request.received_at = min(request.received_at, answer.received_at)
                    _event(
                        request,
                        clerk,
                        "merged",
                        _received_text(answer) + " (envoi en double rattaché)",
                        now,
                    )
                    report.merged += 1
                else:
                    created[key] = _new_request(
                        s, answer, target, students.get(answer.student_number), clerk, now
                    )
                    report.added += 1
            if done % 50 == 0 or done == total:
                yield Progress(done, total, f"Demandes enregistrées : {done} sur {total}")
        facts: dict[int, checks.SessionFacts] = {}
        touched = list(created.values()) + list(merged_into.values())
        for request in touched:
            session_facts = facts.get(request.session.id)
            if session_facts is None:
                students = {r.student_id for r in touched if r.session is request.session}
                session_facts = facts[request.session.id] = checks.SessionFacts(
                    s, request.session, students
                )
            checks.refresh_request(s, request, session_facts)
    s.flush()
    report.request_ids = sorted(r.id for r in created.values())
    if report.added or report.merged:
        audit.record(
            s,
            "import",
            "accommodation_request",
            None,
            None,
            {
                "file": file_name,
                "added": report.added,
                "merged": report.merged,
                "unchanged": report.unchanged,
            },
        )
    return report


def catalogue_codes(s: Session) -> set[str]:
    return set(s.scalars(select(CourseUnit.code)))


def _remember_mapping(s: Session, export: FormExport, now: dt.datetime) -> None:
    mapping = export.mapping_by_title()
    row = s.scalar(select(FormMapping).where(FormMapping.signature == export.signature))
    if row is None:
        s.add(FormMapping(signature=export.signature, mapping=mapping, updated_at=now))
    elif row.mapping != mapping:
        row.mapping = mapping
        row.updated_at = now


def _import_in(
    s: Session, clerk: str, export: FormExport, session_key: str | None
) -> Generator[Progress, None, ImportReport]:
    session = exam_calendar.find_session(s, session_key) if session_key else None
    yield Progress(0, len(export.rows), f"Lecture des réponses de « {export.file_name} »")
    answers, problems = parse_answers(export, catalogue_codes(s))
    if problems:
        raise ImportRefused(problems)
    report = yield from store_answers(
        s, answers, session=session, file_name=export.file_name, sheet=export.sheet, clerk=clerk
    )
    _remember_mapping(s, export, frenchdates.now())
    return report


def import_steps(
    db: Database, export: FormExport, session_key: str | None = None
) -> Generator[Progress, None, ImportReport]:
    """Import a read export in one transaction, yielding progress; ImportRefused when an answer is wrong."""
    with db.transaction() as s:
        return (yield from _import_in(s, db.clerk, export, session_key))


class _TrialOnly(Exception):
    def __init__(self, report: ImportReport):
        super().__init__("trial")
        self.report = report


def dry_run(db: Database, export: FormExport, session_key: str | None = None) -> ImportReport:
    """What the import would do, found by doing it and rolling it back (for the preview)."""
    try:
        with db.transaction() as s:
            steps = _import_in(s, db.clerk, export, session_key)
            while True:
                try:
                    next(steps)
                except StopIteration as stop:
                    raise _TrialOnly(stop.value) from None
    except _TrialOnly as trial:
        return trial.report


def import_requests(
    db: Database,
    path: str | Path,
    session_key: str | None = None,
    columns: dict[str, list[str]] | None = None,
) -> ImportReport:
    """Read and import a Forms export (the command line's way: no preview)."""
    export = read_export(db, path, columns)
    steps = import_steps(db, export, session_key)
    while True:
        try:
            next(steps)
        except StopIteration as stop:
            return stop.value


# --- requests typed by hand ----------------------------------------------------------------------


@dataclass
class HandTypedRequest:
    """A request received by mail or at the desk, typed by the clerk."""

    session_key: str
    student_number: str
    reason_text: str
    codes: list[str]
    received_at: dt.datetime
    source: RequestSource = RequestSource.MAIL
    last_name: str = ""
    first_name: str = ""
    email: str = ""
    kind: RequestKind | None = None  # None: recognised from the reason
    trip_start: dt.date | None = None
    trip_end: dt.date | None = None
    comment: str = ""


def add_request(db: Database, typed: HandTypedRequest) -> int:
    """Store a hand-typed request with the same rules as a form answer; returns its number."""
    if typed.source is RequestSource.FORM:
        raise RefusedInput(
            "Une demande saisie à la main vient d'un courrier, d'un courriel ou de l'accueil."
        )
    number = normalise_student_number(typed.student_number)
    if not number:
        raise RefusedInput("Indiquez le numéro d'auditeur.")
    reason = parsing.parse_text(typed.reason_text)
    kind = typed.kind or recognise_kind(reason)
    if not reason:
        reason = KIND_LABELS[kind].lower() if typed.kind else ""
    if not reason:
        raise RefusedInput("Indiquez le motif de la demande.")
    codes = []
    for value in typed.codes:
        for code in extract_codes(value):
            if code not in codes:
                codes.append(code)
    if not codes and kind is not RequestKind.DISABILITY:
        raise RefusedInput("Indiquez au moins une UE concernée (par exemple NFA031).")
    if typed.trip_start and typed.trip_end and typed.trip_end < typed.trip_start:
        raise RefusedInput("La date de retour est avant la date de départ.")
    if typed.received_at.tzinfo is None:
        raise RefusedInput("La date de réception doit être en heure de Paris.")
    with db.transaction() as s:
        session = exam_calendar.find_session(s, typed.session_key)
        unknown = [code for code in codes if code not in catalogue_codes(s)]
        if unknown:
            raise RefusedInput(
                f"UE inconnue{'s' if len(unknown) > 1 else ''} : {', '.join(unknown)}."
            )
        answer = without_medical_detail(
            Answer(
                row=0,
                response_id=None,
                received_at=typed.received_at,
                student_number=number,
                last_name=parsing.parse_text(typed.last_name),
                first_name=parsing.parse_text(typed.first_name),
                email=parsing.parse_text(typed.email),
                reason_text=reason,
                kind=kind,
                codes=codes,
                trip_start=typed.trip_start,
                trip_end=typed.trip_end,
                proof="",
                comment=parsing.parse_text(typed.comment),
                content_hash=_hash(
                    typed.source.value,
                    session.id,
                    number,
                    kind.value,
                    sorted(codes),
                    typed.received_at.isoformat(),
                    reason,
                    typed.comment,
                ),
                source=typed.source,
            )
        )
        steps = store_answers(s, [answer], session=session, file_name="", sheet="", clerk=db.clerk)
        while True:
            try:
                next(steps)
            except StopIteration as stop:
                report: ImportReport = stop.value
                break
        if report.unchanged:
            raise RefusedInput(
                "Cette demande a déjà été saisie (même auditeur, même motif, même date de réception)."
            )
        if report.request_ids:
            return report.request_ids[0]
        key = answer.merge_key(session.id)
        return _Store(s, {session.id}).keys[key]


# --- proofs ----------------------------------------------------------------------------------------


def proof_media_type(path: Path, head: bytes) -> str:
    """The media type of an accepted proof, or RefusedInput saying why the file is not one."""
    media = PROOF_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or ""
    if media not in _MAGIC:
        raise RefusedInput(
            f"Le fichier « {path.name} » n'est pas un justificatif accepté : joignez un PDF ou une image "
            "(PNG, JPEG, GIF, WebP, TIFF)."
        )
    if not any(head.startswith(magic) for magic in _MAGIC[media]):
        raise RefusedInput(
            f"Le fichier « {path.name} » n'est pas un vrai {media.split('/')[-1].upper()} : il est refusé."
        )
    return media


def attach_proof(
    db: Database, request_id: int, path: str | Path, *, expect_version: int | None = None
) -> int:
    """Keep a proof file (PDF or image, 10 Mo at most) with a request; returns the request's new version."""
    from cnam_desk.requests import review

    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError:
        raise RefusedInput(f"Le fichier « {path.name} » est introuvable ou illisible.") from None
    if size == 0:
        raise RefusedInput(f"Le fichier « {path.name} » est vide.")
    if size > PROOF_MAX_BYTES:
        raise RefusedInput(
            f"Le fichier « {path.name} » pèse {size / 1024 / 1024:.1f} Mo : un justificatif ne peut dépasser "
            f"{PROOF_MAX_BYTES // 1024 // 1024} Mo.".replace(".", ",", 1)
        )
    content = path.read_bytes()
    media = proof_media_type(path, content[:16])
    now = frenchdates.now()
    with db.transaction() as s:
        request = review.load_for_change(s, request_id, expect_version)
        if request.kind is RequestKind.DISABILITY:
            raise RefusedInput(
                "Aucun justificatif n'est conservé pour une situation de handicap : la demande est transmise "
                "à la mission Handi'Cnam."
            )
        digest = hashlib.sha256(content).hexdigest()
        if any(proof.sha256 == digest for proof in request.proofs):
            raise RefusedInput(
                f"Ce justificatif (« {path.name} ») est déjà joint à la demande n° {request_id}."
            )
        with s.no_autoflush:
            request.proofs.append(
                Proof(
                    file_name=path.name[:255],
                    media_type=media,
                    size=size,
                    sha256=digest,
                    content=content,
                    added_at=now,
                )
            )
            _event(request, db.clerk, "proof", f"Justificatif joint : {path.name}", now)
            checks.refresh_request(s, request)
            review.touch(request)
        s.flush()
        return request.version


def proof_content(db: Database, proof_id: int) -> tuple[str, str, bytes | None, str]:
    """A kept proof: (file name, media type, content or None for a link, link)."""
    with db.transaction() as s:
        proof = s.get(Proof, proof_id)
        if proof is None:
            raise NotFound(f"Le justificatif n° {proof_id} n'existe pas.")
        return proof.file_name, proof.media_type, proof.content, proof.link
