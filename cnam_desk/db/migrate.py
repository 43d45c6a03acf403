"""Alembic, driven from the program: a database is created or upgraded when it is opened.

Reading the schema's revision is one query; alembic itself is loaded only when an upgrade is
due or its script folder is asked about (it weighs on every start-up otherwise).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DBAPIError

from cnam_desk.db.locking import WRITE_OPTION, WRITER_LOCK_KEY
from cnam_desk.errors import RefusedInput

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The newest revision in migrations/versions (a test checks it against alembic's own head).
HEAD = "0009"


def alembic_config(engine: Engine | None = None) -> Config:
    from alembic.config import Config  # deferred on purpose: alembic is loaded only when needed

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


def head_revisions() -> tuple[str, ...]:
    return (HEAD,)


def script_heads() -> tuple[str, ...]:
    """The heads alembic finds in the script folder (HEAD must be the one)."""
    from alembic.script import ScriptDirectory  # deferred on purpose: see alembic_config

    return tuple(ScriptDirectory.from_config(alembic_config()).get_heads())


def known_revisions() -> set[str]:
    """Every schema revision this program knows (a backup at one of them can be restored)."""
    from alembic.script import ScriptDirectory  # deferred on purpose: see alembic_config

    return {script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def current_revision(engine: Engine) -> str | None:
    """The schema's revision, None for a database without one; read without taking the write lock."""
    with engine.connect().execution_options(**{WRITE_OPTION: False}) as connection:
        try:
            rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        except DBAPIError:
            connection.rollback()
            return None
        connection.rollback()
    if not rows:
        return None
    return rows[0] if len(rows) == 1 else ",".join(sorted(rows))


def refuse_foreign(engine: Engine) -> None:
    """A database with tables but no schema revision belongs to another program: never add ours to it."""
    with engine.connect().execution_options(**{WRITE_OPTION: False}) as connection:
        tables = sorted(inspect(connection).get_table_names())
        connection.rollback()
    if tables:
        where = engine.url.render_as_string(hide_password=True)
        if engine.dialect.name == "sqlite":
            where = engine.url.database or where
        shown = ", ".join(tables[:5]) + (" …" if len(tables) > 5 else "")
        raise RefusedInput(
            f"La base « {where} » n'est pas une base Cnam Desk : elle contient déjà les tables d'un autre "
            f"programme ({shown}). Rien n'y a été ajouté ; choisissez un autre fichier ou une base vide."
        )


def needs_upgrade(engine: Engine) -> bool:
    return current_revision(engine) not in head_revisions()


def upgrade(
    engine: Engine, revision: str = "head", *, before_upgrade: Callable[[Engine], object] | None = None
) -> bool:
    """Bring the schema to `revision`; True when the database was empty before.

    `before_upgrade` is called with the engine before an existing database's schema changes
    (the caller keeps a backup there).
    """
    before = current_revision(engine)
    if before is not None and before in head_revisions() and revision == "head":
        return False
    if before is None:
        refuse_foreign(engine)
    if before is not None and before_upgrade is not None:
        before_upgrade(engine)
    from alembic import command  # deferred on purpose: see alembic_config

    config = alembic_config(engine)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Two workstations opening a new server database at once: the second waits, then finds it done.
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITER_LOCK_KEY})")
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    return before is None
