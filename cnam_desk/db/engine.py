"""Opening a database: engine set-up, schema creation or upgrade, short transactions."""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from cnam_desk.db import audit

SQLITE_BUSY_TIMEOUT_MS = 15_000


def database_url(target: str | os.PathLike[str]) -> str:
    """A file path or an SQLAlchemy URL, as the clerk gives it, as a URL."""
    text = os.fspath(target)
    if "://" in text:
        return text
    return f"sqlite:///{Path(text).expanduser().resolve()}"


def current_clerk() -> str:
    """The clerk named in the settings, else the operating-system user."""
    from cnam_desk import settings

    return settings.workstation().get("clerk") or os.environ.get("CNAM_DESK_CLERK") or _os_user()


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "inconnu"


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        # Let SQLAlchemy, not the driver, decide where transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):  # type: ignore[no-untyped-def]
        # In WAL mode a read transaction that later writes fails at once with BUSY;
        # taking the write lock at the start makes a second clerk wait instead.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        kwargs: dict[str, object] = {"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}}
        if parsed.database in (None, "", ":memory:"):
            from sqlalchemy.pool import StaticPool

            kwargs["poolclass"] = StaticPool
            kwargs["connect_args"] = {"check_same_thread": False}
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


class Database:
    """One database and the clerk working on it; every service call opens a short transaction."""

    def __init__(self, engine: Engine, clerk: str | None = None):
        self.engine = engine
        self.clerk = clerk or current_clerk()
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        audit.install(self._sessions)

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A unit of work: committed whole at the end, rolled back whole on any error."""
        with self._sessions() as session:
            session.info["clerk"] = self.clerk
            with session.begin():
                yield session

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(target: str | os.PathLike[str], *, clerk: str | None = None, seed: bool = True) -> Database:
    """Open (creating or upgrading it) the database at a path or URL."""
    from cnam_desk.db import migrate

    url = database_url(target)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    created = migrate.upgrade(engine)
    database = Database(engine, clerk)
    register_clerk(database)
    if created and seed:
        from cnam_desk import exam_calendar

        exam_calendar.install_default_calendar(database)
    return database


def register_clerk(db: Database) -> None:
    """Keep the office's list of clerks: the first time a clerk opens the database, they are added."""
    import datetime as dt

    from sqlalchemy import select

    from cnam_desk.db.models import Clerk

    with db.transaction() as s:
        if s.scalar(select(Clerk.id).where(Clerk.login == db.clerk)) is None:
            s.add(Clerk(login=db.clerk, display_name=db.clerk, first_seen=dt.datetime.now(dt.UTC)))


def table_names(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())

