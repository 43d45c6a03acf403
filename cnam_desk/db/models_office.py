"""The office itself: clerks, shared settings and the audit trail."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from cnam_desk.db.models_base import Base, Versioned

# --- office -----------------------------------------------------------------------------


class Clerk(Base):
    """A clerk of the office, known by the login the audit trail records."""

    __tablename__ = "clerk"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(120), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    first_seen: Mapped[dt.datetime] = mapped_column()


class OfficeSetting(Versioned, Base):
    """Settings shared by every workstation (letterhead, signatory, rules, retention)."""

    __tablename__ = "office_setting"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


class AuditEvent(Base):
    """One change made by a clerk: who, when, what, before and after. Append-only."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(index=True)
    clerk: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(40))  # insert / update / delete / import / ...
    entity: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[str | None] = mapped_column(String(60), nullable=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # The chain that shows tampering (see cnam_desk.db.trail): the previous event's hash, this one's.
    prev_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
