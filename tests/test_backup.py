"""Backups: made online while clerks write, rotated, restored to identical data; PostgreSQL is pointed to pg_dump."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from cnam_desk import backup
from cnam_desk.database import open_database
from cnam_desk.db import migrate
from cnam_desk.db.engine import Database, make_engine
from cnam_desk.db.models import Student
from cnam_desk.errors import RefusedInput
from cnam_desk.schedule import exam_calendar
from tests.conftest import POSTGRES_URL
from tests.dbstate import differences, table_rows

sqlite_only = pytest.mark.skipif(bool(POSTGRES_URL), reason="sauvegardes SQLite (PostgreSQL : pg_dump)")


@pytest.fixture
def sqlite_db(tmp_path: Path, _template_sqlite: Path) -> Database:
    import shutil

    path = tmp_path / "bureau.sqlite3"
    shutil.copyfile(_template_sqlite, path)
    database = open_database(path, clerk="greffier.test")
    yield database
    database.dispose()


def _path(db: Database) -> Path:
    path = backup.sqlite_file(db.engine)
    assert path is not None
    return path


def _integrity(file: Path) -> list[str]:
    connection = sqlite3.connect(file)
    try:
        return [row[0] for row in connection.execute("PRAGMA integrity_check")]
    finally:
        connection.close()


@sqlite_only
def test_backup_while_another_clerk_writes_is_consistent(sqlite_db: Database, tmp_path: Path) -> None:
    writer = open_database(_path(sqlite_db), clerk="autre.poste")
    stop = threading.Event()
    written = [0]

    def write_pairs() -> None:
        # Students arrive two by two, in one transaction: a consistent copy always holds an even number.
        while not stop.is_set():
            n = written[0]
            with writer.transaction() as s:
                s.add_all([Student(number=f"9{n:07d}", last_name="Écrivain"), Student(number=f"9{n + 1:07d}", last_name="Écrivain")])
            written[0] += 2

    thread = threading.Thread(target=write_pairs)
    thread.start()
    try:
        copies = []
        while len(copies) < 6:
            time.sleep(0.05)
            copies.append(backup.backup_file(_path(sqlite_db), tmp_path / f"copie-{len(copies)}.sqlite3"))
    finally:
        stop.set()
        thread.join()
        writer.dispose()
    seen = []
    for copy in copies:
        assert _integrity(copy) == ["ok"]
        assert not Path(str(copy) + "-wal").exists()  # a single self-contained file
        connection = sqlite3.connect(copy)
        count = connection.execute("select count(*) from student").fetchone()[0]
        connection.close()
        assert count % 2 == 0
        seen.append(count)
    assert seen[-1] > 0 and written[0] >= seen[-1]


@sqlite_only
def test_restore_gives_back_identical_data(sqlite_db: Database, tmp_path: Path) -> None:
    from cnam_desk import demo

    demo.fill(sqlite_db)
    at_backup = table_rows(sqlite_db.engine, ignore=set())
    saved = backup.manual(_path(sqlite_db), tmp_path / "sauvegarde.sqlite3")
    # Work goes on after the backup ...
    exam_calendar.set_session(sqlite_db, "2023-2024/S2/2", dt.date(2024, 9, 9), dt.date(2024, 9, 13), None)
    with sqlite_db.transaction() as s:
        s.execute(text("delete from enrolment where id % 3 = 0"))
    changed = table_rows(sqlite_db.engine, ignore=set())
    assert differences(at_backup, changed)
    sqlite_db.dispose()
    report = backup.restore(_path(sqlite_db), saved)
    assert report.revision in migrate.head_revisions()
    assert differences(at_backup, table_rows(sqlite_db.engine, ignore=set())) == []
    # ... and what was there before the restore is kept.
    assert report.safety_copy is not None and report.safety_copy.exists()
    assert differences(changed, table_rows(f"sqlite:///{report.safety_copy}", ignore=set())) == []
    assert _integrity(_path(sqlite_db)) == ["ok"]


@sqlite_only
def test_restore_while_the_database_is_open_elsewhere(sqlite_db: Database, tmp_path: Path) -> None:
    saved = backup.manual(_path(sqlite_db), tmp_path / "sauvegarde.sqlite3")
    exam_calendar.set_session(sqlite_db, "2023-2024/S2/2", dt.date(2024, 9, 9), dt.date(2024, 9, 13), None)
    reader = open_database(_path(sqlite_db))
    with reader.transaction(write=False) as s:  # a pooled connection stays open
        s.execute(text("select 1"))
    backup.restore(_path(sqlite_db), saved)
    with reader.transaction(write=False) as s:
        session = exam_calendar.find_session(s, "2023-2024/S2/2")
        assert session.last_day == dt.date(2024, 9, 14)  # the open connection sees the restored data
    reader.dispose()


@sqlite_only
def test_restore_an_older_schema_upgrades_it(tmp_path: Path) -> None:
    old = tmp_path / "ancienne.sqlite3"
    engine = make_engine(f"sqlite:///{old}")
    migrate.upgrade(engine, "0001")
    engine.dispose()
    live = tmp_path / "bureau.sqlite3"
    open_database(live).dispose()
    assert backup.restore(live, old).revision == "0001"
    database = open_database(live)
    assert migrate.current_revision(database.engine) in migrate.head_revisions()
    database.dispose()


def _not_cnam(tmp_path: Path) -> dict[str, Path]:
    files = {}
    files["texte"] = tmp_path / "notes.sqlite3"
    files["texte"].write_text("ceci n'est pas une base", encoding="utf-8")
    files["autre base"] = tmp_path / "autre.sqlite3"
    connection = sqlite3.connect(files["autre base"])
    connection.execute("create table t(x)")
    connection.commit()
    connection.close()
    files["plus récente"] = tmp_path / "future.sqlite3"
    connection = sqlite3.connect(files["plus récente"])
    connection.execute("create table alembic_version(version_num varchar(32))")
    connection.execute("create table audit_event(id integer)")
    connection.execute("insert into alembic_version values ('9999')")
    connection.commit()
    connection.close()
    return files


@sqlite_only
def test_restore_refuses_what_is_not_a_cnam_desk_backup(sqlite_db: Database, tmp_path: Path) -> None:
    before = table_rows(sqlite_db.engine)
    messages = {}
    for name, file in _not_cnam(tmp_path).items():
        with pytest.raises(RefusedInput) as refused:
            backup.restore(_path(sqlite_db), file)
        messages[name] = str(refused.value)
    assert "pas une base SQLite" in messages["texte"]
    assert "pas une base Cnam Desk" in messages["autre base"]
    assert "version de Cnam Desk que ce programme ne connaît pas" in messages["plus récente"]
    assert differences(before, table_rows(sqlite_db.engine)) == []
    assert backup.list_backups(_path(sqlite_db)) == []  # nothing done, not even the safety copy


@sqlite_only
def test_daily_backup_once_a_day_and_rotation(sqlite_db: Database) -> None:
    database = _path(sqlite_db)
    first = backup.daily(database, dt.date(2024, 1, 1))
    assert first is not None and first.exists()
    assert backup.daily(database, dt.date(2024, 1, 1)) is None  # at most one a day
    day = dt.date(2024, 1, 2)
    while day <= dt.date(2024, 3, 31):
        backup.daily(database, day)
        day += dt.timedelta(days=1)
    names = sorted(p.name for p in backup.backup_folder(database).iterdir())
    days = [dt.date.fromisoformat(n.rsplit("quotidienne-", 1)[1][:10]) for n in names]
    # The 7 latest days, then one per week for the 4 weeks before them.
    assert days[-7:] == [dt.date(2024, 3, 25) + dt.timedelta(days=i) for i in range(7)]
    older = days[:-7]
    assert len(older) == 4
    assert len({d.isocalendar()[:2] for d in older}) == 4
    assert all(d < dt.date(2024, 3, 25) for d in older)


@sqlite_only
def test_upgrade_and_restore_backups_are_rotated(sqlite_db: Database, tmp_path: Path) -> None:
    database = _path(sqlite_db)
    saved = backup.manual(database, tmp_path / "s.sqlite3")
    for _ in range(backup.BEFORE_RESTORE_KEPT + 3):
        backup.restore(database, saved)
    kinds = [info.kind for info in backup.list_backups(database)]
    assert kinds.count(backup.BEFORE_RESTORE) == backup.BEFORE_RESTORE_KEPT


@sqlite_only
def test_upgrade_makes_a_backup_first(tmp_path: Path) -> None:
    path = tmp_path / "ancienne.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine, "0004")
    engine.dispose()
    open_database(path).dispose()
    kinds = [info.kind for info in backup.list_backups(path)]
    assert kinds == [backup.BEFORE_UPGRADE]
    saved = backup.list_backups(path)[0].path
    assert backup.inspect_backup(saved) == "0004"


@sqlite_only
def test_a_killed_backup_leaves_nothing_behind_for_long(sqlite_db: Database) -> None:
    database = _path(sqlite_db)
    leftover = backup.backup_folder(database) / "bureau-quotidienne-2024-01-01.sqlite3.4242.partial"
    leftover.write_bytes(b"SQLite format 3\x00 half")
    old = time.time() - 7200
    os.utime(leftover, (old, old))
    assert backup.latest_backup(database) is None  # a partial file is never offered
    backup.rotate(database)
    assert not leftover.exists()


@sqlite_only
def test_backup_and_restore_from_the_command_line(cli, tmp_path: Path, database_url: str) -> None:
    out = tmp_path / "copie du bureau.sqlite3"
    done = cli("backup", "--out", str(out))
    assert done.code == 0, done
    assert "Sauvegarde écrite" in done.out and out.exists()
    assert cli("calendar", "set-session", "2023-2024/S2/2", "--from", "2024-09-09", "--to", "2024-09-13").code == 0
    restored = cli("restore", str(out), "--json")
    assert restored.code == 0, restored
    import json

    report = json.loads(restored.out)
    assert Path(report["safety_copy"]).exists()
    listed = cli("backup", "--list", "--json")
    assert [b["kind"] for b in json.loads(listed.out)] == ["avant-restauration"]
    calendar = json.loads(cli("calendar", "--json").out)
    assert [s["last_day"] for s in calendar if s["key"] == "2023-2024/S2/2"] == ["2024-09-14"]
    refused = cli("restore", str(tmp_path / "absente.sqlite3"))
    assert refused.code == 1 and refused.err.count("\n") == 1 and "n'existe pas" in refused.err


@pytest.mark.skipif(not POSTGRES_URL, reason="base PostgreSQL")
def test_postgres_backup_points_to_pg_dump(cli, tmp_path: Path) -> None:
    for command in (["backup", "--out", str(tmp_path / "x.sqlite3")], ["restore", str(tmp_path / "x.sqlite3")]):
        done = cli(*command)
        assert done.code == 1
        assert "pg_dump" in done.err and done.err.count("\n") == 1
    assert not (tmp_path / "x.sqlite3").exists()
