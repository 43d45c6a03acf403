"""Spreadsheets for the schedule and enrolment tests, written the way offices write them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from openpyxl import Workbook

from tests.ods_files import write_ods_package

SESSION = "2023-2024/S1/1"  # 22 January - 3 February 2024

PLAIN_HEADER = ["UE", "Intitulé", "Date", "Début", "Fin", "Salle", "Centre"]


def write_book(path: Path, sheets: dict[str, Sequence[Sequence[Any]]] | Sequence[Sequence[Any]]) -> Path:
    """An .xlsx file: one sheet from a list of rows, or several from {name: rows}."""
    book = Workbook()
    book.remove(book.active)
    if not isinstance(sheets, dict):
        sheets = {"Planning": sheets}
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
    book.save(path)
    return path


def plain_schedule(rows: Iterable[Sequence[Any]]) -> list[list[Any]]:
    return [PLAIN_HEADER, *[list(row) for row in rows]]


# --- the same sheet as .xlsx, .xls or .ods, with merged cells -----------------------------------

FORMATS = ("xlsx", "xls", "ods")


def write_sheet(path: Path, rows: Sequence[Sequence[Any]], *, merged: Sequence[tuple[int, int, int, int]] = ()) -> Path:
    """One sheet « Planning » in the format of the path's suffix; `merged`: (row, first col, last row, last col), 0-based.

    Texts stay texts; dates and times are real date and time cells, as offices' sheets have both.
    """
    kind = path.suffix.lower().lstrip(".")
    writer = {"xlsx": _xlsx, "xls": _xls, "ods": _ods}[kind]
    writer(path, [list(row) for row in rows], merged)
    return path


def _xlsx(path: Path, rows: list[list[Any]], merged: Sequence[tuple[int, int, int, int]]) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "Planning"
    for row in rows:
        sheet.append(row)
    for top, left, bottom, right in merged:
        sheet.merge_cells(start_row=top + 1, start_column=left + 1, end_row=bottom + 1, end_column=right + 1)
    book.save(path)


def _xls(path: Path, rows: list[list[Any]], merged: Sequence[tuple[int, int, int, int]]) -> None:
    import xlwt  # deferred: only the .xls tests need it

    book = xlwt.Workbook()
    sheet = book.add_sheet("Planning")
    date_style = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    time_style = xlwt.easyxf(num_format_str="HH:MM")
    spans = {(top, left): (bottom, right) for top, left, bottom, right in merged}
    covered = {
        (r, c) for (top, left), (bottom, right) in spans.items() for r in range(top, bottom + 1) for c in range(left, right + 1)
    }
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None or ((r, c) in covered and (r, c) not in spans):
                continue
            style = xlwt.Style.default_style
            if isinstance(value, dt.date):
                style = date_style
            elif isinstance(value, dt.time):
                value, style = (value.hour * 60 + value.minute) / 1440, time_style
            if (r, c) in spans:
                bottom, right = spans[(r, c)]
                sheet.write_merge(r, bottom, c, right, value, style)
            else:
                sheet.write(r, c, value, style)
    book.save(str(path))


def _ods_cell(value: Any, span: str) -> str:
    if value is None:
        return f"<table:table-cell{span}/>"
    if isinstance(value, dt.date):
        return (
            f'<table:table-cell{span} office:value-type="date" office:date-value="{value.isoformat()}">'
            f"<text:p>{value:%d/%m/%Y}</text:p></table:table-cell>"
        )
    if isinstance(value, dt.time):
        return (
            f'<table:table-cell{span} office:value-type="time" office:time-value="PT{value.hour:02d}H{value.minute:02d}M00S">'
            f"<text:p>{value:%H:%M}</text:p></table:table-cell>"
        )
    if isinstance(value, (int, float)):
        return f'<table:table-cell{span} office:value-type="float" office:value="{value}"><text:p>{value}</text:p></table:table-cell>'
    return f'<table:table-cell{span} office:value-type="string"><text:p>{escape(str(value))}</text:p></table:table-cell>'


def _ods(path: Path, rows: list[list[Any]], merged: Sequence[tuple[int, int, int, int]]) -> None:
    spans = {(top, left): (bottom, right) for top, left, bottom, right in merged}
    xml_rows = []
    for r, row in enumerate(rows):
        cells = []
        for c, value in enumerate(row):
            span = ""
            if (r, c) in spans:
                bottom, right = spans[(r, c)]
                span = f' table:number-rows-spanned="{bottom - r + 1}" table:number-columns-spanned="{right - c + 1}"'
            cells.append(_ods_cell(value, span))
        xml_rows.append("<table:table-row>" + ("".join(cells) or "<table:table-cell/>") + "</table:table-row>")
    write_ods_package(path, "Planning", "".join(xml_rows))
