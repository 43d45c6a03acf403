"""The audit trail: every change a clerk makes is written as an event, in the same transaction.

An event holds references (table, row id, ids of related rows) and the non-personal fields
of what changed; a personal value (a name, an email, a reason, a comment, an address, a
proof's name) is never copied into it: the trail says that it was set or changed, with
WITHHELD in its place. The trail can thus stay append-only forever while `purge` erases the
requests themselves: after it, nothing of them is left that names or describes the student.
Events are chained by their hashes (`cnam_desk.db.trail`).
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from sqlalchemy import LargeBinary, event, insert, inspect
from sqlalchemy.orm import Session, sessionmaker

from cnam_desk.db import trail
from cnam_desk.db.models import AuditEvent

# Rows too numerous or too internal to audit one by one; their services record a summary.
_NOT_AUDITED = {"audit_event", "grade_change", "request_receipt"}

# What stands in the trail for a personal value that was set or changed.
WITHHELD = "‹donnée personnelle›"
# The columns whose values are personal, table by table: never copied into the trail.
# A request's link to its student (student_id) is one: once the request is purged, nothing in
# the trail may tie what it was (its kind, its dates) to the student.
PERSONAL: dict[str, frozenset[str]] = {
    "student": frozenset({"number", "last_name", "first_name", "email", "postal_address"}),
    "accommodation_request": frozenset(
        {"student_id", "student_number", "last_name", "first_name", "email", "reason_text", "trip_start", "trip_end",
         "comment", "checks", "decision_reason", "decision_comment", "missing_items", "postal_address", "as_typed"}
    ),
    "request_event": frozenset({"text"}),
    "proof": frozenset({"file_name", "sha256", "link"}),
}


def _withhold(table: str, key: str, value: Any) -> Any:
    if key in PERSONAL.get(table, ()) and value not in (None, ""):
        return WITHHELD
    return value


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes):
        return None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value)


def _columns(obj: Any) -> list[Any]:
    return [c for c in inspect(obj).mapper.column_attrs if not isinstance(c.columns[0].type, LargeBinary)]


def _snapshot(obj: Any) -> dict[str, Any]:
    table = inspect(obj).mapper.local_table.name
    return {c.key: _withhold(table, c.key, _plain(getattr(obj, c.key))) for c in _columns(obj)}


def _identity(obj: Any) -> str | None:
    state = inspect(obj)
    # A row inserted in this flush has its key already, but not yet its identity.
    identity = state.identity or state.mapper.primary_key_from_instance(obj)
    if identity is None or all(part is None for part in identity):
        return None
    return "/".join(str(part) for part in identity)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def record(
    session: Session,
    action: str,
    entity: str,
    entity_id: Any = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Write one event by hand (bulk imports and batches record one summary each: counts, never rows' values)."""
    row = {
        "at": now(),
        "clerk": session.info.get("clerk", "inconnu"),
        "action": action,
        "entity": entity,
        "entity_id": None if entity_id is None else str(entity_id),
        "before": _plain(before) if before is not None else None,
        "after": _plain(after) if after is not None else None,
    }
    _append(session, [row])


def _append(session: Session, rows: list[dict[str, Any]]) -> None:
    # Chained to the last event; the write transaction holds the database's write lock.
    connection = session.connection()
    connection.execute(insert(AuditEvent), trail.chain(connection, rows))


def _after_flush(session: Session, _context: Any) -> None:
    clerk = session.info.get("clerk", "inconnu")
    at = now()
    rows: list[dict[str, Any]] = []

    def add(action: str, obj: Any, before: Any, after: Any) -> None:
        table = inspect(obj).mapper.local_table.name
        if table in _NOT_AUDITED:
            return
        rows.append(
            {"at": at, "clerk": clerk, "action": action, "entity": table, "entity_id": _identity(obj),
             "before": before, "after": after}
        )

    for obj in session.new:
        add("insert", obj, None, _snapshot(obj))
    for obj in session.dirty:
        if not session.is_modified(obj, include_collections=False):
            continue
        state = inspect(obj)
        table = state.mapper.local_table.name
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        for column in _columns(obj):
            history = state.attrs[column.key].history
            if history.has_changes() and column.key != "version":
                old = _plain(history.deleted[0] if history.deleted else None)
                new = _plain(history.added[0] if history.added else None)
                before[column.key] = _withhold(table, column.key, old)
                after[column.key] = _withhold(table, column.key, new)
        if after:
            add("update", obj, before, after)
    for obj in session.deleted:
        add("delete", obj, _snapshot(obj), None)
    if rows:
        _append(session, rows)


def install(factory: sessionmaker[Session]) -> None:
    event.listen(factory, "after_flush", _after_flush)
