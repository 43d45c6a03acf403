"""Which known student a typed student number is, when a spreadsheet lost its leading zeros.

Excel turns « 01234567 » into the number 1234567 (or 1234567.0): such a number is matched to the
known student whose number is the same but for leading zeros, when exactly one fits. A number
that fits several, or a number the cell held as a number that fits none, is kept as typed and
said to the clerk.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cnam_desk.db.models import Student


def zero_free(number: str) -> str | None:
    """The number without its leading zeros, for a number made of digits only (else None)."""
    if not number.isdigit():
        return None
    return number.lstrip("0") or "0"


@dataclass(frozen=True)
class NumberMatch:
    """What a typed number is: the student's id and number when known, and the other candidates."""

    typed: str
    student_id: int | None
    number: str  # the record's number when found, else the number as typed
    candidates: tuple[str, ...] = ()

    @property
    def corrected(self) -> bool:
        """Matched to a student whose number differs from the typed one by leading zeros."""
        return self.student_id is not None and self.number != self.typed


class StudentNumbers:
    """The students a batch of typed numbers may be, read once."""

    def __init__(self, s: Session, typed: Iterable[str]):
        wanted = {number.upper() for number in typed if number}
        self.exact: dict[str, tuple[int, str]] = {}
        for chunk in _chunks(sorted(wanted)):
            for student_id, number in s.execute(
                select(Student.id, Student.number).where(func.upper(Student.number).in_(chunk))
            ):
                self.exact[number.upper()] = (student_id, number)
        self.by_digits: dict[str, list[tuple[int, str]]] = defaultdict(list)
        missing = {zero_free(n) for n in wanted - set(self.exact)} - {None}
        if missing:
            # Only numbers made of digits can have lost a zero; their students are read once.
            for student_id, number in s.execute(select(Student.id, Student.number)):
                key = zero_free(number)
                if key in missing:
                    self.by_digits[key].append((student_id, number))

    def match(self, typed: str) -> NumberMatch:
        found = self.exact.get(typed.upper())
        if found is not None:
            return NumberMatch(typed, found[0], found[1])
        key = zero_free(typed)
        candidates = sorted(self.by_digits.get(key, []), key=lambda pair: pair[1]) if key else []
        if len(candidates) == 1:
            return NumberMatch(typed, candidates[0][0], candidates[0][1])
        return NumberMatch(typed, None, typed, tuple(number for _id, number in candidates))


def _chunks(values: list[str], size: int = 900) -> Iterable[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
