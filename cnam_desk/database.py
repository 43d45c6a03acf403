"""The office's database, opened with every feature wired in.

The database layer (`cnam_desk.db`) knows no feature; this is where they are handed to it:
the default calendar a new database gets, the backup kept before a schema upgrade, and the
request checks that follow the schedule.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from sqlalchemy import Engine

from cnam_desk import backup
from cnam_desk.db import engine as db_engine
from cnam_desk.db.engine import Follower
from cnam_desk.requests import checks
from cnam_desk.schedule import exam_calendar

# What follows a change of a session's schedule, deadline or enrolments.
FOLLOWERS: tuple[Follower, ...] = (checks.recompute_session,)


class Database(db_engine.Database):
    """A database whose transactions keep the requests' checks in step with the schedule."""

    def __init__(self, engine: Engine, clerk: str | None = None, *, followers: Sequence[Follower] = FOLLOWERS):
        super().__init__(engine, clerk, followers=followers)


def _seed(database: db_engine.Database, created: bool) -> None:
    # Also when the first opening was stopped after the schema and before the calendar.
    if created or exam_calendar.needs_default_calendar(database):
        exam_calendar.install_default_calendar(database)


def open_database(
    target: str | os.PathLike[str], *, clerk: str | None = None, seed: bool = True, write_refusal: str | None = None
) -> Database:
    """Open (creating or upgrading it, a backup kept first) the database at a path or URL.

    With write_refusal (a damaged file), it is opened for reading only: each write is refused with it.
    """
    opened = db_engine.open_database(
        target, clerk=clerk, followers=FOLLOWERS, before_upgrade=backup.before_upgrade,
        seed=_seed if seed and write_refusal is None else None, factory=Database, write_refusal=write_refusal,
    )
    assert isinstance(opened, Database)
    return opened
