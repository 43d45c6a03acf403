"""The audit trail shows tampering: a hash chain `check` walks, triggers put back when the database opens."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from cnam_desk import backup, integrity
from cnam_desk.database import open_database
from cnam_desk.db import audit, migrate, trail
from cnam_desk.db.engine import Database
from cnam_desk.db.models import AuditEvent, Student
from cnam_desk.schedule import exam_calendar


def _activity(db: Database, count: int = 4, first: int = 0) -> None:
    for n in range(first, first + count):
        with db.transaction() as s:
            s.add(Student(number=f"1009{n:05d}", last_name=f"Témoin{n}", email=f"t{n}@exemple.fr"))
    exam_calendar.set_session(db, "2023-2024/S1/1", dt.date(2024, 1, 22), dt.date(2024, 2, 3), None)


def _ids(db: Database) -> list[int]:
    with db.transaction(write=False) as s:
        return list(s.scalars(select(AuditEvent.id).order_by(AuditEvent.id)))


def _sqlite(db: Database) -> Path:
    if not db.is_sqlite:
        pytest.skip("fichier SQLite")
    return Path(db.engine.url.database)


def test_every_event_is_chained(db: Database) -> None:
    _activity(db)
    with db.transaction(write=False) as s:
        events = list(s.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    assert len(events) > 5
    assert events[0].prev_hash == trail.GENESIS
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.hash and len(after.hash) == 64
    report = integrity.check(db.url)
    assert report.ok, report.problems
    assert report.trail.events == len(events) and report.trail.head_id == events[-1].id
    assert report.trail.head_hash == events[-1].hash and report.missing_triggers == []


def test_check_command_gives_the_head(cli, db: Database) -> None:
    _activity(db, 1)
    done = cli("check")
    assert done.code == 0, done
    assert "Journal d'audit intact" in done.out and "empreinte" in done.out
    data = json.loads(cli("check", "--json").out)
    assert data["audit_trail"]["head_id"] == _ids(db)[-1] and data["missing_triggers"] == []


def test_deleted_event_is_named_and_triggers_come_back(cli, db: Database) -> None:
    path = _sqlite(db)
    _activity(db)
    ids = _ids(db)
    victim = ids[3]
    db.dispose()
    connection = sqlite3.connect(path)
    connection.execute("DROP TRIGGER audit_event_no_delete")
    connection.execute("DELETE FROM audit_event WHERE id = ?", (victim,))
    connection.commit()
    connection.close()

    checked = cli("check")
    assert checked.code == 1, checked
    assert f"l'événement n° {ids[4]} ne suit pas l'événement n° {ids[2]}" in checked.err
    assert "audit_event_no_delete" in checked.err
    data = json.loads(cli("check", "--json").out)
    assert data["ok"] is False and data["audit_trail"]["broken_event"] == ids[4]
    assert data["missing_triggers"] == ["audit_event_no_delete"]

    # Any command opening the database puts the trigger back, and says so.
    opened = cli("purge", "--before", "2020", "--dry-run")
    assert opened.code == 0, opened
    assert "attention" in opened.err and "audit_event_no_delete" in opened.err and "remises" in opened.err
    after = json.loads(cli("check", "--json").out)
    assert after["missing_triggers"] == []
    assert after["audit_trail"]["broken_event"] == ids[4]  # the chain stays broken: the deletion shows for good
    again = cli("purge", "--before", "2020", "--dry-run")
    assert "attention" not in again.err
    reopened = open_database(path)
    with pytest.raises(Exception, match="append-only"), reopened.transaction() as s:
        s.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": ids[5]})
    with reopened.transaction(write=False) as s:
        restored = s.scalars(select(AuditEvent).where(AuditEvent.action == "restore_triggers")).one()
    assert restored.after == {"triggers": ["audit_event_no_delete"]}
    reopened.dispose()


def test_edited_event_is_named(db: Database) -> None:
    path = _sqlite(db)
    _activity(db)
    victim = _ids(db)[2]
    db.dispose()
    connection = sqlite3.connect(path)
    connection.execute("DROP TRIGGER audit_event_no_update")
    connection.execute("UPDATE audit_event SET clerk = 'personne' WHERE id = ?", (victim,))
    connection.commit()
    connection.close()
    report = integrity.check(path)
    assert not report.ok
    assert any(f"le contenu de l'événement n° {victim} a été changé" in p for p in report.problems)
    assert report.missing_triggers == ["audit_event_no_update"]


def test_a_trigger_made_harmless_is_seen(db: Database) -> None:
    path = _sqlite(db)
    db.dispose()
    connection = sqlite3.connect(path)
    connection.execute("DROP TRIGGER audit_event_no_delete")
    connection.execute("CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event WHEN 0 BEGIN SELECT 1; END")
    connection.commit()
    connection.close()
    assert integrity.check(path).missing_triggers == ["audit_event_no_delete"]
    reopened = open_database(path)
    assert any("audit_event_no_delete" in notice for notice in reopened.notices)
    reopened.dispose()
    assert integrity.check(path).ok


def test_chain_survives_backup_and_restore(db: Database, tmp_path: Path) -> None:
    path = _sqlite(db)
    _activity(db, 2)
    head = integrity.check(path).trail
    saved = backup.manual(path, tmp_path / "copie.sqlite3")
    assert integrity.check(saved).trail.head_hash == head.head_hash
    _activity(db, 3, first=10)
    db.dispose()
    backup.restore(path, saved)
    reopened = open_database(path)
    assert reopened.notices == []
    with reopened.transaction() as s:
        s.add(Student(number="100900099", last_name="Après"))
    reopened.dispose()
    report = integrity.check(path)
    assert report.ok, report.problems
    assert report.trail.events > head.events
    with sqlite3.connect(path) as connection:
        row = connection.execute("SELECT hash FROM audit_event WHERE id = ?", (head.head_id,)).fetchone()
    assert row[0] == head.head_hash  # the restored trail goes on from the backup's head


def test_upgrade_from_0006_hashes_and_redacts_old_events(tmp_path: Path) -> None:
    path = tmp_path / "ancienne.sqlite3"
    engine = create_engine(f"sqlite:///{path}")
    migrate.upgrade(engine, "0006")
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO audit_event (at, clerk, action, entity, entity_id, before, after) VALUES "
                 "(:at, 'greffier', 'insert', 'accommodation_request', '7', 'null', :after)"),
            {"at": "2024-01-05 10:00:00.000000",
             "after": json.dumps({"id": 7, "status": "pending", "reason_text": "Je suis dyslexique", "email": "a@b.fr"})},
        )  # fmt: skip
        connection.execute(
            text("INSERT INTO audit_event (at, clerk, action, entity, entity_id, before, after) VALUES "
                 "('2024-01-05 10:00:01.250000', 'greffier', 'update', 'exam', '3', :b, :a)"),
            {"b": json.dumps({"room": "A"}), "a": json.dumps({"room": "B"})},
        )
    engine.dispose()
    database = open_database(path)
    database.dispose()
    report = integrity.check(path)
    assert report.ok, report.problems
    assert report.trail.events >= 2
    with sqlite3.connect(path) as connection:
        first = json.loads(connection.execute("SELECT after FROM audit_event ORDER BY id LIMIT 1").fetchone()[0])
    assert first == {"id": 7, "status": "pending", "reason_text": audit.WITHHELD, "email": audit.WITHHELD}


def test_migration_hash_is_the_program_s() -> None:
    from importlib import util

    spec = util.spec_from_file_location("m0008", migrate.MIGRATIONS / "versions" / "0008_audit_chain.py")
    module = util.module_from_spec(spec)
    spec.loader.exec_module(module)
    args = (trail.GENESIS, dt.datetime(2024, 1, 5, 10, tzinfo=dt.UTC), "g", "insert", "exam", 3, None, {"é": 1.5})
    assert module._hash(*args) == trail.event_hash(*args)
    assert {k: set(v) for k, v in audit.PERSONAL.items()} == module.PERSONAL and module.WITHHELD == audit.WITHHELD


def test_postgres_owner_disabling_the_trigger_is_caught(db: Database) -> None:
    if db.is_sqlite:
        pytest.skip("PostgreSQL seulement")
    _activity(db)
    victim = _ids(db)[3]
    with db.engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only")
        connection.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": victim})
    report = integrity.check(db.url)
    assert not report.ok
    assert report.missing_triggers == ["audit_event_append_only"]
    assert report.trail.broken_id is not None and report.trail.broken_id > victim
    assert any("ne suit pas" in p for p in report.problems)
    reopened = open_database(db.url)
    assert any("remises" in notice for notice in reopened.notices)
    reopened.dispose()
    assert integrity.check(db.url).missing_triggers == []
    with db.transaction(write=False) as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "restore_triggers")) == 1
