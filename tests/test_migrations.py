"""The schema: migrations reach one head, match the models, and create a usable database."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from cnam_desk.database import open_database
from cnam_desk.db import migrate
from cnam_desk.db.engine import Database, make_engine
from cnam_desk.db.models import Base
from tests.conftest import POSTGRES_URL, reset_postgres


def test_one_head_and_the_program_knows_it() -> None:
    """The scripts reach one head, and it is the HEAD the program compares with at each opening."""
    assert migrate.script_heads() == migrate.head_revisions() == (migrate.HEAD,)


def test_empty_database_upgrades_to_head_and_matches_models(tmp_path) -> None:
    url = POSTGRES_URL or f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    if POSTGRES_URL:
        reset_postgres(url)
    engine = make_engine(url)
    assert migrate.upgrade(engine) is True
    assert migrate.current_revision(engine) in migrate.head_revisions()
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)
    assert diff == []
    assert migrate.upgrade(engine) is False  # already at head: nothing to do
    engine.dispose()


def test_opening_creates_default_calendar(db: Database) -> None:
    with db.transaction() as s:
        count = s.execute(text("select count(*) from exam_session")).scalar_one()
    assert count == 4


def test_sqlite_connection_settings(db: Database) -> None:
    if not db.is_sqlite:
        return
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_audit_trail_is_append_only(db: Database) -> None:
    with db.transaction() as s:
        assert s.execute(text("select count(*) from audit_event")).scalar_one() > 0
    for statement in ("update audit_event set clerk = 'x'", "delete from audit_event"):
        try:
            with db.transaction() as s:
                s.execute(text(statement))
        except DBAPIError as error:
            assert "append-only" in str(error)
        else:
            raise AssertionError(f"the database accepted: {statement}")


def test_reopening_keeps_data(database_url: str) -> None:
    first = open_database(database_url)
    first.dispose()
    again = open_database(database_url)
    with again.transaction() as s:
        assert s.execute(text("select count(*) from exam_session")).scalar_one() == 4
    again.dispose()
