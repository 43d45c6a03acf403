"""Times reading a 50,000-row schedule: read_tables against bare python-calamine and openpyxl read-only.

Run from the repository root: python bench/read_spreadsheet.py [rows]
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import openpyxl
import python_calamine

from cnam_desk.filecheck import check_file
from cnam_desk.spreadsheets import Field, read_tables

FIELDS = [
    Field("ue", "Code UE", ("code ue", "ue")),
    Field("title", "Intitulé", ("intitule",)),
    Field("date", "Date", ("date",)),
    Field("start", "Début", ("debut", "heure de debut")),
    Field("end", "Fin", ("fin", "heure de fin")),
    Field("room", "Salle", ("salle",)),
    Field("centre", "Centre", ("centre",)),
    Field("seats", "Places", ("places",), required=False),
]


def write_schedule(path: Path, rows: int) -> None:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Planning")
    sheet.append(["Planning des examens — session 1 — 2023-2024"])
    sheet.append([])
    sheet.append(["Code UE", "Intitulé", "Date", "Début", "Fin", "Salle", "Centre", "Places"])
    first = dt.date(2024, 1, 22)
    for i in range(rows):
        sheet.append(
            [
                f"NFA{i % 1000:03d}",
                f"Unité d’enseignement n° {i}",
                first + dt.timedelta(days=i % 12),
                dt.time(18, 0),
                dt.time(21, 0),
                f"Salle {i % 40}",
                "Paris",
                30 + i % 200,
            ]
        )
    workbook.save(path)


def timed(label: str, work) -> float:
    started = time.perf_counter()
    result = work()
    elapsed = time.perf_counter() - started
    print(f"{label:<42} {elapsed:6.2f} s   {result}")
    return elapsed


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "planning.xlsx"
        started = time.perf_counter()
        write_schedule(path, rows)
        print(
            f"{rows} rows x 8 columns written with openpyxl write-only in "
            f"{time.perf_counter() - started:.1f} s ({path.stat().st_size / 1e6:.1f} MB)"
        )

        def bare_calamine() -> str:
            workbook = python_calamine.CalamineWorkbook.from_path(path)
            data = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
            return f"{len(data)} rows"

        def checks() -> str:
            check_file(path)
            return "file checked (zip directory, XML parts, sheet extent)"

        def tables() -> str:
            (table,) = read_tables(path, FIELDS)
            return f"{len(table.rows)} rows under the header of row {table.header_row}"

        def openpyxl_read_only() -> str:
            workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
            count = sum(1 for _ in workbook.active.iter_rows(values_only=True))
            workbook.close()
            return f"{count} rows"

        timed("python-calamine alone", bare_calamine)
        timed("check_file alone", checks)
        timed("read_tables (check + calamine + header)", tables)
        timed("openpyxl load_workbook(read_only=True)", openpyxl_read_only)


if __name__ == "__main__":
    main()
