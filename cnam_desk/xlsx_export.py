"""Writing the .xlsx files the office hands out, so that no cell is ever read as a formula.

Every export (results for the student portal, schedules, rosters) goes through `XlsxWriter`
or at least `safe_cell`: a text that starts with =, +, -, @, a tab or a line break is stored
as plain text (with Excel's "quote prefix", so it stays text if a clerk edits the cell).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from cnam_desk import frenchdates, outputs
from cnam_desk.errors import RefusedInput

# What spreadsheet programs take for the start of a formula (or of a DDE call).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")

# XML 1.0 cannot hold these control characters; openpyxl would refuse the whole file.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Every XML reader turns a CR into LF; writing LF says so instead of leaving it to chance.
_LINE_BREAKS = re.compile(r"\r\n?")

_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
MAX_SHEET_TITLE = 31


def is_formula_like(text: str) -> bool:
    """Would a spreadsheet program read this text as a formula?"""
    return text.startswith(FORMULA_STARTS)


def clean_text(text: str) -> str:
    """Text without the control characters an .xlsx file cannot hold; tabs kept, line breaks as LF."""
    return _LINE_BREAKS.sub("\n", _ILLEGAL.sub("", text))


def plain_value(value: Any) -> Any:
    """A Python value as a cell holds it: enums as their value, timezone-aware instants in Paris time."""
    if value is None or isinstance(value, bool | int | float | Decimal | str):
        return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = frenchdates.paris(value).replace(tzinfo=None)
        return value
    if isinstance(value, dt.date | dt.time | dt.timedelta):
        return value
    enum_value = getattr(value, "value", None)
    if isinstance(enum_value, str | int):
        return enum_value
    return str(value)


def safe_cell(worksheet: Any, value: Any, *, bold: bool = False) -> WriteOnlyCell:
    """A write-only cell holding `value`; a formula-like text is kept as text, unchanged."""
    value = plain_value(value)
    if isinstance(value, str):
        value = clean_text(value)
    cell = WriteOnlyCell(worksheet)
    if isinstance(value, str) and is_formula_like(value):
        # Assigning a text that starts with "=" makes openpyxl store a formula: force the type.
        cell.value = value
        cell.data_type = "s"
        cell.quotePrefix = True
    else:
        cell.value = value
    if bold:
        cell.font = Font(bold=True)
    return cell


def neutralise(cell: Any) -> None:
    """The same protection for a cell of an ordinary (not write-only) worksheet."""
    value = cell.value
    if isinstance(value, str):
        value = clean_text(value)
        cell.value = value
        if is_formula_like(value):
            cell.data_type = "s"
            cell.quotePrefix = True


def sheet_title(text: str, taken: Iterable[str] = ()) -> str:
    """A valid, unique sheet name: no []:*?/\\, at most 31 characters."""
    base = _SHEET_TITLE_FORBIDDEN.sub("-", clean_text(text)).strip("' ") or "Feuille"
    base = base[:MAX_SHEET_TITLE]
    used = {t.lower() for t in taken}
    title, counter = base, 2
    while title.lower() in used:
        suffix = f" ({counter})"
        title = base[: MAX_SHEET_TITLE - len(suffix)] + suffix
        counter += 1
    return title


class XlsxWriter:
    """A workbook written row by row (fast for 50,000 rows), saved atomically.

    with XlsxWriter(path) as book:
        book.add_sheet("Résultats", ["N°", "Nom"], rows, widths=[12, 30])
    """

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        self.workbook = Workbook(write_only=True)
        self._titles: list[str] = []

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if kind is None:
            self.save()
        else:
            self.discard()

    def discard(self) -> None:
        """Give up the file: close the sheets' streams so nothing is left half-written."""
        for sheet in self.workbook.worksheets:
            try:
                sheet.close()
            except Exception:  # noqa: BLE001,S112 - already closed, or broken by the error being raised
                continue

    def add_sheet(
        self,
        title: str,
        headers: Sequence[str],
        rows: Iterable[Sequence[Any]],
        *,
        widths: Sequence[float] | None = None,
        title_lines: Sequence[str] = (),
    ) -> WriteOnlyWorksheet:
        """One sheet: optional title lines, a bold header row, then the rows."""
        name = sheet_title(title, self._titles)
        self._titles.append(name)
        sheet = self.workbook.create_sheet(name)
        for index, width in enumerate(widths or ()):
            sheet.column_dimensions[get_column_letter(index + 1)].width = width
        header_row = len(title_lines) + 1
        sheet.freeze_panes = f"A{header_row + 1}"
        for line in title_lines:
            sheet.append([safe_cell(sheet, line, bold=True)])
        sheet.append([safe_cell(sheet, header, bold=True) for header in headers])
        for row in rows:
            sheet.append([safe_cell(sheet, value) for value in row])
        return sheet

    def save(self) -> Path:
        """Write the file in one go: a temporary file next to it, then renamed over it."""
        if not self._titles:
            self.add_sheet("Feuille", [], [])
        # Written whole under a temporary name, then put in place; its folder is made if missing.
        try:
            with outputs.one_file(self.path) as temporary:
                try:
                    outputs.write_bytes(temporary, self.workbook.save)
                except PermissionError:
                    raise RefusedInput(
                        f"Impossible d'écrire « {self.path} » : le fichier est peut-être ouvert dans un tableur."
                    ) from None
        except BaseException:
            self.discard()
            raise
        return self.path


def write_xlsx(
    path: str | os.PathLike[str],
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    widths: Sequence[float] | None = None,
    title_lines: Sequence[str] = (),
) -> Path:
    """A one-sheet export."""
    with XlsxWriter(path) as book:
        book.add_sheet(title, headers, rows, widths=widths, title_lines=title_lines)
    return book.path
