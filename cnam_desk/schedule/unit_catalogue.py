"""The UE catalogue: every UE's code, title and ECTS credits, listed and edited by the clerk.

Credits may be unknown (None): UEs created by a schedule or an enrolment import carry none until
the catalogue is imported (`cnam_desk.schedule.units`) or typed in. Unknown is never zero.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cnam_desk import frenchdates, parsing
from cnam_desk.db.engine import Database
from cnam_desk.db.models import AuditEvent, CourseUnit
from cnam_desk.errors import EditConflict, NotFound, RefusedInput

TITLE_MAX = 300
MAX_CREDITS = Decimal(60)  # a whole year of study; no UE carries more
_HUNDREDTH = Decimal("0.01")
# « 6 », « 6,0 », « 6.5 », « 6 ECTS », « 6 crédits », « 6 cr. », « 6 ects » (folded, no accents)
_CREDITS = re.compile(r"(\d+(?:[.,]\d+)?)\s*(?:ects|credits?(?: ects)?|cr\.?|c)?")
# What a cell holds when the credits are not known: read as unknown, never as zero.
_UNKNOWN = frozenset({"-", "—", "–", "?", "nc", "n.c.", "n.c", "nr", "n.r.", "non renseigne", "non renseignes", "inconnu"})


def credits_text(ects: Decimal | None) -> str:
    """« 6 », « 4,5 »; empty when unknown."""
    if ects is None:
        return ""
    text = f"{ects.normalize():f}" if ects != ects.to_integral() else str(int(ects))
    return text.replace(".", ",")


def credits_json(ects: Decimal | None) -> int | float | None:
    if ects is None:
        return None
    return int(ects) if ects == ects.to_integral() else float(ects)


def checked_credits(ects: Decimal, shown: str) -> Decimal:
    """The credits themselves, or ParseError when no UE can carry them (0 to 60, two decimals)."""
    if not ects.is_finite() or ects < 0 or ects > MAX_CREDITS:
        raise parsing.ParseError(f"crédits ECTS « {shown} » hors des bornes (de 0 à {MAX_CREDITS})")
    if ects != ects.quantize(_HUNDREDTH):
        raise parsing.ParseError(f"crédits ECTS « {shown} » : deux décimales au plus")
    return plain(ects)


def plain(ects: Decimal) -> Decimal:
    """6.00 -> 6, 4.50 -> 4.5 (never 6E+1 for 60)."""
    return Decimal(int(ects)) if ects == ects.to_integral() else ects.quantize(_HUNDREDTH).normalize()


def parse_credits(value: Any) -> Decimal | None:
    """A cell or what the clerk typed, as credits: « 6 », « 6,0 », « 6 ECTS », 6.0; None when empty or « NC ».

    ParseError (a French reason) for anything else: « six », « 6 ou 3 », « -2 ».
    """
    if value is None or isinstance(value, bool):
        if value is None:
            return None
        raise parsing.ParseError(f"crédits ECTS « {parsing.parse_text(value)} » illisibles : attendu un nombre, par exemple 6")
    if isinstance(value, int | float | Decimal):
        number = Decimal(str(value))
        return checked_credits(number, parsing.parse_text(value).replace(".", ","))
    text = parsing.parse_text(value)
    folded = parsing.fold(text).strip()
    if not folded or folded in _UNKNOWN:
        return None
    match = _CREDITS.fullmatch(folded)
    if match is None:
        raise parsing.ParseError(f"crédits ECTS « {text[:40]} » illisibles : attendu un nombre, par exemple 6 ou 4,5")
    try:
        number = Decimal(match[1].replace(",", "."))
    except InvalidOperation:
        raise parsing.ParseError(f"crédits ECTS « {text[:40]} » illisibles : attendu un nombre, par exemple 6") from None
    return checked_credits(number, text[:40])


@dataclass(frozen=True)
class UnitView:
    """One UE of the catalogue as the clerk sees it, with the version they saw."""

    id: int
    code: str
    title: str
    ects: Decimal | None
    version: int

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "title": self.title, "ects": credits_json(self.ects)}


def _view(unit: CourseUnit) -> UnitView:
    ects = None if unit.ects is None else plain(Decimal(unit.ects))
    return UnitView(unit.id, unit.code, unit.title or "", ects, unit.version)


def list_units(db: Database) -> list[UnitView]:
    """Every UE, by code."""
    with db.transaction(write=False) as s:
        return [_view(unit) for unit in s.scalars(select(CourseUnit).order_by(CourseUnit.code))]


@dataclass(frozen=True)
class UnitEdit:
    """A UE's new title and credits, and the version the clerk saw (None: no check)."""

    code: str
    title: str
    ects: Decimal | None
    expect_version: int | None = None


def changed_by(s: Session, unit: CourseUnit) -> str:
    """« par greffier.b le lundi 22 janvier 2024 à 10h05 », from the trail's latest event on the UE."""
    event = s.execute(
        select(AuditEvent.clerk, AuditEvent.at)
        .where(AuditEvent.entity == "course_unit", AuditEvent.entity_id == str(unit.id))
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).first()
    if event is None:
        return "par ailleurs"
    return f"par {event.clerk} le {frenchdates.long_datetime(event.at)}"


def check_title(code: str, title: str) -> str:
    title = parsing.parse_text(title)
    if not title:
        raise RefusedInput(f"UE {code} : l'intitulé ne peut pas être vide.")
    if len(title) > TITLE_MAX:
        raise RefusedInput(f"UE {code} : intitulé trop long ({len(title)} caractères, {TITLE_MAX} au plus).")
    return title


def save_units(db: Database, edits: Sequence[UnitEdit]) -> list[UnitView]:
    """Save the clerk's changes to the catalogue in one transaction: all of them or none.

    A UE changed by someone else since the clerk saw it (version) is refused, saying who and when.
    """
    if not edits:
        return []
    codes = [edit.code for edit in edits]
    with db.transaction() as s:
        query = select(CourseUnit).where(CourseUnit.code.in_(codes)).with_for_update()
        units = {unit.code: unit for unit in s.scalars(query)}
        for edit in edits:
            unit = units.get(edit.code)
            if unit is None:
                raise NotFound(f"L'UE {edit.code} n'existe plus : rien n'a été enregistré.")
            if edit.expect_version is not None and unit.version != edit.expect_version:
                raise EditConflict(
                    f"L'UE {unit.code} a été modifiée {changed_by(s, unit)} depuis son affichage : "
                    "rien n'a été enregistré. Rechargez le catalogue, vérifiez, puis saisissez de nouveau."
                )
            if parsing.parse_text(edit.title) != (unit.title or ""):
                unit.title = check_title(unit.code, edit.title)
            ects = None if edit.ects is None else checked_credits(Decimal(edit.ects), credits_text(Decimal(edit.ects)))
            held = None if unit.ects is None else Decimal(unit.ects)
            if ects != held:
                unit.ects = ects
        s.flush()
        return [_view(units[code]) for code in codes]
