"""Reading the spreadsheets clerks bring (xlsx, xls, ods) safely and fast, and finding their columns.

Files are read with python-calamine: about 0.3 s for 50,000 rows where openpyxl takes several
seconds. Before calamine sees a file, `cnam_desk.filecheck` looks at it without parsing it (its
kind, a password, the extent its sheets announce) and refuses what calamine could not survive.

Merged cells: calamine gives the value in the top-left cell of the merged area only; the other
cells of the area read as empty. Formulas: calamine returns the value last computed by the
spreadsheet program (empty when the file was never opened in one).
"""

from __future__ import annotations

import contextlib
import gc
import io
import operator
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import python_calamine

from cnam_desk.errors import Location, RefusedInput
from cnam_desk.filecheck import (
    MAX_CELLS,
    PASSWORD_HINT,
    REPAIR_HINT,
    inspect_file,
    refusal,
    too_large,
)
from cnam_desk.parsing import fold, parse_text

__all__ = [
    "Field",
    "Row",
    "Sheet",
    "Table",
    "column_letter",
    "find_header",
    "normalise_header",
    "read_tables",
    "read_workbook",
    "tables_in",
]


# --------------------------------------------------------------------------- small helpers


def column_letter(index: int) -> str:
    """0 -> « A », 25 -> « Z », 26 -> « AA »."""
    if index < 0:
        raise ValueError(f"column index {index} < 0")
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1


def normalise_header(text: Any) -> str:
    """« Date de l'épreuve » -> « date de l epreuve »: lower case, no accents, no punctuation."""
    folded = fold(parse_text(text))
    cleaned = "".join(
        ch if ch.isalnum() else " " for ch in folded if unicodedata.category(ch) != "Mn"
    )
    return " ".join(cleaned.split())


# --------------------------------------------------------------------------- reading


@dataclass
class Sheet:
    """One sheet as calamine reads it: rows from row 1, cells from column A, None for empty cells."""

    name: str
    rows: list[list[Any]]
    visible: bool = True


def _calamine_error(name: str, error: Exception) -> RefusedInput:
    if isinstance(error, python_calamine.PasswordError):
        return refusal(name, PASSWORD_HINT)
    detail = " ".join(str(error).split())[:160]
    if "cell limit" in detail.lower():
        return too_large(name)
    return refusal(name, f"illisible ({detail}) : {REPAIR_HINT}")


def read_workbook(path: str | Path, *, max_rows: int = 1_000_000) -> list[Sheet]:
    """Every sheet of the workbook (hidden ones too); refuses a sheet of more than max_rows rows."""
    path = Path(path)
    name = path.name
    kind = inspect_file(path)
    sheets: list[Sheet] = []
    try:
        with _open_workbook(path, kind) as workbook, bulk_allocation():
            metadata = {m.name: m for m in workbook.sheets_metadata}
            for index, sheet_name in enumerate(workbook.sheet_names):
                meta = metadata.get(sheet_name)
                if meta is not None and meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
                    continue  # chart sheets, macro sheets: no cells to import
                sheet = workbook.get_sheet_by_index(index)
                end = sheet.end
                if end is None:
                    sheets.append(Sheet(sheet_name, [], _visible(meta)))
                    continue
                height, width = end[0] + 1, end[1] + 1
                if height > max_rows:
                    raise refusal(
                        name,
                        f"refusé : la feuille « {sheet_name} » a {height:,} lignes ({max_rows:,} au plus)".replace(
                            ",", " "
                        ),
                    )
                if height * width > MAX_CELLS:
                    raise too_large(name)
                # calamine gives "" for an empty cell; most rows of a real sheet have none
                rows = [
                    [None if value == "" else value for value in row] if "" in row else row
                    for row in sheet.to_python(skip_empty_area=False)
                ]
                sheets.append(Sheet(sheet_name, rows, _visible(meta)))
    except RefusedInput:
        raise
    except MemoryError:
        raise refusal(name, "trop volumineux pour être lu sur cet ordinateur") from None
    except Exception as error:  # noqa: BLE001 - calamine raises its own types and plain ValueErrors
        raise _calamine_error(name, error) from None
    return sheets


@contextlib.contextmanager
def bulk_allocation() -> Iterator[None]:
    """No cyclic garbage collection while hundreds of thousands of cells or exams are built: 15% faster."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _open_workbook(path: Path, kind: str) -> python_calamine.CalamineWorkbook:
    if path.suffix.lower() == f".{kind}":
        return python_calamine.CalamineWorkbook.from_path(path)
    # calamine picks the format from the extension: a renamed file is handed over as bytes,
    # and calamine then recognises it by its content.
    return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes()))


def _visible(meta: Any) -> bool:
    return meta is None or meta.visible == python_calamine.SheetVisibleEnum.Visible


# --------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class Field:
    """A column an importer needs: its name in code, its French label, the header texts that name it."""

    name: str
    label: str
    synonyms: tuple[str, ...]
    required: bool = True


@dataclass(frozen=True)
class Row:
    """One data row: raw cell values by field name, and where each came from."""

    sheet: str
    number: int
    values: dict[str, Any]
    columns: dict[str, str]
    # Every cell of the row as read, recognised column or not (notes typed anywhere, merged titles).
    cells: Sequence[Any] = ()

    def location(self, file_name: str, field: str | None = None) -> Location:
        return Location(
            file_name, self.sheet, self.number, self.columns.get(field) if field else None
        )


@dataclass
class Table:
    """The rows under a recognised header in one sheet."""

    file_name: str
    sheet: str
    header_row: int
    headers: list[str]
    columns: dict[str, int]
    rows: list[Row] = field(default_factory=list)
    # The non-blank rows above the header (titles, dates of the version): (row number, cells).
    above: list[tuple[int, Sequence[Any]]] = field(default_factory=list)


def _synonyms(fields: Iterable[Field]) -> dict[str, tuple[str, ...]]:
    result = {}
    for f in fields:
        texts = [normalise_header(s) for s in (*f.synonyms, f.label)]
        result[f.name] = tuple(dict.fromkeys(t for t in texts if t))
    return result


def _match_row(
    row: Sequence[Any], fields: Sequence[Field], synonyms: dict[str, tuple[str, ...]]
) -> dict[str, int]:
    """Columns of `row` naming each field: exact header first, then a header starting with a synonym."""
    headers = [normalise_header(v) if v is not None else "" for v in row]
    found: dict[str, int] = {}
    taken: set[int] = set()
    for exact in (True, False):
        for f in fields:
            if f.name in found:
                continue
            for index, header in enumerate(headers):
                if not header or index in taken:
                    continue
                if any(
                    header == s if exact else header.startswith(s + " ") for s in synonyms[f.name]
                ):
                    found[f.name] = index
                    taken.add(index)
                    break
    return found


def find_header(
    sheet: Sheet, fields: Sequence[Field], *, search_rows: int = 30
) -> tuple[int, dict[str, int]] | None:
    """The first row (0-based) among the first `search_rows` naming every required field, and its columns."""
    synonyms = _synonyms(fields)
    required = {f.name for f in fields if f.required}
    for index, row in enumerate(sheet.rows[:search_rows]):
        if not any(v is not None for v in row):
            continue
        found = _match_row(row, fields, synonyms)
        if required <= found.keys() and found:
            return index, found
    return None


def _is_blank(row: list[Any]) -> bool:
    for value in row:
        if value is not None and (value.__class__ is not str or value.strip()):
            return False
    return True


def read_tables(
    path: str | Path, fields: Sequence[Field], *, max_rows: int = 1_000_000, search_rows: int = 30
) -> list[Table]:
    """Every sheet whose header names the required fields, as a Table; refuses a file with none."""
    path = Path(path)
    return tables_in(path.name, read_workbook(path, max_rows=max_rows), fields, search_rows=search_rows)


def tables_in(
    file_name: str, sheets: Sequence[Sheet], fields: Sequence[Field], *, search_rows: int = 30
) -> list[Table]:
    """read_tables on sheets already read (by read_workbook)."""
    tables: list[Table] = []
    for sheet in sheets:
        header = find_header(sheet, fields, search_rows=search_rows)
        if header is None:
            continue
        header_index, columns = header
        table = Table(
            file_name=file_name,
            sheet=sheet.name,
            header_row=header_index + 1,
            headers=[parse_text(v) for v in sheet.rows[header_index]],
            columns=columns,
            above=[(number, row) for number, row in enumerate(sheet.rows[:header_index], start=1) if not _is_blank(row)],
        )
        with bulk_allocation():
            table.rows = _data_rows(sheet, header_index, columns)
        tables.append(table)
    if not tables:
        raise RefusedInput(_no_header_message(file_name, sheets, fields, search_rows))
    return tables


def _data_rows(sheet: Sheet, header_index: int, columns: dict[str, int]) -> list[Row]:
    """The non-blank rows under the header, with the cells of the recognised columns."""
    names = list(columns)
    indices = [columns[n] for n in names]
    letters = {name: column_letter(index) for name, index in columns.items()}  # shared by all rows
    needed = max(indices) + 1
    # itemgetter picks a row's cells in C: a third of the time of a dict comprehension
    pick = operator.itemgetter(*indices, indices[0])  # always a tuple, even for one column
    rows: list[Row] = []
    for number, cells in enumerate(sheet.rows[header_index + 1 :], start=header_index + 2):
        if _is_blank(cells):
            continue
        if len(cells) >= needed:
            values = dict(zip(names, pick(cells), strict=False))
        else:
            width = len(cells)
            values = {
                n: cells[i] if i < width else None for n, i in zip(names, indices, strict=True)
            }
        rows.append(Row(sheet.name, number, values, letters, cells))
    return rows


def _no_header_message(
    file_name: str, sheets: Sequence[Sheet], fields: Sequence[Field], search_rows: int
) -> str:
    """Which required columns are missing, and what the likeliest header row holds."""
    synonyms = _synonyms(fields)
    required = [f for f in fields if f.required]
    best: tuple[int, int, int, int] | None = None  # (matches, filled cells, -sheet, -row)
    best_found: dict[str, int] = {}
    best_sheet: Sheet | None = None
    best_row: list[Any] = []
    for sheet_index, sheet in enumerate(sheets):
        for row_index, row in enumerate(sheet.rows[:search_rows]):
            filled = sum(1 for v in row if v is not None and parse_text(v))
            if not filled:
                continue
            found = _match_row(row, fields, synonyms)
            score = (
                sum(1 for f in required if f.name in found),
                min(filled, 3),
                -sheet_index,
                -row_index,
            )
            if best is None or score > best:
                best, best_found, best_sheet, best_row = score, found, sheet, row
    missing = [f.label for f in required if f.name not in best_found]
    message = f"fichier « {file_name} » : colonnes introuvables : {', '.join(missing)}"
    if best_sheet is not None:
        read = [t for t in (parse_text(v) for v in best_row) if t]
        shown = ", ".join(read)
        if len(shown) > 200:
            shown = shown[:199] + "…"
        message += f" (feuille « {best_sheet.name} » : en-têtes lus : {shown})"
    elif sheets:
        message += f" (feuille « {sheets[0].name} » vide)"
    else:
        message += " (aucune feuille)"
    return message
