"""What the review pane proposes: a free slot for the exam concerned, the refusal reason the checks point to.

Proposals only: the clerk changes them at will, and `review.decide` checks what is finally chosen.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cnam_desk.db.models import RequestKind
from cnam_desk.requests import checks
from cnam_desk.slots import times_overlap
from cnam_desk.spreadsheets import normalise_header


@dataclass(frozen=True)
class ArrangementInput:
    """Where and when the student sits the exam concerned instead (the exam itself never moves)."""

    ue_code: str | None
    date: dt.date
    start: dt.time
    end: dt.time
    room: str


def _shift(time: dt.time, delta: dt.timedelta) -> dt.time | None:
    moment = dt.datetime.combine(dt.date(2000, 1, 1), time) + delta
    return moment.time() if moment.date() == dt.date(2000, 1, 1) else None


def suggest_arrangement(
    details, code: str
) -> ArrangementInput | None:  # details: detail.RequestDetails
    """A first proposal the clerk can change: a slot free of the student's other exams.

    Same time the day after the trip; otherwise right after the overlapping exams, else the same
    time on a following day of the session (never a Sunday).
    """
    exam = next((e for e in details.exams if e.code == code and e.date is not None), None)
    if exam is None or exam.start is None or exam.end is None:
        return None
    day0 = dt.date(2000, 1, 1)
    duration = dt.datetime.combine(day0, exam.end) - dt.datetime.combine(day0, exam.start)
    others = [
        e
        for e in list(details.exams) + list(details.other_exams)
        if e.code != code and e.date is not None
    ]

    def free(day: dt.date, start: dt.time, end: dt.time) -> bool:
        return not any(
            times_overlap(day, start, end, o.date, o.start, o.end) for o in others
        )

    candidates: list[tuple[dt.date, dt.time, dt.time]] = []
    first_day = exam.date
    if details.row.kind is RequestKind.TRIP and (details.trip_end or details.trip_start):
        first_day = (details.trip_end or details.trip_start) + dt.timedelta(days=1)
    else:
        clashing = [
            o.end
            for o in others
            if o.date == exam.date
            and times_overlap(exam.date, exam.start, exam.end, o.date, o.start, o.end)
        ]
        if clashing:
            start = max(clashing)
            end = _shift(start, duration)
            if end is not None and end > start:
                candidates.append((exam.date, start, end))
        first_day = exam.date + dt.timedelta(days=1)
    day = first_day
    while day <= details.session_last_day:
        if day.weekday() != 6:
            candidates.append((day, exam.start, exam.end))
        day += dt.timedelta(days=1)
    for day, start, end in candidates:
        if (day, start, end) != (exam.date, exam.start, exam.end) and free(day, start, end):
            return ArrangementInput(code, day, start, end, exam.room)
    return ArrangementInput(code, exam.date, exam.start, exam.end, exam.room)


# Words that name each case in the office's reasons (the list is editable: matched loosely).
_REASON_WORDS = [
    (lambda c, k: c.get("deadline") == checks.LATE, "date limite"),
    (lambda c, k: c.get("overlap") == checks.NOT_ENROLLED, "inscrit"),
    (lambda c, k: c.get("overlap") in (checks.NO_OVERLAP, checks.NOT_FOUND), "meme jour"),
    (lambda c, k: c.get("proof") == checks.MISSING, "justificatif"),
    (lambda c, k: c.get("trip_covers_exam") is False, "couvre"),
    (lambda c, k: k in (RequestKind.OTHER, RequestKind.ATTESTATION), "motif"),
]


def suggest_refusal_reason(reasons: list[str], request_checks: dict, kind: RequestKind) -> int | None:
    """The position in the list of the reason a failed check points to; None when none does.

    An on-time, fully checked request gets no reason: a refusal then is the clerk's own choice,
    never the first line of the list sent by two keys.
    """
    for applies, words in _REASON_WORDS:
        if applies(request_checks, kind):
            for position, reason in enumerate(reasons):
                if words in normalise_header(reason):
                    return position
    return None
