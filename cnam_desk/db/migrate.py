"""Alembic, driven from the program: a database is created or upgraded when it is opened."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(engine: Engine | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


def head_revisions() -> tuple[str, ...]:
    return tuple(ScriptDirectory.from_config(alembic_config()).get_heads())


def known_revisions() -> set[str]:
    """Every schema revision this program knows (a backup at one of them can be restored)."""
    return {script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def needs_upgrade(engine: Engine) -> bool:
    return current_revision(engine) not in head_revisions()


def upgrade(engine: Engine, revision: str = "head") -> bool:
    """Bring the schema to `revision`; True when the database was empty before."""
    before = current_revision(engine)
    if before is not None and before in head_revisions() and revision == "head":
        return False
    if before is not None:
        from cnam_desk import backup

        backup.before_upgrade(engine)
    config = alembic_config(engine)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Two workstations opening a new server database at once: the second waits, then finds it done.
            from cnam_desk.db.engine import WRITER_LOCK_KEY

            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITER_LOCK_KEY})")
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    return before is None
