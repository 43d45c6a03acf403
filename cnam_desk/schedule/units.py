"""The UE catalogue imported from a spreadsheet (.xlsx, .xls, .ods, .csv): codes, titles, ECTS credits.

A row in error (unreadable credits, a code too long, the same UE twice with other values) is
shown with its place and left out; the other rows are imported. A file is refused whole only when
it cannot be read, has no UE column, or no row of it can be imported. An empty cell says nothing:
it never erases a title or credits the office holds. An UE whose title or credits change is
listed with the old and the new value, in the preview and in the summary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from cnam_desk import csv_tables, parsing, spreadsheets
from cnam_desk.db.engine import Database
from cnam_desk.db.models import CourseUnit
from cnam_desk.errors import EditConflict, RefusedInput
from cnam_desk.importing import (
    CHUNK,
    RowError,
    chunks,
    count,
    record_import,
    refuse_errors,
)
from cnam_desk.progress import Progress, Steps, run_to_end
from cnam_desk.schedule.schedule_rows import LineSorter, SkippedLine, line_text, split_ue_cell
from cnam_desk.schedule.unit_catalogue import TITLE_MAX, credits_json, credits_text, parse_credits
from cnam_desk.spreadsheets import Field

UE_CODE_MAX = 20

UE = Field("ue", "Code UE", ("Code UE", "UE", "Code", "Code de l'UE", "Code unité", "UE code", "Unit code"))
TITLE = Field(
    "title", "Intitulé",
    ("Intitulé", "Titre", "Libellé", "Intitulé de l'UE", "Libellé de l'UE", "Titre de l'UE", "Intitulé UE",
     "Nom de l'UE", "Title"),
    required=False,
)  # fmt: skip
ECTS = Field(
    "ects", "ECTS",
    ("ECTS", "Crédits", "Crédits ECTS", "Nombre de crédits", "Nb crédits", "Nb de crédits", "Credits", "ECTS credits"),
    required=False,
)  # fmt: skip
FIELDS = (UE, TITLE, ECTS)
_UE_HEADERS = frozenset(spreadsheets.normalise_header(name) for name in (UE.label, *UE.synonyms))
FIELD_LABELS = {"title": "intitulé", "ects": "crédits ECTS"}


class ReadUnit(NamedTuple):
    """An UE as the file states it; an empty title or None credits say nothing."""

    code: str
    title: str
    ects: Decimal | None
    sheet: str
    row: int

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "title": self.title, "ects": credits_json(self.ects)}


@dataclass
class UnitFile:
    """The catalogue read from one file."""

    file_name: str
    units: dict[str, ReadUnit] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    skipped: list[SkippedLine] = field(default_factory=list)
    rows_read: int = 0
    sheets: list[str] = field(default_factory=list)


def _code(value: Any) -> tuple[str, str, str | None]:
    """(code, title given in the cell, problem)."""
    codes, title = split_ue_cell(value)
    if not codes or not codes[0]:
        return "", "", "code UE manquant"
    if len(codes) > 1:
        return "", "", f"plusieurs codes UE dans la cellule ({', '.join(codes[:4])}) : une UE par ligne"
    code = codes[0]
    if len(code) > UE_CODE_MAX:
        return "", "", f"code UE « {code[:30]} » trop long ({UE_CODE_MAX} caractères au plus)"
    if not code.isascii() or not code.isalnum():
        return "", "", f"code UE « {code[:30]} » invalide : lettres et chiffres seulement"
    return code, title, None


def _read_row(row: spreadsheets.Row, problems: list[tuple[str, str]]) -> ReadUnit | None:
    values = row.values
    code, cell_title, problem = _code(values.get("ue"))
    if problem:
        problems.append(("ue", problem))
    title = parsing.parse_text(values.get("title")) or cell_title
    if len(title) > TITLE_MAX:
        problems.append(("title", f"intitulé trop long ({len(title)} caractères, {TITLE_MAX} au plus)"))
    ects: Decimal | None = None
    try:
        ects = parse_credits(values.get("ects"))
    except parsing.ParseError as error:
        problems.append(("ects", error.message))
    if problems:
        return None
    return ReadUnit(code, title, ects, row.sheet, row.number)


def _merge(earlier: ReadUnit, later: ReadUnit) -> tuple[ReadUnit, tuple[str, str] | None]:
    """The same UE on another row: what it adds is kept; another value is an error on that row."""
    where = f"ligne {earlier.row}" + (f" de la feuille « {earlier.sheet} »" if earlier.sheet else "")
    if later.title and earlier.title and later.title != earlier.title:
        return earlier, ("title", f"l'UE {later.code} figure déjà {where} avec un autre intitulé (« {earlier.title[:60]} »)")
    if later.ects is not None and earlier.ects is not None and later.ects != earlier.ects:
        return earlier, (
            "ects", f"l'UE {later.code} figure déjà {where} avec d'autres crédits ECTS ({credits_text(earlier.ects)})"
        )
    return earlier._replace(title=earlier.title or later.title, ects=earlier.ects if earlier.ects is not None else later.ects), None


def _sheets(path: Path) -> list[spreadsheets.Sheet]:
    return csv_tables.read_csv(path) if csv_tables.is_csv(path) else spreadsheets.read_workbook(path)


def read_units_steps(path: str | Path) -> Steps[UnitFile]:
    """Read a catalogue file, yielding progress; refused whole only when nothing of it can be imported."""
    path = Path(path)
    yield Progress(0, 0, f"Lecture de « {path.name} »…")
    tables = spreadsheets.tables_in(path.name, _sheets(path), FIELDS)
    if not any({"title", "ects"} & table.columns.keys() for table in tables):
        raise RefusedInput(
            f"fichier « {path.name} » : colonnes introuvables : Intitulé ou ECTS (à côté de « Code UE »)"
        )
    result = UnitFile(path.name, sheets=[table.sheet for table in tables])
    lines = LineSorter(_UE_HEADERS, ("ects", "title"))
    for table in tables:
        lines.add_titles(cells for _number, cells in table.above)
        result.skipped += [SkippedLine(table.sheet, n, line_text(cells)) for n, cells in table.above]
    total = sum(len(table.rows) for table in tables)
    done = 0
    for table in tables:
        for row in table.rows:
            done += 1
            if done % CHUNK == 0:
                yield Progress(done, total, f"Lecture des lignes : {done} sur {total}")
            skipped = lines.skipped(row)
            if skipped is not None:
                if skipped:
                    result.skipped.append(SkippedLine(row.sheet, row.number, skipped))
                continue
            result.rows_read += 1
            problems: list[tuple[str, str]] = []
            unit = _read_row(row, problems)
            if unit is not None:
                earlier = result.units.get(unit.code)
                if earlier is not None:
                    unit, problem = _merge(earlier, unit)
                    if problem:
                        problems.append(problem)
                if not problems:
                    result.units[unit.code] = unit
            for name, message in problems:
                result.errors.append(RowError(path.name, row.sheet or None, row.number, row.columns.get(name), message))
    yield Progress(total, total, "Lecture terminée")
    if not result.units:
        if result.errors:
            raise refuse_errors(result.errors)
        sheets = ", ".join(f"« {sheet} »" for sheet in result.sheets)
        raise RefusedInput(f"Fichier « {path.name} » : aucune UE lue (feuilles lues : {sheets}) ; rien n'a été modifié.")
    return result


def read_units(path: str | Path) -> UnitFile:
    return run_to_end(read_units_steps(path))


# --- comparing and applying --------------------------------------------------------------------


class HeldUnit(NamedTuple):
    id: int
    code: str
    title: str
    ects: Decimal | None
    version: int


class UnitChange(NamedTuple):
    """One value of an UE the import changes: the field, what the office holds, what the file says."""

    code: str
    field: str  # "title" or "ects"
    old: Any
    new: Any

    def as_json(self) -> dict[str, Any]:
        if self.field == "ects":
            return {"code": self.code, "field": self.field, "old": credits_json(self.old), "new": credits_json(self.new)}
        return {"code": self.code, "field": self.field, "old": self.old, "new": self.new}

    def describe(self) -> str:
        """« NFA031 : crédits ECTS 4 → 6 »."""
        if self.field == "ects":
            old, new = credits_text(self.old) or "non renseignés", credits_text(self.new)
        else:
            old, new = f"« {self.old} »" if self.old else "vide", f"« {self.new} »"
        return f"{self.code} : {FIELD_LABELS[self.field]} {old} → {new}"


@dataclass
class UnitPreview:
    """What a catalogue import would do."""

    created: list[ReadUnit] = field(default_factory=list)
    updated: list[UnitChange] = field(default_factory=list)
    unchanged: int = 0
    fingerprint: tuple[Any, ...] = ()

    def counts(self) -> dict[str, int]:
        return {
            "created": len(self.created), "updated": len({c.code for c in self.updated}), "unchanged": self.unchanged,
        }  # fmt: skip

    @property
    def has_changes(self) -> bool:
        return bool(self.created or self.updated)


def compare_units(file: UnitFile, held: dict[str, HeldUnit]) -> UnitPreview:
    """Pure comparison of the file with the catalogue the office holds."""
    preview = UnitPreview()
    for code, unit in file.units.items():
        mine = held.get(code)
        if mine is None:
            preview.created.append(unit)
            continue
        changes = []
        if unit.title and unit.title != mine.title:
            changes.append(UnitChange(code, "title", mine.title, unit.title))
        if unit.ects is not None and unit.ects != mine.ects:
            changes.append(UnitChange(code, "ects", mine.ects, unit.ects))
        if changes:
            preview.updated += changes
        else:
            preview.unchanged += 1
    return preview


def _held(s: Session) -> dict[str, HeldUnit]:
    rows = s.execute(select(CourseUnit.id, CourseUnit.code, CourseUnit.title, CourseUnit.ects, CourseUnit.version))
    return {
        code: HeldUnit(id_, code, title or "", None if ects is None else Decimal(ects), version)
        for id_, code, title, ects, version in rows
    }


def _fingerprint(s: Session) -> tuple[Any, ...]:
    """Changes whenever an UE is added, removed or edited."""
    return tuple(s.execute(select(func.count(), func.max(CourseUnit.id), func.sum(CourseUnit.version))).one())


def _compare_in(s: Session, file: UnitFile) -> UnitPreview:
    preview = compare_units(file, _held(s))
    preview.fingerprint = _fingerprint(s)
    return preview


def preview_units(db: Database, file: UnitFile) -> UnitPreview:
    """The comparison with the catalogue, read without the write lock."""
    with db.transaction(write=False) as s:
        return _compare_in(s, file)


@dataclass(frozen=True)
class UnitSummary:
    file_name: str
    created: tuple[ReadUnit, ...]
    updated: tuple[UnitChange, ...]
    unchanged: int
    errors: tuple[RowError, ...] = ()
    skipped: tuple[SkippedLine, ...] = ()
    dry_run: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "created": [unit.as_json() for unit in self.created],
            "updated": [change.as_json() for change in self.updated],
            "unchanged": self.unchanged,
            "errors": [error.as_json() for error in self.errors],
            "skipped": [line.as_json() for line in self.skipped],
        }

    def describe(self) -> str:
        updated = len({change.code for change in self.updated})
        text = (
            f"Catalogue des UE (« {self.file_name} ») : {count(len(self.created), 'UE créée', 'UE créées')}, "
            f"{count(updated, 'UE modifiée', 'UE modifiées')}, {count(self.unchanged, 'UE inchangée', 'UE inchangées')}"
        )
        if self.errors:
            rows = len({(error.sheet, error.row) for error in self.errors})
            text += f" ; {count(rows, 'ligne en erreur ignorée', 'lignes en erreur ignorées')}"
        return text + "."


def _summary(file: UnitFile, preview: UnitPreview, *, dry_run: bool) -> UnitSummary:
    return UnitSummary(
        file.file_name, tuple(preview.created), tuple(preview.updated), preview.unchanged, tuple(file.errors),
        tuple(file.skipped), dry_run,
    )  # fmt: skip


def apply_units_steps(
    db: Database, file: UnitFile, *, expected: UnitPreview | None = None, prepared: UnitPreview | None = None
) -> Steps[UnitSummary]:
    """Write a catalogue import in one transaction, yielding progress.

    The comparison is made before, without the write lock (`prepared`, or `expected`: the preview
    the clerk confirmed); under the lock it is only checked to still hold, else made again, and
    `expected` is then refused if what it would do changed.
    """
    with db.transaction() as s:
        preview = expected or prepared
        if preview is None or not preview.fingerprint or preview.fingerprint != _fingerprint(s):
            fresh = _compare_in(s, file)
            if expected is not None and (fresh.created, fresh.updated) != (expected.created, expected.updated):
                raise EditConflict("Le catalogue des UE a été modifié depuis l'aperçu : rien n'a été enregistré, relancez l'import.")
            preview = fresh
        total = len(preview.created) + len(preview.updated)
        yield Progress(0, total, "Enregistrement du catalogue des UE…")
        for chunk in chunks(preview.created):
            s.execute(
                insert(CourseUnit.__table__),
                [{"code": u.code, "title": u.title, "ects": u.ects, "version": 1} for u in chunk],
            )
        if preview.updated:
            codes = sorted({change.code for change in preview.updated})
            units = {u.code: u for u in s.scalars(select(CourseUnit).where(CourseUnit.code.in_(codes)).with_for_update())}
            for change in preview.updated:
                setattr(units[change.code], change.field, change.new)  # audited one by one, old and new
            s.flush()
        if preview.has_changes:
            record_import(s, "course_unit", None, file.file_name, preview.counts(), rows_skipped=len(file.errors))
        yield Progress(total, total, "Catalogue des UE enregistré")
    return _summary(file, preview, dry_run=False)


def import_units(
    db: Database, path: str | Path, *, dry_run: bool = False, skip_errors: bool = True
) -> UnitSummary:
    """Read and (unless dry_run) apply a catalogue file: the command line's import, in one transaction.

    With skip_errors=False a row in error refuses the whole file (RefusedFile), nothing written,
    as the other imports of the command line do without --skip-errors.
    """
    file = read_units(path)
    if file.errors and not skip_errors:
        raise refuse_errors(file.errors)
    preview = preview_units(db, file)
    if dry_run:
        return _summary(file, preview, dry_run=True)
    return run_to_end(apply_units_steps(db, file, prepared=preview))


def read_and_preview_steps(db: Database, path: str | Path) -> Steps[tuple[UnitFile, UnitPreview]]:
    """What the window runs: read the file, then compare it with the catalogue."""
    file = yield from read_units_steps(path)
    yield Progress(0, 0, "Comparaison avec le catalogue des UE…")
    return file, preview_units(db, file)
