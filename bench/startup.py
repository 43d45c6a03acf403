"""Bench: starting the program, as whole processes, next to the bare libraries doing the same work.

1. The window shown and drawn on the demo year, next to a bare PySide6 window with three tabs
   (offscreen). A process says when its window's frame is first painted (`frame <time>`: tabs,
   menus, status bar, before the database is read) and when the first tab's data is drawn
   (`shown <time>`); the figures are the times from the start of the process to then, Python's
   start-up and every import included.
2. `cnam-desk calendar --json` on the demo year, next to SQLAlchemy opening the file and reading a row.
3. Memory: a year of 50,000 grades and 10,000 requests; the peak of the window, `grades`,
   `requests` and `session2` on it (aim: under 300 MB each).

Medians of `--repeat` runs and their ratios are printed; nothing is asserted (a bench is not a
test). `--small` is the quick run of every CI log (5,000 grades, 1,000 requests, 3 runs).

Run from the project root: `python bench/startup.py [--small] [--repeat 5]`.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.processes import bare, median, median_shown, peak, program, run

MEMORY_AIM_MB = 300

# The window as `cnam-desk --db FILE` opens it; the event loop is replaced by: say when the frame
# is first painted (`frame`), let the database open behind it and the first tab read its data,
# grab the window as the clerk then sees it and say when (`shown`), then let the checks after the
# start end.
WINDOW = r"""
import sys, time
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QApplication, QMainWindow

def shown(app):
    main = next(w for w in app.topLevelWidgets() if isinstance(w, QMainWindow))
    main.first_painted.connect(lambda: print("frame", time.time(), flush=True))
    while not main.opened:  # the database opened behind the frame, the first tab's data read
        app.processEvents()
        time.sleep(0.001)
    for _ in range(3):
        app.processEvents()
    main.grab()
    print("shown", time.time(), flush=True)
    pool = QThreadPool.globalInstance()
    while True:  # the quick check and the day's backup after the window, and what they start
        pool.waitForDone()
        app.processEvents()
        if pool.activeThreadCount() == 0:
            break
    for window in app.topLevelWidgets():
        window.close()
    app.processEvents()
    return 0

QApplication.exec = shown
from cnam_desk.cli import main
raise SystemExit(main(sys.argv[1:]))
"""

# A bare window with three tabs, each showing `shown_text(name)`, drawn, then said when.
_THREE_TABS = r"""
window = QMainWindow()
tabs = QTabWidget()
for name in ("Calendrier", "Demandes", "Résultats"):
    tabs.addTab(QLabel(shown_text(name)), name)
window.setCentralWidget(tabs)
window.resize(1280, 800)
window.show()
for _ in range(3):
    app.processEvents()
window.grab()
print("shown", time.time(), flush=True)
"""

BARE_WINDOW = r"""
import sys, time
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QTabWidget
app = QApplication(sys.argv)
shown_text = str
""" + _THREE_TABS

# The same window showing a row read through the SQLAlchemy ORM: the floor of any window of these
# libraries that shows data from its database.
BARE_WINDOW_DATA = r"""
import sys, time
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QTabWidget
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session
app = QApplication(sys.argv)
with Session(create_engine("sqlite:///" + sys.argv[1])) as session:
    row = session.execute(text("SELECT * FROM exam_session LIMIT 1")).first()
shown_text = lambda name: f"{name} : {row}"
""" + _THREE_TABS

BARE_CALENDAR = r"""
import sys
from sqlalchemy import create_engine, text
engine = create_engine("sqlite:///" + sys.argv[1])
with engine.connect() as connection:
    print(connection.execute(text("SELECT * FROM exam_session LIMIT 1")).first())
"""

# A year of grades and requests, written as the other benches do (bench/results.py, bench/queue.py).
FILL_YEAR = r"""
import sys
from cnam_desk.database import open_database
from bench.results import populate
from bench.queue import fill_requests
db = open_database(sys.argv[1], clerk="bench")
populate(db, int(sys.argv[2]), 3000 if int(sys.argv[2]) >= 30000 else 300)
fill_requests(db, int(sys.argv[3]))
db.dispose()
"""


def line(label: str, seconds: float, mb: float, floor: float | None = None) -> str:
    ratio = f" = {seconds / floor:4.1f} x" if floor else ""
    return f"  {label:52} {seconds:6.2f} s {mb:6.0f} Mo{ratio}"


def bench_window(database: Path, repeat: int, env: dict[str, str]) -> None:
    bares = [run(bare(BARE_WINDOW), env=env) for _ in range(repeat)]
    data_bares = [run(bare(BARE_WINDOW_DATA, str(database)), env=env) for _ in range(repeat)]
    windows = [run(bare(WINDOW, "--db", str(database)), env=env) for _ in range(repeat)]
    floor = median_shown(bares)
    print("1. fenêtre affichée et dessinée, année de démonstration (hors écran)")
    print(line("PySide6 seul : fenêtre à trois onglets", floor, peak(bares)))
    print(line("PySide6 + ORM SQLAlchemy : la même, une ligne lue", median_shown(data_bares), peak(data_bares), floor))
    print(line("cnam-desk : cadre dessiné (onglets, menus, barre)", median_shown(windows, "frame"), peak(windows), floor))
    print(line("cnam-desk : fenêtre de l'année de démonstration", median_shown(windows), peak(windows), floor))
    print(f"  {'  puis contrôle rapide et sauvegarde du jour finis':52} {median(windows):6.2f} s")


def bench_calendar(database: Path, repeat: int, env: dict[str, str]) -> None:
    bares = [run(bare(BARE_CALENDAR, str(database)), env=env) for _ in range(repeat)]
    commands = [run(program("--db", str(database), "calendar", "--json"), env=env) for _ in range(repeat)]
    floor = median(bares)
    print("2. cnam-desk calendar --json, année de démonstration")
    print(line("SQLAlchemy seul : ouvrir le fichier, lire une ligne", floor, peak(bares)))
    print(line("cnam-desk calendar --json (processus complet)", median(commands), peak(commands), floor))


def bench_memory(folder: Path, grades: int, requests: int, env: dict[str, str]) -> None:
    database = folder / "annee.sqlite3"
    run(program("--db", str(database), "calendar"), env=env)  # created, with its calendar
    run(bare(FILL_YEAR, str(database), str(grades), str(requests)), env=env)
    print(f"3. mémoire : une année de {grades} notes et {requests} demandes (objectif : moins de {MEMORY_AIM_MB} Mo)")
    runs = {
        "fenêtre affichée": run(bare(WINDOW, "--db", str(database)), env=env),
        "grades --json (la grande épreuve)": run(
            program("--db", str(database), "grades", "--session", "2023-2024/S1/1", "--exam", "BIG001", "--json"), env=env
        ),
        "requests --json": run(program("--db", str(database), "requests", "--json"), env=env),
        "session2 --json": run(program("--db", str(database), "session2", "--semester", "2023-2024/S1", "--json"), env=env),
    }
    for label, result in runs.items():
        verdict = "sous l'objectif" if result.peak_mb < MEMORY_AIM_MB else "AU-DESSUS de l'objectif"
        print(f"  {label:52} pic {result.peak_mb:6.0f} Mo ({verdict})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", action="store_true", help="la petite version des journaux de CI")
    parser.add_argument("--repeat", type=int, default=None, help="essais de chaque mesure (médianes) ; 5, ou 3 avec --small")
    parser.add_argument("--grades", type=int, default=None, help="notes de l'année (50 000, ou 5 000 avec --small)")
    parser.add_argument("--requests", type=int, default=None, help="demandes (10 000, ou 1 000 avec --small)")
    args = parser.parse_args()
    repeat = args.repeat or (3 if args.small else 5)
    grades = args.grades or (5_000 if args.small else 50_000)
    requests = args.requests or (1_000 if args.small else 10_000)
    with tempfile.TemporaryDirectory(prefix="cnam-desk-bench-") as folder_name:
        folder = Path(folder_name)
        env = {"CNAM_DESK_HOME": str(folder / "home"), "CNAM_DESK_CLERK": "bench"}
        os.environ.update(env)
        demo = folder / "demo.sqlite3"
        run(program("--db", str(demo), "demo"), env=env)
        run(program("--db", str(demo), "calendar"), env=env)  # the day's first opening is not timed
        print(f"médianes de {repeat} essais, processus complets (démarrage de Python compris)")
        bench_window(demo, repeat, env)
        bench_calendar(demo, repeat, env)
        bench_memory(folder, grades, requests, env)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
