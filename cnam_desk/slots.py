"""Pure rules on exam slots and rooms, shared by the schedule and the request checks."""

from __future__ import annotations

import datetime as dt
import functools
import re

from cnam_desk.parsing import fold

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


_ORDINAL = re.compile(r"\b(\d+) ?(?:e|eme|ieme|em|er|ere)\b")


@functools.lru_cache(maxsize=65536)  # a schedule repeats the same few centres and rooms
def place_key(text: str) -> str:
    """What a centre or room name is compared by: « PARIS 3E », « Paris 3ème », « paris  3e » are one place.

    Case, accents, runs of spaces and the ordinal suffix (3e, 3ème, 3ieme) make no difference;
    the office's spelling is what is kept and shown.
    """
    return _ORDINAL.sub(r"\1e", fold(text))


def merge_rooms(first: str, second: str) -> str:
    """The rooms of both cells, each once (compared as `place_key` does), in order."""
    rooms = split_rooms(first)
    seen = {place_key(room) for room in rooms}
    for room in split_rooms(second):
        if place_key(room) not in seen:
            seen.add(place_key(room))
            rooms.append(room)
    return ROOM_SEPARATOR.join(rooms)


def respell(text: str, spellings: dict[str, str]) -> str:
    """A place as the office already spells it, when it knows it (by `place_key`)."""
    return spellings.get(place_key(text), text)


def respell_rooms(room: str, spellings: dict[str, str]) -> str:
    """Each room of a cell as the office already spells it; the cell unchanged when all are new."""
    rooms = split_rooms(room)
    known = [spellings.get(place_key(part)) for part in rooms]
    if not any(known):
        return room
    return ROOM_SEPARATOR.join(spelt or part for spelt, part in zip(known, rooms, strict=True))
