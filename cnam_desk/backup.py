"""Backups of a SQLite database, always through SQLite's online backup (never a file copy).

Where: one folder per database under the data folder's `backups/`.
When: at most once a day when the window opens (`daily`), before every schema upgrade, before
every restore, and on demand (`cnam-desk backup --out FILE`).
How many: the 7 most recent daily backups, then the newest of each of the 4 weeks before them;
the 5 most recent of those made before an upgrade and before a restore. A damaged database
set aside by a restore is never deleted by the program.
PostgreSQL databases are backed up with the server's own tools (pg_dump).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from cnam_desk import paths
from cnam_desk.db import migrate
from cnam_desk.db.engine import database_url
from cnam_desk.errors import DamagedDatabase, RefusedInput

DAILY_KEPT = 7
WEEKLY_KEPT = 4
BEFORE_UPGRADE_KEPT = 5
BEFORE_RESTORE_KEPT = 5
SUFFIX = ".sqlite3"

DAILY = "quotidienne"
BEFORE_UPGRADE = "avant-mise-a-jour"
BEFORE_RESTORE = "avant-restauration"
MANUAL = "manuelle"
DAMAGED = "endommagee"
KINDS = (DAILY, BEFORE_UPGRADE, BEFORE_RESTORE, MANUAL, DAMAGED)
KIND_LABELS = {
    DAILY: "quotidienne",
    BEFORE_UPGRADE: "avant mise à jour",
    BEFORE_RESTORE: "avant restauration",
    MANUAL: "manuelle",
    DAMAGED: "base endommagée mise de côté",
}

POSTGRES_MESSAGE = (
    "Base PostgreSQL : la sauvegarde et la restauration se font avec les outils du serveur "
    "(pg_dump pour sauvegarder, pg_restore ou psql pour restaurer), voir la section PostgreSQL du README."
)

log = logging.getLogger("cnam_desk.backup")


# --- which file --------------------------------------------------------------------------


def sqlite_file(engine: Engine) -> Path | None:
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if database in (None, "", ":memory:"):
        return None
    return Path(database)


def sqlite_path(target: str | os.PathLike[str]) -> Path | None:
    """The SQLite file a path or URL names, without opening it; None for a server database."""
    url = make_url(database_url(target))
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def require_sqlite(target: str | os.PathLike[str]) -> Path:
    path = sqlite_path(target)
    if path is None:
        raise RefusedInput(POSTGRES_MESSAGE)
    return path


def backup_folder(database: Path) -> Path:
    """One folder per database, so two databases with the same file name never mix their backups."""
    resolved = database.expanduser().resolve()
    digest = hashlib.sha1(str(resolved).encode("utf-8")).hexdigest()[:8]
    folder = paths.backup_dir() / f"{resolved.stem}-{digest}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _uri(path: Path, mode: str = "ro") -> str:
    return f"{path.resolve().as_uri()}?mode={mode}"


# --- making a backup ---------------------------------------------------------------------


def backup_file(source: Path, target: Path, *, verify: bool = True) -> Path:
    """Copy a live database consistently, even while another clerk writes to it.

    The copy is checked (PRAGMA quick_check) before it takes its final name, so a damaged
    database never pushes a good backup out of the rotation. The copy is a single file
    (rollback journal, not WAL), readable on its own.
    """
    if not source.exists():
        raise RefusedInput(f"La base « {source} » n'existe pas.")
    if target.exists() and target.resolve() == source.resolve():
        raise RefusedInput(f"La sauvegarde ne peut pas remplacer la base elle-même (« {target} »).")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    try:
        try:
            src = sqlite3.connect(_uri(source), uri=True, timeout=30)
        except sqlite3.Error as error:
            raise DamagedDatabase(damaged_message(source, error)) from error
        try:
            dst = sqlite3.connect(partial)
            try:
                # One step (pages=-1): the copy is a single read snapshot; writers are not held up (WAL).
                src.backup(dst)
                dst.execute("PRAGMA journal_mode = DELETE")
                if verify:
                    result = [row[0] for row in dst.execute("PRAGMA quick_check")]
                    if result != ["ok"]:
                        raise DamagedDatabase(damaged_message(source, "; ".join(result[:3])))
            finally:
                dst.close()
        except sqlite3.DatabaseError as error:
            if is_damage(error):
                raise DamagedDatabase(damaged_message(source, error)) from error
            raise RefusedInput(f"Sauvegarde impossible vers « {target} » : {error}.") from error
        finally:
            src.close()
        partial.replace(target)
    finally:
        for leftover in (partial, partial.with_name(partial.name + "-journal")):
            leftover.unlink(missing_ok=True)
    return target


def is_damage(error: BaseException) -> bool:
    """SQLITE_CORRUPT or SQLITE_NOTADB: the file itself is bad (not a full disk, not a lock)."""
    original = getattr(error, "orig", error)
    code = getattr(original, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (11, 26)
    text = str(original).lower()
    return "malformed" in text or "not a database" in text


def damaged_message(database: Path, detail: object) -> str:
    """What the clerk reads about a damaged database: what, where, and how to get back to work."""
    latest = latest_backup(database)
    offer = (
        f"La dernière sauvegarde est « {latest} » ; pour la restaurer : cnam-desk restore \"{latest}\"."
        if latest is not None
        else "Aucune sauvegarde n'a été trouvée pour cette base."
    )
    return f"La base « {database} » est endommagée ou n'est pas une base Cnam Desk ({in_french(detail)}). {offer}"


SQLITE_WORDS = {
    "file is not a database": "ce n'est pas un fichier de base de données",
    "file is encrypted or is not a database": "ce n'est pas un fichier de base de données",
    "database disk image is malformed": "fichier abîmé",
}


def in_french(detail: object) -> str:
    text = str(detail)
    for english, french in SQLITE_WORDS.items():
        text = text.replace(english, french)
    return text


def _stamp(now: dt.datetime | None = None) -> str:
    return (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")


def _named(database: Path, kind: str, label: str) -> Path:
    return backup_folder(database) / f"{database.stem}-{kind}-{label}{SUFFIX}"


def _new(database: Path, kind: str) -> Path:
    """A name for a time-stamped backup that never replaces another one made the same second."""
    label = _stamp()
    target = _named(database, kind, label)
    number = 2
    while target.exists():
        target = _named(database, kind, f"{label}-{number}")
        number += 1
    return target


def daily(database: Path, today: dt.date | None = None) -> Path | None:
    """Today's backup, made when the window opens; None when there is already one today."""
    today = today or dt.date.today()
    target = _named(database, DAILY, today.isoformat())
    if target.exists() or not database.exists():
        return None
    backup_file(database, target)
    rotate(database, today)
    return target


def before_upgrade(engine: Engine) -> Path | None:
    """Keep the database as it was before a schema upgrade."""
    source = sqlite_file(engine)
    if source is None or not source.exists():
        return None
    target = backup_file(source, _new(source, BEFORE_UPGRADE))
    rotate(source)
    return target


def manual(database: Path, out: Path) -> Path:
    """`cnam-desk backup --out FILE` and Fichier > Sauvegarder la base."""
    return backup_file(database, out)


# --- the backups of a database -------------------------------------------------------------


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    kind: str
    made_at: dt.datetime  # local time, from the file's modification time
    size: int

    @property
    def label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    def as_json(self) -> dict[str, object]:
        return {
            "path": str(self.path),
            "kind": self.kind,
            "made_at": self.made_at.astimezone().isoformat(timespec="seconds"),
            "size": self.size,
        }


def _kind(database: Path, file: Path) -> str | None:
    prefix = f"{database.stem}-"
    if not file.name.startswith(prefix) or not file.name.endswith(SUFFIX):
        return None
    rest = file.name[len(prefix) :]
    for kind in KINDS:
        if rest.startswith(kind + "-"):
            return kind
    return None


def list_backups(database: Path, *, include_damaged: bool = False) -> list[BackupInfo]:
    """The automatic backups of a database, newest first."""
    folder = backup_folder(database)
    found = []
    for file in folder.iterdir():
        kind = _kind(database, file)
        if kind is None or (kind == DAMAGED and not include_damaged):
            continue
        try:
            stat = file.stat()
        except OSError:
            continue
        found.append(BackupInfo(file, kind, dt.datetime.fromtimestamp(stat.st_mtime).astimezone(), stat.st_size))
    return sorted(found, key=lambda info: (info.made_at, info.path.name), reverse=True)


def latest_backup(database: Path) -> Path | None:
    backups = list_backups(database)
    return backups[0].path if backups else None


def rotate(database: Path, today: dt.date | None = None) -> list[Path]:
    """Apply the rotation to a database's backups; returns the files removed."""
    today = today or dt.date.today()
    folder = backup_folder(database)
    removed: list[Path] = []
    # A backup killed half-way leaves a .partial file; an hour old, nobody is writing it any more.
    for leftover in folder.glob("*.partial"):
        try:
            if time.time() - leftover.stat().st_mtime > 3600:
                leftover.unlink()
                removed.append(leftover)
        except OSError:
            pass
    backups = list_backups(database)
    dailies = sorted(
        (info for info in backups if info.kind == DAILY), key=lambda info: info.path.name, reverse=True
    )
    keep = {info.path for info in dailies[:DAILY_KEPT]}
    weeks: list[tuple[int, int]] = []
    for info in dailies[DAILY_KEPT:]:
        try:
            day = dt.date.fromisoformat(info.path.stem.rsplit(f"{DAILY}-", 1)[1])
        except (IndexError, ValueError):
            continue
        week = day.isocalendar()[:2]
        if week not in weeks and len(weeks) < WEEKLY_KEPT and day <= today:
            weeks.append(week)
            keep.add(info.path)
    doomed = [info.path for info in dailies if info.path not in keep]
    for kind, kept in ((BEFORE_UPGRADE, BEFORE_UPGRADE_KEPT), (BEFORE_RESTORE, BEFORE_RESTORE_KEPT)):
        doomed += [info.path for info in backups if info.kind == kind][kept:]  # newest first
    for path in doomed:
        try:
            path.unlink()
            removed.append(path)
        except OSError as error:
            log.warning("sauvegarde non supprimée (%s) : %s", type(error).__name__, path.name)
    return removed


# --- restoring ---------------------------------------------------------------------------


def inspect_backup(file: Path) -> str:
    """Check that a file is a sound Cnam Desk database at a known schema revision; return the revision."""
    if not file.is_file():
        raise RefusedInput(f"Le fichier « {file} » n'existe pas.")
    with file.open("rb") as handle:
        header = handle.read(16)
    if header != b"SQLite format 3\x00":
        raise RefusedInput(f"Le fichier « {file} » n'est pas une sauvegarde Cnam Desk (ce n'est pas une base SQLite).")
    try:
        connection = sqlite3.connect(_uri(file), uri=True)
        try:
            check = [row[0] for row in connection.execute("PRAGMA quick_check")]
            if check != ["ok"]:
                raise RefusedInput(f"La sauvegarde « {file} » est endommagée : {'; '.join(check[:3])}.")
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "alembic_version" not in tables or "audit_event" not in tables:
                raise RefusedInput(f"Le fichier « {file} » est une base SQLite mais pas une base Cnam Desk.")
            revisions = [row[0] for row in connection.execute("SELECT version_num FROM alembic_version")]
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise RefusedInput(f"La sauvegarde « {file} » est illisible ou endommagée ({error}).") from error
    known = migrate.known_revisions()
    if len(revisions) != 1 or revisions[0] not in known:
        raise RefusedInput(
            f"La sauvegarde « {file} » a été faite par une version de Cnam Desk que ce programme ne connaît pas "
            f"(schéma {', '.join(revisions) or 'inconnu'}) : mettez le programme à jour avant de la restaurer."
        )
    return revisions[0]


@dataclass(frozen=True)
class RestoreReport:
    database: Path
    restored_from: Path
    revision: str
    safety_copy: Path | None  # the database as it was just before the restore
    set_aside: Path | None  # the damaged database, when it could not be copied

    def as_json(self) -> dict[str, object]:
        return {
            "database": str(self.database),
            "restored_from": str(self.restored_from),
            "revision": self.revision,
            "safety_copy": None if self.safety_copy is None else str(self.safety_copy),
            "set_aside": None if self.set_aside is None else str(self.set_aside),
        }


def restore(database: Path, file: Path) -> RestoreReport:
    """Put a backup in place of the database, with SQLite's backup API, after keeping the current one.

    The copy is one write transaction on the database: if the program is stopped half-way, the
    database is left as it was. A database too damaged to be copied is moved aside instead
    (it is not in use: nothing can read it).
    """
    revision = inspect_backup(file)
    if database.exists() and file.resolve() == database.resolve():
        raise RefusedInput("On ne peut pas restaurer une base à partir d'elle-même.")
    safety_copy: Path | None = None
    set_aside: Path | None = None
    if database.exists():
        try:
            safety_copy = backup_file(database, _new(database, BEFORE_RESTORE))
        except DamagedDatabase:
            set_aside = _new(database, DAMAGED)
            for suffix in ("", "-wal", "-shm", "-journal"):
                companion = database.with_name(database.name + suffix)
                if companion.exists():
                    companion.replace(set_aside.with_name(set_aside.name + suffix))
    database.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(_uri(file), uri=True)
    try:
        dst = sqlite3.connect(database, timeout=30)
        try:
            dst.execute("PRAGMA busy_timeout = 30000")
            src.backup(dst)
            dst.execute("PRAGMA journal_mode = WAL")
            check = [row[0] for row in dst.execute("PRAGMA quick_check")]
        finally:
            dst.close()
    except sqlite3.OperationalError as error:
        raise RefusedInput(
            f"La base « {database} » est en cours d'utilisation par un autre programme : fermez-le puis "
            f"recommencez la restauration ({error})."
        ) from error
    finally:
        src.close()
    if check != ["ok"]:
        raise DamagedDatabase(damaged_message(database, "; ".join(check[:3])))
    rotate(database)
    return RestoreReport(database, file, revision, safety_copy, set_aside)
