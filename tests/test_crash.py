"""SIGKILL at random moments during batches: the database stays sound and holds all of the batch or none."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from pathlib import Path

import pytest

from cnam_desk import backup
from cnam_desk.database import open_database
from cnam_desk.schedule import exam_calendar
from tests.conftest import POSTGRES_URL, reset_postgres
from tests.crash_harness import CLERK, CrashLoop, PostgresStart, SqliteStart, kills_from_env

sqlite_only = pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite : integrity_check après chaque arrêt brutal")
QUICK_KILLS = 8


@pytest.fixture
def prepared(tmp_path: Path, _template_sqlite: Path) -> Path:
    """The starting database: the default calendar, the crash clerk already known."""
    path = tmp_path / "depart.sqlite3"
    shutil.copyfile(_template_sqlite, path)
    open_database(path, clerk=CLERK).dispose()
    return path


def _loop(prepared: Path, tmp_path: Path, home: Path, argv: list[str], **options) -> CrashLoop:  # noqa: ANN003
    return CrashLoop(SqliteStart(prepared, tmp_path / "bureau.sqlite3"), argv, home=home, **options)


# The demo is one transaction for the year, then one per feature's seeder: killed between them, the
# next run completes it (recover=True); killed inside one, that one is all or none.
# Known: the requests' demo seeder decides a few requests in transactions of their own, only when it
# has just added the requests; killed among those decisions, a new `demo` never makes them.
DEMO_SEEDER_GAP = pytest.mark.xfail(
    reason="requests/demo.py : décisions de démonstration non refaites après un arrêt (added_any)", strict=False
)


@sqlite_only
@DEMO_SEEDER_GAP
def test_demo_fill_killed(prepared: Path, tmp_path: Path, private_home: Path) -> None:
    report = _loop(prepared, tmp_path, private_home, ["demo"], recover=True).run(QUICK_KILLS)
    print(report.summary())
    report.assert_all_or_none(need_both=False)


@sqlite_only
@pytest.mark.slow
@DEMO_SEEDER_GAP
def test_demo_fill_killed_many_times(prepared: Path, tmp_path: Path, private_home: Path) -> None:
    report = _loop(prepared, tmp_path, private_home, ["demo"], seed=2024, recover=True).run(kills_from_env(40))
    print(report.summary())
    report.assert_all_or_none()


@sqlite_only
def test_set_session_killed(prepared: Path, tmp_path: Path, private_home: Path) -> None:
    argv = ["calendar", "set-session", "2023-2024/S2/2", "--from", "2024-09-09", "--to", "2024-09-13",
            "--deadline", "2024-08-25 23:59"]
    report = _loop(prepared, tmp_path, private_home, argv).run(QUICK_KILLS)
    print(report.summary())
    report.assert_all_or_none(need_both=False)


@sqlite_only
def test_purge_killed(prepared: Path, tmp_path: Path, private_home: Path) -> None:
    from tests.test_personal_data import fill_office

    db = open_database(prepared, clerk=CLERK)
    fill_office(db)
    db.dispose()
    report = _loop(prepared, tmp_path, private_home, ["purge", "--before", "2023-2024"]).run(kills_from_env(QUICK_KILLS))
    print(report.summary())
    report.assert_all_or_none(need_both=False)


@sqlite_only
def test_restore_killed(prepared: Path, tmp_path: Path, private_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cnam_desk import demo

    monkeypatch.setenv("CNAM_DESK_HOME", str(private_home))
    saved = tmp_path / "sauvegarde.sqlite3"
    backup.backup_file(prepared, saved)
    db = open_database(prepared, clerk=CLERK)
    demo.fill(db)  # the live database has moved on since the backup
    exam_calendar.set_session(db, "2023-2024/S2/2", dt.date(2024, 9, 9), dt.date(2024, 9, 13), None)
    db.dispose()
    report = _loop(prepared, tmp_path, private_home, ["restore", str(saved)]).run(QUICK_KILLS)
    print(report.summary())
    report.assert_all_or_none(need_both=False)


@sqlite_only
def test_first_opening_killed(tmp_path: Path, private_home: Path) -> None:
    """A new database: schema, then the default calendar. Killed anywhere, the next opening completes it."""
    start = SqliteStart(None, tmp_path / "nouvelle.sqlite3")
    report = CrashLoop(start, ["calendar", "--json"], home=private_home, recover=True).run(QUICK_KILLS)
    print(report.summary())
    report.assert_all_or_none(need_both=False)


@pytest.mark.skipif(not POSTGRES_URL, reason="base PostgreSQL")
@DEMO_SEEDER_GAP
def test_demo_fill_killed_on_postgres(private_home: Path) -> None:
    from sqlalchemy.engine import make_url

    reset_postgres(POSTGRES_URL)
    open_database(POSTGRES_URL, clerk=CLERK).dispose()
    start = PostgresStart(POSTGRES_URL, make_url(POSTGRES_URL).database)
    try:
        report = CrashLoop(start, ["demo"], home=private_home, recover=True).run(QUICK_KILLS)
        print(report.summary())
        report.assert_all_or_none(need_both=False)
    finally:
        start.drop()


@sqlite_only
def test_letters_killed(prepared: Path, tmp_path: Path, private_home: Path) -> None:
    """Letters: their rows all generated or none, and never a half-written PDF under its final name."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from letters_data import SESSION, seed_requests

    from tests.dbstate import VOLATILE, table_rows

    db = open_database(prepared, clerk=CLERK)
    seed_requests(db)
    db.dispose()
    out = tmp_path / "courriers"
    start = SqliteStart(prepared, tmp_path / "bureau.sqlite3")

    def clear() -> None:
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir()

    def whole_pdfs() -> list[str]:
        problems = [f"{f.name} is cut short" for f in out.glob("*.pdf") if not f.read_bytes().rstrip().endswith(b"%%EOF")]
        # Files on disk == letters recorded, every time: none recorded without its file, none the other way.
        connection = sqlite3.connect(start.live)
        try:
            recorded = {row[0] for row in connection.execute("select reference from letter")}
        finally:
            connection.close()
        on_disk = {f.name.split("_", 1)[0] for f in out.glob("*.pdf")}
        if on_disk != recorded:
            problems.append(f"{len(on_disk)} letter file(s) on disk, {len(recorded)} recorded")
        return problems

    loop = CrashLoop(
        start, ["letters", "--session", SESSION, "--out", str(out)], home=private_home,
        state=lambda: table_rows(start.url, ignore=VOLATILE | {("letter", "generated_at")}),
        before_each=clear, files_check=whole_pdfs,
    )
    report = loop.run(QUICK_KILLS)
    print(report.summary())
    report.assert_all_or_none(need_both=False)


# --- large imports, as their commands land on main ----------------------------------------------------

from tests import hostile_files as hostile  # noqa: E402


def _demo_start(prepared: Path) -> Path:
    from cnam_desk import demo

    db = open_database(prepared, clerk=CLERK)
    demo.fill(db)
    db.dispose()
    return prepared


@sqlite_only
@pytest.mark.slow
def test_large_schedule_import_killed(prepared: Path, tmp_path: Path, private_home: Path) -> None:
    from cnam_desk.demo import COURSE_UNITS

    codes = [code for code, _title, semester, _ects in COURSE_UNITS if semester == 1]
    rows = [
        (code, "Épreuve", f"{22 + (index % 12):02d}/01/2024" if index % 12 < 10 else f"0{index % 12 - 9}/02/2024",
         "18h00", "21h00", f"Salle {index % 40}", f"Centre {index // len(codes)}")
        for index, code in enumerate(codes * 1000)
    ]
    path = hostile.write_xlsx(tmp_path / "planning.xlsx", {"Planning": [hostile.PLANNING.header, *rows]})
    report = _loop(_demo_start(prepared), tmp_path, private_home,
                   ["import-planning", str(path), "--session", "2023-2024/S1/1", "--allow-removals"]).run(kills_from_env(20))
    print(report.summary())
    report.assert_all_or_none()


@sqlite_only
@pytest.mark.slow
def test_large_enrolment_import_killed(prepared: Path, tmp_path: Path, private_home: Path) -> None:
    from cnam_desk.demo import COURSE_UNITS

    codes = [code for code, *_rest in COURSE_UNITS]
    rows = [
        (f"2{index // 2:07d}", f"Nom{index // 2}", "Prénom", f"auditeur{index // 2}@exemple.fr", codes[index % len(codes)])
        for index in range(10_000)
    ]
    path = hostile.write_xlsx(tmp_path / "inscriptions.xlsx", {"Inscriptions": [hostile.ENROLMENTS.header, *rows]})
    report = _loop(_demo_start(prepared), tmp_path, private_home,
                   ["import-enrolments", str(path), "--year", "2023-2024"]).run(kills_from_env(20))
    print(report.summary())
    report.assert_all_or_none()


@sqlite_only
@pytest.mark.slow
def test_large_request_import_killed(prepared: Path, tmp_path: Path, private_home: Path) -> None:
    rows = [
        (str(index + 1), "05/01/2024 10:00:00", "05/01/2024 10:05:00", f"auditeur{index}@exemple.fr",
         f"Auditeur {index}", f"1{index % 300 + 23000:07d}", "Deux examens le même jour à la même heure", "NFA031, NFA008")
        for index in range(3000)
    ]
    path = hostile.write_xlsx(tmp_path / "forms.xlsx", {"Feuil1": [hostile.REQUESTS.header, *rows]})
    report = _loop(_demo_start(prepared), tmp_path, private_home,
                   ["import-requests", str(path), "--session", "2023-2024/S1/1"]).run(kills_from_env(20))
    print(report.summary())
    report.assert_all_or_none()


@sqlite_only
@pytest.mark.slow
def test_grade_import_killed(prepared: Path, tmp_path: Path, private_home: Path) -> None:
    """Every grade of every unpublished UE of a session, in one file with a UE column."""
    from sqlalchemy import select

    from cnam_desk.db.models import CourseUnit, Enrolment, Publication, Student

    start = _demo_start(prepared)
    db = open_database(start, clerk=CLERK)
    with db.transaction(write=False) as s:
        session = exam_calendar.find_session(s, "2023-2024/S2/1")
        published = set(s.scalars(select(Publication.course_unit_id).where(Publication.session_id == session.id)))
        pairs = s.execute(
            select(Student.number, CourseUnit.code)
            .join(Enrolment, Enrolment.student_id == Student.id)
            .join(CourseUnit, Enrolment.course_unit_id == CourseUnit.id)
            .where(CourseUnit.id.in_([e.course_unit_id for e in session.exams]), CourseUnit.id.notin_(published))
        ).all()
    db.dispose()
    rows = [(number, code, f"{(index * 7) % 21},{index % 2 * 5}") for index, (number, code) in enumerate(pairs)]
    path = hostile.write_xlsx(tmp_path / "notes.xlsx", {"Notes": [("Numéro d'auditeur", "UE", "Note"), *rows]})
    report = _loop(start, tmp_path, private_home, ["import-grades", str(path), "--session", "2023-2024/S2/1"]).run(
        kills_from_env(16)
    )
    print(report.summary(), f"({len(rows)} notes)")
    report.assert_all_or_none()
