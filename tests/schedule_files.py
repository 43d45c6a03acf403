"""Spreadsheets for the schedule and enrolment tests, written the way offices write them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook

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
