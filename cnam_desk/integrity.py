"""Is the database sound? `cnam-desk check`, the quick check at start, and database errors in French."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from cnam_desk import backup, outputs
from cnam_desk.db import migrate, trail
from cnam_desk.db.engine import BUSY_GIVE_UP_SECONDS, busy_message, is_busy, read_uri
from cnam_desk.db.models import Base
from cnam_desk.errors import DamagedDatabase, RefusedInput

# integrity_check stops after this many problems: enough to tell the clerk, bounded on a wrecked file.
MAX_PROBLEMS = 20


@dataclass
class CheckReport:
    backend: str
    database: str
    revision: str | None = None
    expected_revision: str | None = None
    integrity: list[str] = field(default_factory=list)
    foreign_keys: list[dict[str, object]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    trail: trail.ChainReport | None = None
    missing_triggers: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "backend": self.backend,
            "database": self.database,
            "revision": self.revision,
            "expected_revision": self.expected_revision,
            "integrity": self.integrity,
            "foreign_keys": self.foreign_keys,
            "problems": self.problems,
            "audit_trail": None if self.trail is None else self.trail.as_json(),
            "missing_triggers": self.missing_triggers,
        }

    def add_trail(self, chain: trail.ChainReport, missing: list[str]) -> None:
        """The audit trail's chain and its append-only triggers."""
        self.trail, self.missing_triggers = chain, missing
        if missing:
            self.problems.append(
                f"protections du journal d'audit absentes ou désactivées : {', '.join(missing)} "
                "(le programme les remet à la prochaine ouverture)"
            )
        if chain.problem is not None:
            self.problems.append(chain.problem)


def _expected(report: CheckReport) -> None:
    heads = migrate.head_revisions()
    report.expected_revision = heads[0] if heads else None


def _revision_problems(report: CheckReport, revisions: list[str]) -> None:
    if not revisions:
        report.problems.append("la base n'a pas de version de schéma : ce n'est pas une base Cnam Desk")
        return
    report.revision = revisions[0]
    if len(revisions) != 1 or revisions[0] not in migrate.known_revisions():
        report.problems.append(
            f"schéma {', '.join(revisions)} inconnu de ce programme (base faite par une version plus récente ?)"
        )


def check(target: str | os.PathLike[str]) -> CheckReport:
    """Full check: SQLite's integrity_check and foreign_key_check; a sanity pass on a server database."""
    path = backup.sqlite_path(target)
    if path is not None:
        return _check_sqlite(path)
    return _check_server(str(target))


def _check_sqlite(path: Path) -> CheckReport:
    report = CheckReport("sqlite", str(path))
    _expected(report)
    if not path.is_file():
        raise RefusedInput(f"La base « {path} » n'existe pas.")
    try:
        connection = sqlite3.connect(read_uri(path), uri=True, timeout=30)
        try:
            report.integrity = [row[0] for row in connection.execute(f"PRAGMA integrity_check({MAX_PROBLEMS})")]
            if report.integrity != ["ok"]:
                report.problems += [f"intégrité : {line}" for line in report.integrity]
            for table, rowid, parent, _fk in connection.execute("PRAGMA foreign_key_check"):
                report.foreign_keys.append({"table": table, "rowid": rowid, "parent": parent})
                if len(report.foreign_keys) <= MAX_PROBLEMS:
                    report.problems.append(f"clé étrangère : ligne {rowid} de {table} renvoie à une ligne absente de {parent}")
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            revisions = (
                [row[0] for row in connection.execute("SELECT version_num FROM alembic_version")]
                if "alembic_version" in tables
                else []
            )
            if _chained(connection.execute("PRAGMA table_info(audit_event)").fetchall()):
                report.add_trail(
                    trail.verify_connection(connection),
                    trail.sqlite_trigger_problems(connection.execute(trail.SQLITE_TRIGGER_QUERY)),
                )
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        if backup.is_damage(error):
            report.problems.append(f"fichier illisible : {error}")
            return report
        raise
    _revision_problems(report, revisions)
    return report


def _check_server(url: str) -> CheckReport:
    parsed = make_url(url)
    report = CheckReport(parsed.get_backend_name(), parsed.render_as_string(hide_password=True))
    _expected(report)
    engine = create_engine(url, hide_parameters=True)
    try:
        with engine.connect() as connection:
            present = set(inspect(connection).get_table_names())
            revisions = (
                [row[0] for row in connection.execute(text("SELECT version_num FROM alembic_version"))]
                if "alembic_version" in present
                else []
            )
            for table in Base.metadata.sorted_tables:
                if table.name not in present:
                    report.problems.append(f"table {table.name} absente")
                    continue
                # Reading every table end to end: a damaged page or index shows up as an error.
                connection.execute(text(f'SELECT count(*) FROM "{table.name}"')).scalar_one()
            report.integrity = ["ok"] if not report.problems else []
            if "audit_event" in present and _chained(inspect(connection).get_columns("audit_event")):
                report.add_trail(trail.verify_connection(connection), trail.trigger_problems(connection))
    finally:
        engine.dispose()
    _revision_problems(report, revisions)
    return report


def _chained(columns: list) -> bool:  # type: ignore[type-arg]
    """Has the audit trail its hash columns (a schema before 0008 has none to verify)?"""
    names = {column["name"] if isinstance(column, dict) else column[1] for column in columns}
    return "hash" in names


def quick_check(path: Path) -> str | None:
    """PRAGMA quick_check of a SQLite file before the window opens it: None when sound, else what is wrong."""
    if not path.is_file():
        return None
    try:
        connection = sqlite3.connect(read_uri(path), uri=True, timeout=30)
        try:
            result = [row[0] for row in connection.execute("PRAGMA quick_check")]
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        if backup.is_damage(error):
            return str(error)
        return None  # locked or unreadable for another reason: opening it will say so
    if result == ["ok"]:
        return None
    lines = [line.strip() for row in result for line in str(row).splitlines() if line.strip() and "***" not in line]
    return "; ".join(lines[:3]) + (f" … ({len(lines)} problèmes)" if len(lines) > 3 else "")


def require_sound(path: Path) -> None:
    problem = quick_check(path)
    if problem is not None:
        raise DamagedDatabase(backup.damaged_message(path, problem))


def explain(error: BaseException, target: str | os.PathLike[str]) -> str | None:
    """A database error the clerk can act on, in one French line; None for a real bug."""
    if isinstance(error, OSError) and error.filename:
        # A folder that cannot be created, a full disk, a file the clerk may not write: in French,
        # naming the file the clerk asked for, never a temporary one.
        return f"Impossible d'utiliser « {outputs.final_name(error.filename)} » : {outputs.reason(error)}."
    if not isinstance(error, DBAPIError | sqlite3.Error | SQLAlchemyError):
        return None
    original = getattr(error, "orig", error)
    path = backup.sqlite_path(target)
    if path is not None:
        code = getattr(original, "sqlite_errorcode", 0) & 0xFF
        if backup.is_damage(error):
            return backup.damaged_message(path, original)
        if is_busy(error):
            return busy_message(BUSY_GIVE_UP_SECONDS)
        if code == 14:  # SQLITE_CANTOPEN
            return f"Impossible d'ouvrir la base « {path} » : le dossier n'existe pas ou n'est pas accessible."
        if code == 13:  # SQLITE_FULL
            return f"Le disque de la base « {path} » est plein : rien n'a été enregistré. Libérez de la place."
        if code == 8:  # SQLITE_READONLY
            return f"La base « {path} » est en lecture seule : rien n'a été enregistré."
        if code == 10:  # SQLITE_IOERR
            return f"Erreur de lecture ou d'écriture sur le disque de la base « {path} » : rien n'a été enregistré."
        return None
    if is_busy(error):
        return busy_message(BUSY_GIVE_UP_SECONDS)
    sqlstate = getattr(original, "sqlstate", None)
    if isinstance(error, DBAPIError) and error.connection_invalidated or sqlstate is None and _is_connect_error(original):
        where = make_url(str(target)).render_as_string(hide_password=True)
        return f"Le serveur de base de données ({where}) ne répond pas ou refuse la connexion : vérifiez le réseau et l'adresse."
    if sqlstate == "53100":
        return "Le disque du serveur de base de données est plein : rien n'a été enregistré."
    return None


def _is_connect_error(original: BaseException) -> bool:
    name = type(original).__name__
    text_ = str(original).lower()
    return name == "OperationalError" and ("connection" in text_ or "connect" in text_)
