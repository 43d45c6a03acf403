"""What a database holds, table by table, to compare two moments (all or none, restored identical)."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Engine, create_engine, inspect, select

from cnam_desk.db.models import Base

# Columns a repeated run fills with the time of day: left out when comparing runs.
VOLATILE = {("audit_event", "at"), ("clerk", "first_seen")}
# The same times, as the audit trail copies them into its before/after snapshots.
VOLATILE_IN_AUDIT = {"clerk": {"first_seen"}, "letter": {"generated_at"}}


def _value(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return "sha256:" + hashlib.sha256(bytes(value)).hexdigest()
    return repr(value)


def table_rows(target: str | Engine, *, ignore: set[tuple[str, str]] = VOLATILE) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the schema, sorted, as comparable tuples."""
    engine = create_engine(target) if isinstance(target, str) else target
    try:
        present = set(inspect(engine).get_table_names())
        state: dict[str, list[tuple[Any, ...]]] = {}
        with engine.connect() as connection:
            for table in Base.metadata.sorted_tables:
                if table.name not in present:
                    continue
                columns = [c for c in table.columns if (table.name, c.name) not in ignore]
                rows = [dict(row._mapping) for row in connection.execute(select(*columns))]
                if table.name == "audit_event" and ignore:
                    for row in rows:
                        for key in VOLATILE_IN_AUDIT.get(row.get("entity"), ()):
                            for side in ("before", "after"):
                                if isinstance(row.get(side), dict):
                                    row[side].pop(key, None)
                state[table.name] = sorted(tuple(_value(v) for v in row.values()) for row in rows)
        return state
    finally:
        if isinstance(target, str):
            engine.dispose()


def counts(state: dict[str, list[tuple[Any, ...]]]) -> dict[str, int]:
    return {name: len(rows) for name, rows in state.items()}


def differences(a: dict[str, list[tuple[Any, ...]]], b: dict[str, list[tuple[Any, ...]]]) -> list[str]:
    """Tables whose content differs, with their row counts, for a readable assertion message."""
    return [f"{name}: {len(a.get(name, []))} / {len(b.get(name, []))}" for name in sorted(set(a) | set(b)) if a.get(name) != b.get(name)]
