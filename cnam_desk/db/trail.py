"""The audit trail's protections: a hash chain over its events and the triggers that refuse edits.

Each event carries the hash of the one before it (`prev_hash`) and its own (`hash`, over
`prev_hash` and the event's content). Deleting, editing or reordering an event breaks the chain
at that point; `cnam-desk check` walks it and names the first event that does not follow.
The triggers make the database itself refuse UPDATE, DELETE (and TRUNCATE, INSERT OR REPLACE);
someone holding the file or the owner role can drop or disable them: the program puts them
back when it opens the database, and says so.

What the chain cannot show on its own: the last events cut off together, or the whole table
rewritten with a new chain. `check` prints the head of the chain (last event and its hash) so
the office can note it; a backup keeps an older head to compare with.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from cnam_desk.db.locking import WRITE_OPTION
from cnam_desk.db.models import AuditEvent

GENESIS = "0" * 64
ALGORITHM = "sha256"

# The statements that make the trail append-only, as the migrations (0001, 0006) create them.
SQLITE_TRIGGERS = {
    "audit_event_no_update": "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
    "audit_event_no_delete": "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
    "audit_event_no_replace": "CREATE TRIGGER audit_event_no_replace BEFORE INSERT ON audit_event "
    "WHEN NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM audit_event WHERE id = NEW.id) "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
}
PG_FUNCTION = (
    "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'audit_event is append-only'; END; $$ LANGUAGE plpgsql"
)
PG_TRIGGERS = {
    "audit_event_append_only": "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
    "audit_event_no_truncate": "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()",
}
_LAST = text("SELECT hash FROM audit_event ORDER BY id DESC LIMIT 1")
_COLUMNS = "id, at, clerk, action, entity, entity_id, before, after, prev_hash, hash"


# --- the chain ---------------------------------------------------------------------------------


def _instant(value: Any) -> str:
    """An event's time as one text whatever the database handed back (UTC, microseconds)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def _json(value: Any) -> Any:
    # SQLite hands JSON back as text (and Python's None as the text « null »).
    return json.loads(value) if isinstance(value, str) else value


def event_hash(prev_hash: str, at: Any, clerk: str, action: str, entity: str, entity_id: Any, before: Any, after: Any) -> str:
    """The hash of one event, chained to the one before it."""
    content = [
        prev_hash,
        _instant(at),
        clerk,
        action,
        entity,
        None if entity_id is None else str(entity_id),
        _json(before),
        _json(after),
    ]
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def last_hash(connection: Connection) -> str:
    return connection.execute(_LAST).scalar() or GENESIS


def chain(connection: Connection, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows to insert, each with the hash of the one before (the caller holds the write lock)."""
    previous = last_hash(connection)
    chained = []
    for row in rows:
        digest = event_hash(
            previous, row["at"], row["clerk"], row["action"], row["entity"], row.get("entity_id"),
            row.get("before"), row.get("after"),
        )  # fmt: skip
        chained.append(row | {"prev_hash": previous, "hash": digest})
        previous = digest
    return chained


@dataclass
class ChainReport:
    events: int = 0
    head_id: int | None = None
    head_hash: str | None = None
    broken_id: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None

    def as_json(self) -> dict[str, object]:
        return {
            "events": self.events,
            "head_id": self.head_id,
            "head_hash": self.head_hash,
            "broken_event": self.broken_id,
            "problem": self.problem,
        }


def verify(rows: Iterable[Sequence[Any]]) -> ChainReport:
    """Walk the events in id order (rows of _COLUMNS); stop at the first one that does not follow."""
    report = ChainReport()
    previous, previous_id = GENESIS, None
    for event_id, at, clerk, action, entity, entity_id, before, after, prev_hash, digest in rows:
        report.events += 1
        after_what = "le début du journal" if previous_id is None else f"l'événement n° {previous_id}"
        if prev_hash != previous:
            report.broken_id = event_id
            report.problem = (
                f"journal d'audit modifié : l'événement n° {event_id} ne suit pas {after_what} "
                "(un événement a été supprimé, modifié ou inséré)"
            )
            return report
        if digest != event_hash(prev_hash, at, clerk, action, entity, entity_id, before, after):
            report.broken_id = event_id
            report.problem = f"journal d'audit modifié : le contenu de l'événement n° {event_id} a été changé"
            return report
        previous, previous_id = digest, event_id
        report.head_id, report.head_hash = event_id, digest
    return report


def verify_connection(connection: Any) -> ChainReport:
    """The chain of a database, through SQLAlchemy or a bare sqlite3 connection."""
    query = f"SELECT {_COLUMNS} FROM audit_event ORDER BY id"
    if isinstance(connection, Connection):
        return verify(connection.execute(text(query)))
    return verify(connection.execute(query))


# --- the triggers ------------------------------------------------------------------------------


def _same(sql: str | None, expected: str) -> bool:
    return sql is not None and " ".join(sql.split()).lower() == " ".join(expected.split()).lower()


def sqlite_trigger_problems(rows: Iterable[tuple[str, str | None]]) -> list[str]:
    """The append-only triggers missing or changed, from sqlite_master's (name, sql) of audit_event."""
    present = dict(rows)
    return [name for name, sql in SQLITE_TRIGGERS.items() if not _same(present.get(name), sql)]


SQLITE_TRIGGER_QUERY = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_event'"
PG_TRIGGER_QUERY = text(
    "SELECT t.tgname, t.tgenabled, p.prosrc FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid "
    "WHERE t.tgrelid = to_regclass('audit_event') AND NOT t.tgisinternal"
)


def trigger_problems(connection: Connection) -> list[str]:
    """The append-only triggers of audit_event that are missing, disabled or changed."""
    if connection.dialect.name == "sqlite":
        return sqlite_trigger_problems(connection.exec_driver_sql(SQLITE_TRIGGER_QUERY).all())
    present = {name: (enabled, source) for name, enabled, source in connection.execute(PG_TRIGGER_QUERY)}
    problems = []
    for name in PG_TRIGGERS:
        enabled, source = present.get(name, (None, None))
        if enabled in (None, "D") or "RAISE EXCEPTION" not in (source or "").upper():
            problems.append(name)
    return problems


def _restore(connection: Connection, names: list[str]) -> None:
    if connection.dialect.name == "sqlite":
        for name in names:
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
            connection.exec_driver_sql(SQLITE_TRIGGERS[name])
        return
    connection.exec_driver_sql(PG_FUNCTION)
    for name in names:
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON audit_event")
        connection.exec_driver_sql(PG_TRIGGERS[name])


def restore_triggers(engine: Engine) -> list[str]:
    """Put back the append-only triggers that are missing; French notices of what was done (or could not be)."""
    with engine.connect().execution_options(**{WRITE_OPTION: False}) as connection:  # no write lock to look
        problems = trigger_problems(connection)
        connection.rollback()
    if not problems:
        return []
    try:
        with engine.begin() as connection:
            problems = trigger_problems(connection)
            if not problems:
                return []
            _restore(connection, problems)
            row = {
                "at": dt.datetime.now(dt.UTC), "clerk": "cnam-desk", "action": "restore_triggers",
                "entity": "audit_event", "entity_id": None, "before": None, "after": {"triggers": problems},
            }  # fmt: skip
            _insert(connection, chain(connection, [row]))
    except DBAPIError:
        refused = (
            f"les protections du journal d'audit ({', '.join(problems)}) manquent ou sont désactivées, "
            "et ce compte ne peut pas les remettre : demandez au propriétaire de la base d'ouvrir le programme"
        )
        return [refused]
    done = (
        f"les protections du journal d'audit ({', '.join(problems)}) manquaient ou étaient désactivées : "
        "elles ont été remises ; lancez « cnam-desk check » pour vérifier le journal"
    )
    return [done]


def _insert(connection: Connection, rows: list[dict[str, Any]]) -> None:
    connection.execute(AuditEvent.__table__.insert(), rows)
