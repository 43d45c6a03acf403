"""Clashes in a session's schedule: students with two exams at once, rooms booked twice at once."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import select

from cnam_desk import frenchdates, parsing
from cnam_desk.db.engine import Database
from cnam_desk.db.models import CourseUnit, Enrolment, Exam, Student
from cnam_desk.schedule import exam_calendar
from cnam_desk.slots import place_key, split_rooms, times_overlap


class Slot(NamedTuple):
    """An exam as the clash rules see it."""

    ue: str
    centre: str
    date: dt.date
    start: dt.time
    end: dt.time
    room: str


def overlapping_groups(slots: Iterable[Slot]) -> list[list[Slot]]:
    """Groups of two or more slots linked by overlaps (a chain of overlaps is one group)."""
    groups: list[list[Slot]] = []
    current: list[Slot] = []
    current_end: dt.time | None = None
    for slot in sorted(slots, key=lambda s: (s.date, s.start, s.end, s.ue)):
        if current and current_end is not None and times_overlap(
            current[0].date, current[0].start, current_end, slot.date, slot.start, slot.end
        ):
            current.append(slot)
            current_end = max(current_end, slot.end)
            continue
        if len(current) > 1:
            groups.append(current)
        current, current_end = [slot], slot.end
    if len(current) > 1:
        groups.append(current)
    return groups


def _describe_slots(slots: Sequence[Slot]) -> str:
    return ", ".join(
        f"{slot.ue} le {frenchdates.short_date(slot.date)} de {frenchdates.hour(slot.start)} à {frenchdates.hour(slot.end)}"
        for slot in slots
    )


@dataclass(frozen=True)
class StudentClash:
    """A student enrolled in UEs whose exams overlap: a request for another slot will come."""

    student_number: str
    last_name: str
    first_name: str
    exams: tuple[Slot, ...]

    @property
    def ues(self) -> list[str]:
        return sorted({slot.ue for slot in self.exams})

    def as_json(self) -> dict[str, Any]:
        return {"student_number": self.student_number, "ues": self.ues}

    def describe(self) -> str:
        return f"{self.student_number} {self.last_name} {self.first_name} : {_describe_slots(self.exams)}"


@dataclass(frozen=True)
class RoomClash:
    """One room of a centre booked for exams that overlap."""

    room: str
    centre: str
    exams: tuple[Slot, ...]

    @property
    def ues(self) -> list[str]:
        return sorted({slot.ue for slot in self.exams})

    def as_json(self) -> dict[str, Any]:
        return {"room": self.room, "centre": self.centre, "ues": self.ues}

    def describe(self) -> str:
        return f"{self.room} ({self.centre}) : {_describe_slots(self.exams)}"


@dataclass
class Conflicts:
    session_key: str
    students: list[StudentClash] = field(default_factory=list)
    rooms: list[RoomClash] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"students": [c.as_json() for c in self.students], "rooms": [c.as_json() for c in self.rooms]}


def room_clashes(slots: Iterable[Slot]) -> list[RoomClash]:
    """Each room (of each centre) booked for overlapping exams; an exam in several rooms counts in each."""
    by_room: dict[tuple[str, str], list[Slot]] = defaultdict(list)
    # « Salle A.01 » and « salle a.01 » of « Paris 3e » and « PARIS 3E » are one room, named as first met.
    names: dict[tuple[str, str], tuple[str, str]] = {}
    for slot in slots:
        for room in split_rooms(slot.room):
            key = (place_key(room), place_key(slot.centre))
            names.setdefault(key, (room, slot.centre))
            by_room[key].append(slot)
    clashes = [
        RoomClash(*names[key], tuple(group))
        for key, booked in by_room.items()
        for group in overlapping_groups(booked)
    ]
    return sorted(clashes, key=lambda c: (c.exams[0].date, c.exams[0].start, c.centre, c.room))


def student_clashes(slots_by_unit: dict[int, list[Slot]], enrolled_units: Iterable[int]) -> list[list[Slot]]:
    """The groups of overlapping exams among the UEs one student is enrolled in."""
    slots = [slot for unit in enrolled_units for slot in slots_by_unit.get(unit, ())]
    if len(slots) < 2:
        return []
    # An UE held in several centres at the same time is one exam for the student, not a clash.
    return [group for group in overlapping_groups(slots) if len({slot.ue for slot in group}) > 1]


def find_conflicts(db: Database, session_key: str) -> Conflicts:
    """The session's clashes, from its schedule and the enrolments of its academic year."""
    with db.transaction() as s:
        session = exam_calendar.find_session(s, session_key)
        year_id = session.semester.year_id
        slots_by_unit: dict[int, list[Slot]] = defaultdict(list)
        all_slots: list[Slot] = []
        for unit_id, *values in s.execute(
            select(Exam.course_unit_id, CourseUnit.code, Exam.centre, Exam.date, Exam.start, Exam.end, Exam.room)
            .join(CourseUnit, Exam.course_unit_id == CourseUnit.id)
            .where(Exam.session_id == session.id)
        ):
            slot = Slot(*values)
            slots_by_unit[unit_id].append(slot)
            all_slots.append(slot)
        units_by_student: dict[int, list[int]] = defaultdict(list)
        for student_id, unit_id in s.execute(
            select(Enrolment.student_id, Enrolment.course_unit_id).where(
                Enrolment.year_id == year_id, Enrolment.course_unit_id.in_(select(Exam.course_unit_id).where(Exam.session_id == session.id))
            )
        ):
            units_by_student[student_id].append(unit_id)
        clashing: dict[int, list[Slot]] = {}
        for student_id, units in units_by_student.items():
            groups = student_clashes(slots_by_unit, units)
            if groups:
                clashing[student_id] = [slot for group in groups for slot in group]
        names = {}
        if clashing:
            for chunk_start in range(0, len(clashing), 5000):
                ids = list(clashing)[chunk_start : chunk_start + 5000]
                for student_id, number, last, first in s.execute(
                    select(Student.id, Student.number, Student.last_name, Student.first_name).where(Student.id.in_(ids))
                ):
                    names[student_id] = (number, last, first)
        students = sorted(
            (StudentClash(*names[student_id], tuple(slots)) for student_id, slots in clashing.items()),
            key=lambda c: (parsing.fold(c.last_name), parsing.fold(c.first_name), c.student_number),
        )
        return Conflicts(session.key, students, room_clashes(all_slots))
