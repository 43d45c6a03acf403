"""Recognising the columns of a Microsoft Forms export: which question answers which field of a request."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cnam_desk import parsing, spreadsheets
from cnam_desk.db.models import (
    RequestKind,
)
from cnam_desk.requests.health import speaks_of_health

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
            "postal_address",
            "adresse postale",
            (
                "adresse postale",
                "adresse",
                "adresse de correspondance",
                "adresse du domicile",
                "adresse personnelle",
                "postal address",
                "mailing address",
                "home address",
                "address",
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

    if speaks_of_health(text):  # the one health rule (disability, tiers-temps, MDPH...)
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
