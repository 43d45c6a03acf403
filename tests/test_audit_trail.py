"""The audit trail cannot be edited or deleted: not through the program, not through the ORM, not in SQL."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from cnam_desk.database import Database
from cnam_desk.db.models import AuditEvent

ROOT = Path(__file__).resolve().parent.parent


def _refused(db: Database, work) -> None:  # noqa: ANN001
    with pytest.raises(DBAPIError) as refused:
        with db.transaction() as s:
            work(s)
    assert "append-only" in str(refused.value)


def _events(db: Database) -> list[tuple]:
    with db.transaction(write=False) as s:
        return [tuple(row) for row in s.execute(select(AuditEvent.id, AuditEvent.clerk, AuditEvent.after)).all()]


def test_orm_cannot_edit_an_event(db: Database) -> None:
    before = _events(db)

    def edit(s) -> None:  # noqa: ANN001
        event = s.scalars(select(AuditEvent).order_by(AuditEvent.id)).first()
        event.clerk = "quelqu'un d'autre"
        s.flush()

    _refused(db, edit)
    assert _events(db) == before


def test_orm_cannot_delete_an_event(db: Database) -> None:
    before = _events(db)

    def remove(s) -> None:  # noqa: ANN001
        s.delete(s.scalars(select(AuditEvent)).first())
        s.flush()

    _refused(db, remove)
    assert _events(db) == before


@pytest.mark.parametrize(
    "statement",
    [
        update(AuditEvent).values(clerk="x"),
        delete(AuditEvent),
        delete(AuditEvent).where(AuditEvent.id == 1),
    ],
    ids=["update", "delete all", "delete one"],
)
def test_core_statements_are_refused(db: Database, statement) -> None:  # noqa: ANN001
    before = _events(db)
    _refused(db, lambda s: s.execute(statement))
    assert _events(db) == before


def test_replacing_an_event_is_refused(db: Database) -> None:
    before = _events(db)
    if db.is_sqlite:
        sql = "INSERT OR REPLACE INTO audit_event (id, at, clerk, action, entity) VALUES (1, '2024-01-01', 'x', 'x', 'x')"
    else:
        sql = (
            "INSERT INTO audit_event (id, at, clerk, action, entity) VALUES (1, now(), 'x', 'x', 'x') "
            "ON CONFLICT (id) DO UPDATE SET clerk = 'x'"
        )
    _refused(db, lambda s: s.execute(text(sql)))
    assert _events(db) == before


def test_truncate_is_refused_on_postgres(db: Database) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite n'a pas de TRUNCATE")
    before = _events(db)
    _refused(db, lambda s: s.execute(text("TRUNCATE audit_event")))
    assert _events(db) == before


def test_adding_events_still_works(db: Database) -> None:
    from cnam_desk.db import audit

    count = len(_events(db))
    with db.transaction() as s:
        audit.record(s, "import", "exam", None, None, {"added": 3})
    assert len(_events(db)) == count + 1


def test_no_code_of_the_program_edits_the_audit_trail() -> None:
    """The program has no path that updates or deletes an event (the database would refuse it anyway)."""
    patterns = [
        re.compile(r"(update|delete)\(\s*AuditEvent\b"),
        re.compile(r"(?i)\b(update|delete\s+from|truncate)\s+audit_event\b"),
    ]
    offenders = []
    for file in (ROOT / "cnam_desk").rglob("*.py"):
        if "migrations" in file.parts:
            continue
        source = file.read_text(encoding="utf-8")
        offenders += [f"{file.relative_to(ROOT)}: {m.group(0)}" for p in patterns for m in p.finditer(source)]
    assert offenders == []


def test_revision_0006_from_0005_with_events_in_it(tmp_path: Path) -> None:
    from cnam_desk.db import migrate
    from cnam_desk.db.engine import make_engine
    from tests.conftest import POSTGRES_URL, reset_postgres

    url = POSTGRES_URL or f"sqlite:///{tmp_path / 'ancienne.sqlite3'}"
    if POSTGRES_URL:
        reset_postgres(url)
    engine = make_engine(url)
    migrate.upgrade(engine, "0005")
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO audit_event (at, clerk, action, entity) VALUES (:at, 'greffier', 'insert', 'exam')"),
            {"at": "2024-01-01 10:00:00"},
        )
    migrate.upgrade(engine)
    db = Database(engine, "greffier")
    assert len(_events(db)) == 1
    _refused(db, lambda s: s.execute(text("DELETE FROM audit_event")))
    from alembic import command

    config = migrate.alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0005")
    assert migrate.current_revision(engine) == "0005"
    engine.dispose()
