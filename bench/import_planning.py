"""Bench: `cnam-desk import-planning` of a large schedule, as whole processes, next to the bare libraries.

The same file is read and written by a bare process (python-calamine reads it, sqlite3's
executemany inserts its rows) and imported by the program from the command line, start-up
included. A second workstation's view is measured alongside: for how long the import holds the
database's write lock (polled from outside every 10 ms). Peak memory of each process is printed.
No figure is asserted: this is a bench, not a test.

Run from the project root: `python bench/import_planning.py [--rows 50000] [--repeat 3]`;
`--small` is the quick run of every CI log (5,000 rows). The aim is 2x the bare libraries, and a
peak under 300 MB for 50,000 rows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openpyxl import Workbook  # noqa: E402

from bench.processes import bare, median, program, run  # noqa: E402

SESSION = "2023-2024/S1/1"
FIRST_DAY = dt.date(2024, 1, 22)
SLOTS = [("9h00", "12h00"), ("14h00", "17h00"), ("18h00", "21h00")]
CENTRES = 20

# The bare libraries doing the same work: read every cell, type the dates and times, insert the UEs
# and the exams in one transaction.
BARE = r"""
import datetime as dt, sqlite3, sys
from python_calamine import CalamineWorkbook
rows = CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_index(0).to_python()
body = [r for r in rows[3:] if r and r[0]]
hour = lambda text: dt.datetime.strptime(text, "%Hh%M").time().isoformat()
db = sqlite3.connect(sys.argv[2])
db.execute("PRAGMA journal_mode = WAL")
db.execute("create table if not exists course_unit (id integer primary key, code text unique, title text)")
db.execute("create table if not exists exam (id integer primary key, course_unit_id int, centre text, date text,"
           " start text, end text, room text)")
with db:
    db.executemany("insert into course_unit (code, title) values (?, ?)", sorted({(r[0], r[1]) for r in body}))
    ids = dict(db.execute("select code, id from course_unit"))
    db.executemany("insert into exam (course_unit_id, centre, date, start, end, room) values (?, ?, ?, ?, ?, ?)",
                   [(ids[r[0]], r[6], r[2].isoformat(), hour(r[3]), hour(r[4]), r[5]) for r in body])
"""


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=None, help="rows of the file (50,000, or 5,000 with --small)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; medians are printed")
    parser.add_argument("--small", action="store_true", help="the quick run of the CI logs")
    args = parser.parse_args()
    args.rows = args.rows or (5_000 if args.small else 50_000)
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        env = {"CNAM_DESK_HOME": str(folder / "home")}
        os.environ.update(env)
        path = folder / "planning.xlsx"
        write_file(path, schedule_rows(args.rows))
        print(f"fichier de {args.rows} lignes ({path.stat().st_size / 1e6:.1f} Mo), {args.repeat} essais, médianes")
        bares, imports, again = [], [], []
        for attempt in range(args.repeat):
            bares.append(run(bare(BARE, str(path), str(folder / f"bare{attempt}.sqlite3"))))
            database = folder / f"import{attempt}.sqlite3"
            run(program("--db", str(database), "calendar"), env=env)  # created, with its calendar
            imports.append(run(program("--db", str(database), "import-planning", str(path), "--session", SESSION,
                                       "--json"), env=env, watch=database))
            again.append(run(program("--db", str(database), "import-planning", str(path), "--session", SESSION,
                                     "--json"), env=env, watch=database))
    floor = median(bares)
    imported = median(imports)
    print(f"bibliothèques seules (python-calamine + sqlite3)   : {floor:6.2f} s, {median(bares, 'peak_mb'):5.0f} Mo")
    print(f"cnam-desk import-planning (processus complet)      : {imported:6.2f} s, {median(imports, 'peak_mb'):5.0f} Mo"
          f" = {imported / floor:.2f} x (objectif : 2 x ; mémoire : moins de 300 Mo)")
    print(f"  dont verrou d'écriture tenu (vu d'un autre poste) : {median(imports, 'lock_seconds'):6.2f} s")
    print(f"réimport du même fichier (rien ne change)          : {median(again):6.2f} s,"
          f" verrou {median(again, 'lock_seconds'):.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
