"""Pure rules on exam slots and rooms, shared by the schedule and the request checks."""

from __future__ import annotations

import datetime as dt

# An exam held in several rooms lists them in one cell: « Amphi A ; Salle 12 ».
ROOM_SEPARATOR = " ; "


def times_overlap(
    date1: dt.date, start1: dt.time, end1: dt.time, date2: dt.date, start2: dt.time, end2: dt.time
) -> bool:
    """The overlap rule: the same day and some time in common.

    One exam ending at 12h00 and another starting at 12h00 do not overlap; a slot that
    ends before it starts holds no time and overlaps nothing.
    """
    if date1 != date2 or end1 <= start1 or end2 <= start2:
        return False
    return start1 < end2 and start2 < end1


def split_rooms(room: str) -> list[str]:
    """The rooms of an exam held in several rooms."""
    return [part.strip() for part in room.split(ROOM_SEPARATOR.strip()) if part.strip()]


def merge_rooms(first: str, second: str) -> str:
    """The rooms of both cells, each once, in order."""
    rooms = split_rooms(first)
    for room in split_rooms(second):
        if room not in rooms:
            rooms.append(room)
    return ROOM_SEPARATOR.join(rooms)
