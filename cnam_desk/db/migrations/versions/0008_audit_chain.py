"""audit chain: personal values leave the audit trail; each event carries the hash of the one before

Revision ID: 0008
Revises: 0006
Create Date: 2027-01-12

Self-contained on purpose: the rule of what is personal and the hash are copied here as they
are on the day of this revision (cnam_desk.db.audit.PERSONAL, cnam_desk.db.trail.event_hash;
a test checks a database upgraded from 0006 passes `check`).
"""

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64
WITHHELD = "‹donnée personnelle›"
PERSONAL = {
    "student": {"number", "last_name", "first_name", "email", "postal_address"},
    "accommodation_request": {
        "student_id", "student_number", "last_name", "first_name", "email", "reason_text", "trip_start", "trip_end",
        "comment", "checks", "decision_reason", "decision_comment", "missing_items", "postal_address", "as_typed",
    },
    "request_event": {"text"},
    "proof": {"file_name", "sha256", "link"},
}
SQLITE_TRIGGERS = (
    (
        "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END"
    ),
)


def _instant(value: Any) -> str:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _hash(prev: str, at: Any, clerk: str, action: str, entity: str, entity_id: Any, before: Any, after: Any) -> str:
    content = [prev, _instant(at), clerk, action, entity, None if entity_id is None else str(entity_id),
               _json(before), _json(after)]  # fmt: skip
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _redact(entity: str, values: Any) -> Any:
    personal = PERSONAL.get(entity)
    if not personal or not isinstance(values, dict):
        return values
    return {k: WITHHELD if k in personal and v not in (None, "") else v for k, v in values.items()}


def upgrade() -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    with op.batch_alter_table("audit_event", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    # The owner lifts the append-only guard for this one rewrite, then puts it back.
    if postgres:
        op.execute("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
    rows = bind.execute(
        sa.text("SELECT id, at, clerk, action, entity, entity_id, before, after FROM audit_event ORDER BY id")
    ).all()
    update = sa.text("UPDATE audit_event SET before = :before, after = :after, prev_hash = :prev, hash = :hash WHERE id = :id")
    if postgres:
        update = sa.text(
            "UPDATE audit_event SET before = CAST(:before AS json), after = CAST(:after AS json), prev_hash = :prev, "
            "hash = :hash WHERE id = :id"
        )
    previous = GENESIS
    changes = []
    for event_id, at, clerk, action, entity, entity_id, before, after in rows:
        before, after = _redact(entity, _json(before)), _redact(entity, _json(after))
        digest = _hash(previous, at, clerk, action, entity, entity_id, before, after)
        changes.append({"id": event_id, "before": json.dumps(before), "after": json.dumps(after), "prev": previous,
                        "hash": digest})  # fmt: skip
        previous = digest
    for start in range(0, len(changes), 1000):
        bind.execute(update, changes[start : start + 1000])
    if postgres:
        op.execute("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only")
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    with op.batch_alter_table("audit_event", recreate="never") as batch_op:
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
