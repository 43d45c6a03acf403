"""Bench: importing a 50,000-row exam schedule against a bare read and a bare bulk insert of the same rows.

Run from the project root: `python bench/import_planning.py [--rows 50000] [--db URL]`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openpyxl import Workbook
from python_calamine import CalamineWorkbook
from sqlalchemy import insert, select

from cnam_desk.database import open_database
from cnam_desk.db.models import CourseUnit, Exam
from cnam_desk.schedule import exam_calendar, planning

SESSION = "2023-2024/S1/1"
FIRST_DAY = dt.date(2024, 1, 22)
SLOTS = [("9h00", "12h00"), ("14h00", "17h00"), ("18h00", "21h00")]
CENTRES = 20


def schedule_rows(count: int) -> list[tuple[str, str, dt.date, str, str, str, str]]:
    """`count` exams: count / 20 UEs, each in 20 centres, over the session's 12 days."""
    rows = []
    for index in range(count):
        unit, centre = divmod(index, CENTRES)
        start, end = SLOTS[unit % len(SLOTS)]
        day = FIRST_DAY + dt.timedelta(days=unit % 12)
        rows.append((f"BEN{unit:05d}", f"Unité d'enseignement n° {unit}", day, start, end,
                     f"Salle {unit % 97}.{centre}", f"Centre {centre:02d}"))
    return rows


def write_file(path: Path, rows: list[tuple]) -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Planning")
    sheet.append(["Planning des examens – semestre 1, session 1"])
    sheet.append([])
    sheet.append(["Code UE", "Intitulé", "Date de l'épreuve", "Heure de début", "Heure de fin", "Salle", "Centre"])
    for row in rows:
        sheet.append(row)
    book.save(path)


def fresh_database(folder: Path, name: str, url: str | None):
    if url:
        from sqlalchemy import create_engine, text

        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        return open_database(url, clerk="bench")
    return open_database(folder / f"{name}.sqlite3", clerk="bench")


def bare_insert(db, rows) -> float:
    """UEs then exams through Core executemany, values already typed: the floor for writing."""
    with db.transaction() as s:
        session_id = exam_calendar.find_session(s, SESSION).id
    hours = {text: dt.datetime.strptime(text, "%Hh%M").time() for pair in SLOTS for text in pair}
    begin = time.perf_counter()
    with db.transaction() as s:
        codes = sorted({row[0] for row in rows})
        titles = {row[0]: row[1] for row in rows}
        s.execute(insert(CourseUnit.__table__), [{"code": c, "title": titles[c], "version": 1} for c in codes])
        ids = dict(s.execute(select(CourseUnit.code, CourseUnit.id)).all())
        s.execute(
            insert(Exam.__table__),
            [
                {"session_id": session_id, "course_unit_id": ids[ue], "centre": centre, "date": day,
                 "start": hours[start], "end": hours[end],
                 "room": room, "version": 1}
                for ue, _title, day, start, end, room, centre in rows
            ],
        )  # fmt: skip
    return time.perf_counter() - begin


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3, help="attempts; the best time of each is printed")
    parser.add_argument("--db", help="a PostgreSQL URL (its public schema is emptied); SQLite files otherwise")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        os.environ.setdefault("CNAM_DESK_HOME", str(folder / "home"))
        rows = schedule_rows(args.rows)
        path = folder / "planning.xlsx"
        begin = time.perf_counter()
        write_file(path, rows)
        print(f"fichier de {args.rows} lignes écrit en {time.perf_counter() - begin:.2f} s ({path.stat().st_size / 1e6:.1f} Mo)")

        reads, writes, imports, reimports = [], [], [], []
        for attempt in range(args.repeat):
            begin = time.perf_counter()
            CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
            reads.append(time.perf_counter() - begin)

            db = fresh_database(folder, f"bare{attempt}", args.db)
            writes.append(bare_insert(db, rows))
            db.dispose()

            db = fresh_database(folder, f"import{attempt}", args.db)
            begin = time.perf_counter()
            summary = planning.import_schedule(db, path, SESSION)
            imports.append(time.perf_counter() - begin)
            assert summary.added == args.rows, summary

            begin = time.perf_counter()
            again = planning.import_schedule(db, path, SESSION)
            reimports.append(time.perf_counter() - begin)
            assert again.added == again.updated == again.removed == 0, again
            db.dispose()
    # Best of the attempts: the machine's other work only ever adds time.
    read, written, imported, reimported = min(reads), min(writes), min(imports), min(reimports)

    floor = read + written
    print(f"lecture seule (calamine)          : {read:6.2f} s")
    print(f"insertion seule (Core executemany): {written:6.2f} s")
    print(f"lecture + insertion               : {floor:6.2f} s")
    print(f"import complet (lecture, contrôles, comparaison, écriture) : {imported:6.2f} s = {imported / floor:.2f} x")
    print(f"réimport du même fichier (rien ne change)                   : {reimported:6.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
