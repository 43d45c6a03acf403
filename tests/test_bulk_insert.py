"""The driver-level bulk insert stores exactly what a Core insert stores, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert, select, text

from cnam_desk.db.bulk import insert_columns
from cnam_desk.db.models import CourseUnit, Exam
from cnam_desk.schedule import exam_calendar


def _session_and_unit(db) -> tuple[int, int]:
    with db.transaction() as s:
        session_id = exam_calendar.find_session(s, "2023-2024/S1/1").id
        unit = CourseUnit(code="BLK001", title="Essai")
        s.add(unit)
        s.flush()
        return session_id, unit.id


def test_rows_are_stored_as_a_core_insert_stores_them(db) -> None:
    session_id, unit_id = _session_and_unit(db)
    table = Exam.__table__
    with db.transaction() as s:
        s.execute(insert(table), [{
            "session_id": session_id, "course_unit_id": unit_id, "centre": "Paris", "date": dt.date(2024, 1, 22),
            "start": dt.time(9, 0), "end": dt.time(12, 30), "room": "A1", "version": 1,
        }])  # fmt: skip
        count = insert_columns(s.connection(), table, {
            "session_id": [session_id] * 2, "course_unit_id": [unit_id] * 2, "centre": ["Lyon", "Nantes"],
            "date": [dt.date(2024, 1, 22)] * 2, "start": [dt.time(9, 0)] * 2, "end": [dt.time(12, 30), dt.time(11, 0)],
            "room": ["A1", "B2"],
        })  # fmt: skip  # no version given: the column's default (1) is written
    assert count == 2
    with db.transaction(write=False) as s:
        columns = "date, start, \"end\", room, version"
        stored = s.execute(text(f"SELECT centre, {columns} FROM exam WHERE course_unit_id = :u ORDER BY centre"),
                           {"u": unit_id}).all()  # fmt: skip
        read = s.execute(select(table.c.centre, table.c.end, table.c.version).where(table.c.course_unit_id == unit_id)
                         .order_by(table.c.centre)).all()  # fmt: skip
    by_centre = {row[0]: tuple(row[1:]) for row in stored}
    # the same text (SQLite) or the same values (PostgreSQL) as the Core insert wrote
    assert by_centre["Lyon"] == by_centre["Paris"]
    assert by_centre["Nantes"][:2] == by_centre["Paris"][:2] and by_centre["Nantes"][2] != by_centre["Paris"][2]
    assert [tuple(row) for row in read] == [
        ("Lyon", dt.time(12, 30), 1), ("Nantes", dt.time(11, 0), 1), ("Paris", dt.time(12, 30), 1),
    ]


def test_columns_of_different_lengths_are_refused(db) -> None:
    with db.transaction() as s, pytest.raises(ValueError, match="lengths"):
        insert_columns(s.connection(), Exam.__table__, {"centre": ["a", "b"], "room": ["a"]})


def test_nothing_to_insert_runs_no_statement(db) -> None:
    with db.transaction() as s:
        assert insert_columns(s.connection(), Exam.__table__, {"centre": []}) == 0
