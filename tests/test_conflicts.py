"""The overlap rule at its edges, and the clashes of a session: students and rooms."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnam_desk.db.models import CourseUnit, Enrolment, Student
from cnam_desk.schedule import conflicts, planning
from cnam_desk.schedule.conflicts import Slot, overlapping_groups
from cnam_desk.schedule.exam_calendar import find_year
from cnam_desk.slots import times_overlap
from tests.schedule_files import SESSION, plain_schedule, write_book

D = dt.date
T = dt.time
MONDAY = D(2024, 1, 22)


@pytest.mark.parametrize(
    ("first", "second", "overlap"),
    [
        ((MONDAY, T(9), T(12)), (MONDAY, T(12), T(15)), False),  # one ends when the other starts
        ((MONDAY, T(12), T(15)), (MONDAY, T(9), T(12)), False),  # same, the other way round
        ((MONDAY, T(9), T(12)), (MONDAY, T(11, 59), T(15)), True),  # one minute in common
        ((MONDAY, T(9), T(12)), (MONDAY, T(9), T(12)), True),  # the same slot
        ((MONDAY, T(9), T(18)), (MONDAY, T(10), T(11)), True),  # one inside the other
        ((MONDAY, T(10), T(11)), (MONDAY, T(9), T(18)), True),
        ((MONDAY, T(9), T(12)), (D(2024, 1, 23), T(9), T(12)), False),  # another day
        ((MONDAY, T(9), T(12)), (MONDAY, T(13), T(15)), False),  # apart
        ((MONDAY, T(10), T(10)), (MONDAY, T(9), T(12)), False),  # an empty slot holds no time
        ((MONDAY, T(12), T(10)), (MONDAY, T(9), T(12)), False),  # nor does a reversed one
    ],
)
def test_times_overlap_at_its_edges(first, second, overlap) -> None:
    assert times_overlap(*first, *second) is overlap


_times = st.times().map(lambda t: t.replace(second=0, microsecond=0))


@given(_times, _times, _times, _times)
def test_times_overlap_is_symmetric(a, b, c, d) -> None:
    assert times_overlap(MONDAY, a, b, MONDAY, c, d) == times_overlap(MONDAY, c, d, MONDAY, a, b)


def _slot(ue, start, end, day=MONDAY, room="S1", centre="Paris"):
    return Slot(ue, centre, day, T(*start), T(*end), room)


def test_a_chain_of_overlaps_is_one_group() -> None:
    slots = [
        _slot("A", (9,), (12,)), _slot("B", (11,), (14,)), _slot("C", (13,), (16,)),  # chain
        _slot("D", (16,), (18,)),  # touches C only at 16h00: apart
        _slot("E", (9,), (12,), day=D(2024, 1, 23)),
    ]  # fmt: skip
    groups = overlapping_groups(slots)
    assert [[s.ue for s in group] for group in groups] == [["A", "B", "C"]]


def _seed(db, tmp_path, rows, enrolled):
    planning.import_schedule(db, write_book(tmp_path / "p.xlsx", plain_schedule(rows)), SESSION)
    with db.transaction() as s:
        year = find_year(s, "2023-2024")
        units = {u.code: u for u in s.query(CourseUnit)}
        for number, codes in enrolled.items():
            student = Student(number=number, last_name=f"Nom{number}", first_name="Prénom")
            s.add(student)
            for code in codes:
                unit = units.get(code) or CourseUnit(code=code, title="")
                units[code] = unit
                s.add(Enrolment(student=student, course_unit=unit, year=year))


def test_find_conflicts(db, tmp_path) -> None:
    _seed(
        db,
        tmp_path,
        [
            ["NFA031", "", "22/01/2024", "18h", "21h", "Amphi A", "Paris"],
            ["NFA032", "", "22/01/2024", "19h", "22h", "Amphi A ; Salle 12", "Paris"],  # clashes with NFA031
            ["NFA033", "", "22/01/2024", "21h", "23h", "Salle 12", "Paris"],  # after NFA031, overlaps NFA032
            ["RSX101", "", "23/01/2024", "18h", "21h", "Amphi A", "Paris"],
            ["RSX101", "", "23/01/2024", "18h", "21h", "Amphi A", "Lyon"],  # same room name, other centre
            ["RSX102", "", "23/01/2024", "9h", "12h", "", "Paris"],  # no room: never a room clash
            ["RSX103", "", "23/01/2024", "9h", "12h", "", "Paris"],
        ],
        {
            "100": ["NFA031", "NFA032", "RSX101"],  # clash NFA031 / NFA032
            "200": ["NFA031", "NFA033", "RSX101"],  # back to back: no clash
            "300": ["RSX102", "RSX103"],  # clash without rooms
            "400": ["RSX101"],  # one UE in two centres at once is no clash
            "500": ["NFA031", "NFA032", "NFA033"],  # one group of three
        },
    )
    found = conflicts.find_conflicts(db, SESSION)
    assert found.as_json() == {
        "students": [
            {"student_number": "100", "ues": ["NFA031", "NFA032"]},
            {"student_number": "300", "ues": ["RSX102", "RSX103"]},
            {"student_number": "500", "ues": ["NFA031", "NFA032", "NFA033"]},
        ],
        "rooms": [
            {"room": "Amphi A", "centre": "Paris", "ues": ["NFA031", "NFA032"]},
            {"room": "Salle 12", "centre": "Paris", "ues": ["NFA032", "NFA033"]},
        ],
    }
    assert "NFA031 le 22/01/2024 de 18h00 à 21h00" in found.students[0].describe()


def test_enrolments_of_another_year_do_not_count(db, tmp_path) -> None:
    _seed(
        db,
        tmp_path,
        [["NFA031", "", "22/01/2024", "18h", "21h", "A", "Paris"], ["NFA032", "", "22/01/2024", "18h", "21h", "B", "Paris"]],
        {},
    )
    from cnam_desk.schedule import exam_calendar

    exam_calendar.set_session(db, "2024-2025/S1/1", D(2025, 1, 20), D(2025, 2, 1), None)
    with db.transaction() as s:
        other = find_year(s, "2024-2025")
        units = {u.code: u for u in s.query(CourseUnit)}
        student = Student(number="900", last_name="Autre")
        s.add(student)
        s.add_all([Enrolment(student=student, course_unit=units[c], year=other) for c in ("NFA031", "NFA032")])
    assert conflicts.find_conflicts(db, SESSION).students == []


def test_demo_has_sensible_conflicts(demo_db) -> None:
    found = conflicts.find_conflicts(demo_db, SESSION)
    assert found.students  # the demo pairs UEs in the same slot on purpose
    assert all(len(clash.ues) >= 2 for clash in found.students)
