"""A realistic demo year, feature by feature: the schedule, then the requests, then the results.

Deterministic and idempotent: a second run finds everything in place and changes nothing.
"""

from __future__ import annotations

from cnam_desk.db.engine import Database
from cnam_desk.grading.demo import seed_results
from cnam_desk.requests.demo import seed_requests
from cnam_desk.schedule.demo import (
    COURSE_UNITS,
    DEMO_YEAR,
    STUDENT_COUNT,
    demo_students,
    fill_schedule,
)

__all__ = ["COURSE_UNITS", "DEMO_YEAR", "STUDENT_COUNT", "demo_students", "fill"]


def fill(db: Database) -> dict[str, int]:
    """Fill the database with the demo year; returns what the schedule part added."""
    added = fill_schedule(db)
    seed_requests(db)
    seed_results(db)
    return added
