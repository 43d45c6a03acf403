"""Opening a database: engine set-up, schema creation or upgrade, short transactions.

This layer knows no feature: what a new database is seeded with, the backup taken before an
upgrade and the derived data kept in step (followers) are handed over by the caller
(`cnam_desk.database`).
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.pool import StaticPool

from cnam_desk import settings
from cnam_desk.db import audit, migrate, trail
from cnam_desk.db.locking import WRITE_OPTION, WRITER_LOCK_KEY
from cnam_desk.db.models import Clerk, ExamSession
from cnam_desk.errors import DatabaseBusy, EditConflict, RefusedInput

# Derived data kept in step, in the same transaction, with a session's schedule, deadline or
# enrolments (the requests' checks follow them): each is called with the open session and
# the exam session that changed. See `session_changed`.
Follower = Callable[[Session, ExamSession], object]

SQLITE_BUSY_TIMEOUT_MS = 15_000
# How long a transaction waits, in all, for another workstation's write to finish.
BUSY_GIVE_UP_SECONDS = 120.0

BUSY_MESSAGE = (
    "La base de données est occupée par un autre poste depuis plus de {seconds} secondes ; "
    "rien n'a été enregistré. Réessayez dans un instant."
)
CONFLICT_MESSAGE = (
    "Un autre poste a modifié les mêmes données au même moment ; rien n'a été enregistré. "
    "Rechargez puis recommencez."
)


def busy_message(waited: float) -> str:
    """The refusal after waiting for another workstation, with the time really waited."""
    return BUSY_MESSAGE.format(seconds=max(int(waited), 1))


def is_busy(error: BaseException) -> bool:
    """SQLite's "database is locked" or PostgreSQL's lock timeout: another writer holds the database."""
    original = getattr(error, "orig", error)
    code = getattr(original, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (5, 6)  # SQLITE_BUSY, SQLITE_LOCKED
    if getattr(original, "sqlstate", None) in ("55P03", "40001", "40P01"):
        return True
    text = str(original).lower()
    return "database is locked" in text or "database table is locked" in text


def database_url(target: str | os.PathLike[str]) -> str:
    """A file path or an SQLAlchemy URL, as the clerk gives it, as a URL."""
    text = os.fspath(target)
    if "://" in text:
        return text
    return f"sqlite:///{Path(text).expanduser().resolve()}"


def current_clerk() -> str:
    """The clerk named in the settings, else the operating-system user."""
    return settings.workstation().get("clerk") or os.environ.get("CNAM_DESK_CLERK") or _os_user()


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "inconnu"


def _configure_sqlite(engine: Engine, read_only: bool = False) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        # Let SQLAlchemy, not the driver, decide where transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        # What is deleted or overwritten is zeroed in the file, not left in its free space.
        cursor.execute("PRAGMA secure_delete = ON")
        if engine.url.database not in (None, "", ":memory:") and not read_only:
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):  # type: ignore[no-untyped-def]
        # In WAL mode a read transaction that later writes fails at once with BUSY;
        # taking the write lock at the start makes a second clerk wait instead.
        # Transactions declared read-only take no lock: WAL readers never wait.
        if connection.get_execution_options().get(WRITE_OPTION, True):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


SUPPORTED_DATABASES = (
    "un fichier SQLite (un chemin, ou sqlite:///chemin) ou un serveur PostgreSQL "
    "(postgresql+psycopg://utilisateur@serveur/base)"
)


def parse_url(url: str) -> URL:
    """The URL of a database this program works with, or a French refusal naming the supported ones."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise RefusedInput(f"Adresse de base de données « {url} » illisible : indiquez {SUPPORTED_DATABASES}.") from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise RefusedInput(
            f"Les bases « {backend} » ne sont pas prises en charge : Cnam Desk fonctionne avec {SUPPORTED_DATABASES}."
        )
    return parsed


def make_engine(url: str) -> Engine:
    parsed = parse_url(url)
    try:
        return _make_engine(url, parsed)
    except (ImportError, NoSuchModuleError):
        raise RefusedInput(
            f"Le pilote de base de données « {parsed.drivername} » n'est pas disponible sur ce poste : "
            f"indiquez {SUPPORTED_DATABASES}."
        ) from None


READ_ONLY_MESSAGE = (
    "La base « {where} » est sur un support en lecture seule : elle peut être consultée, mais rien n'y est "
    "enregistré. Copiez-la sur un disque accessible en écriture pour la modifier."
)


# Engines nothing may be written through, and what the clerk is told: a read-only medium, a damaged file.
_WRITE_REFUSALS: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()


def refuse_writes(engine: Engine, message: str) -> None:
    """From now on, everything can be read through this engine and any write is refused with `message`.

    SQLite connections are also made query_only, so that no statement, ORM or not, writes a byte.
    """
    _WRITE_REFUSALS[engine] = message
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def query_only(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            dbapi_connection.execute("PRAGMA query_only = ON")

        engine.dispose()  # connections opened before are closed: the next ones are query_only


def read_only_medium(path: str | os.PathLike[str]) -> bool:
    """A database file on a medium mounted read-only (a locked USB key, a read-only share, a CD)."""
    try:
        return bool(os.statvfs(Path(path).parent).f_flag & os.ST_RDONLY) and Path(path).exists()
    except OSError:
        return False


def read_uri(path: str | os.PathLike[str]) -> str:
    """The URI that opens a SQLite file for reading only, also on a read-only medium.

    immutable there: nobody can change the file on such a medium, so SQLite needs no lock and no
    -shm file beside it (which it could not create): the WAL database is read as it is.
    """
    return Path(path).resolve().as_uri() + ("?mode=ro&immutable=1" if read_only_medium(path) else "?mode=ro")


def _read_only_connect(path: str):  # type: ignore[no-untyped-def]
    uri = read_uri(path)
    return lambda: sqlite3.connect(uri, uri=True, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000, check_same_thread=False)


def _make_engine(url: str, parsed: URL) -> Engine:
    if parsed.get_backend_name() == "sqlite":
        # hide_parameters: an error message never carries the values (grades, names) it was writing.
        kwargs: dict[str, object] = {
            "connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            "hide_parameters": True,
        }
        read_only = False
        if parsed.database in (None, "", ":memory:"):
            kwargs["poolclass"] = StaticPool
            kwargs["connect_args"] = {"check_same_thread": False}
        elif read_only_medium(parsed.database):
            read_only = True
            kwargs = {"creator": _read_only_connect(parsed.database), "hide_parameters": True}
        engine = create_engine(url, **kwargs)
        if read_only:
            _WRITE_REFUSALS[engine] = READ_ONLY_MESSAGE.format(where=parsed.database)
        _configure_sqlite(engine, read_only)
        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


class Database:
    """One database and the clerk working on it; every service call opens a short transaction."""

    def __init__(self, engine: Engine, clerk: str | None = None, *, followers: Sequence[Follower] = ()):
        self.engine = engine
        self.clerk = clerk or current_clerk()
        self.followers = tuple(followers)
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        audit.install(self._sessions)
        event.listen(self._sessions, "before_flush", self._refuse_changes)
        self._open = threading.local()  # the unit of work open in this thread, if any
        # What the opening found and did that the clerk must be told (French lines).
        self.notices: list[str] = []

    def _refuse_changes(self, session: Session, _context: object, _instances: object) -> None:
        refusal = self.write_refusal
        if refusal is not None and (session.new or session.dirty or session.deleted):
            raise RefusedInput(refusal)

    def as_clerk(self, clerk: str) -> Database:
        """The same database, with another clerk's name on what is done through it."""
        return type(self)(self.engine, clerk, followers=self.followers)

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def write_refusal(self) -> str | None:
        """Why nothing can be written (a read-only medium, a damaged file), None when writing is allowed."""
        return _WRITE_REFUSALS.get(self.engine)

    @property
    def read_only(self) -> bool:
        """Everything can be read, nothing written (see write_refusal)."""
        return self.write_refusal is not None

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Session]:
        """A unit of work: committed whole at the end, rolled back whole on any error.

        A write transaction holds the database's write lock from its first line, so two
        workstations never interleave their changes; `write=False` is for reading only
        (it never waits for a writer). Waiting for another workstation is retried for up to
        BUSY_GIVE_UP_SECONDS, then refused with a French message: the clerk never sees
        "database is locked".

        A service called inside another's transaction (same thread) joins it: one unit of
        work, committed or rolled back whole by the outermost caller.
        """
        outer = getattr(self._open, "unit", None)
        if outer is not None:
            session, outer_writes = outer
            if write and not outer_writes:
                raise RuntimeError("a write cannot join a read-only transaction")
            yield session
            return
        started = time.monotonic()
        # On a read-only medium, read as a reader does; the first change is refused (_refuse_changes).
        session, transaction = self._begin(write and not self.read_only)
        self._open.unit = (session, write)
        with session:
            try:
                yield session
                transaction.commit()
            except StaleDataError as error:
                transaction.rollback()
                raise EditConflict(CONFLICT_MESSAGE) from error
            except OperationalError as error:
                transaction.rollback()
                if is_busy(error):
                    raise DatabaseBusy(busy_message(time.monotonic() - started)) from error
                if self.read_only:
                    raise RefusedInput(self.write_refusal or "") from error
                raise
            except BaseException:
                transaction.rollback()
                raise
            finally:
                self._open.unit = None

    def _begin(self, write: bool) -> tuple[Session, SessionTransaction]:
        """Start a transaction and take its locks now, before any work is done, so waiting can be retried."""
        give_up = time.monotonic() + BUSY_GIVE_UP_SECONDS
        pause = 0.05
        while True:
            session = self._sessions()
            session.info["clerk"] = self.clerk
            session.info["followers"] = self.followers
            transaction = session.begin()
            try:
                connection = session.connection(execution_options={WRITE_OPTION: write})
                if connection.dialect.name == "postgresql":
                    if write:
                        connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{int(BUSY_GIVE_UP_SECONDS)}s'")
                        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITER_LOCK_KEY})")
                    else:
                        connection.exec_driver_sql("SET TRANSACTION READ ONLY")
                return session, transaction
            except DBAPIError as error:
                session.close()
                if not is_busy(error):
                    raise
                if time.monotonic() >= give_up:
                    raise DatabaseBusy(busy_message(time.monotonic() - give_up + BUSY_GIVE_UP_SECONDS)) from error
                time.sleep(pause)
                pause = min(pause * 2, 1.0)

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(
    target: str | os.PathLike[str],
    *,
    clerk: str | None = None,
    followers: Sequence[Follower] = (),
    before_upgrade: Callable[[Engine], object] | None = None,
    seed: Callable[[Database, bool], object] | None = None,
    factory: type[Database] | None = None,
    write_refusal: str | None = None,
) -> Database:
    """Open (creating or upgrading it) the database at a path or URL.

    `before_upgrade(engine)` runs before an existing schema is upgraded; `seed(database, created)`
    after the opening, `created` telling a database that was empty; `factory` is the Database
    class to make (a subclass of the caller's). With `write_refusal` (a damaged file), the
    database is opened for reading only, and every write is refused with that message.
    """
    url = database_url(target)
    parsed = parse_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    if write_refusal is not None:
        refuse_writes(engine, write_refusal)
    refusal = _WRITE_REFUSALS.get(engine)
    if refusal is not None and migrate.needs_upgrade(engine):
        raise RefusedInput(refusal)
    created = migrate.upgrade(engine, before_upgrade=before_upgrade)
    notices = trail.restore_triggers(engine)
    database = (factory or Database)(engine, clerk, followers=followers)
    database.notices = notices
    register_clerk(database)
    if seed is not None:
        seed(database, created)
    return database


def session_changed(s: Session, session: ExamSession) -> None:
    """Tell the followers of the open transaction that a session's schedule, deadline or enrolments changed."""
    for follow in s.info.get("followers", ()):
        follow(s, session)


def register_clerk(db: Database) -> None:
    """Keep the office's list of clerks: the first time a clerk opens the database, they are added.

    Looked up first without the write lock: a known clerk opens a read-only database to read it.
    """
    if db.read_only:
        return
    # The table's columns, not the entity's: a short command by a known clerk never configures
    # the ORM's mappers (their set-up costs more than the command's own query).
    clerks = Clerk.__table__
    known = select(clerks.c.id).where(clerks.c.login == db.clerk)
    with db.transaction(write=False) as s:
        if s.scalar(known) is not None:
            return
    with db.transaction() as s:
        if s.scalar(known) is None:
            s.add(Clerk(login=db.clerk, display_name=db.clerk, first_seen=dt.datetime.now(dt.UTC)))


def table_names(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())

