"""Where a request's decision letter stands: none due yet, to print, or printed (and when).

The letter that counts is the one of the request's present decision (an earlier decision had its
own letter); a decided request whose letter was never generated, or generated and not printed,
is « à imprimer ».
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from cnam_desk import frenchdates
from cnam_desk.db.models import AccommodationRequest, Letter, RequestStatus

DECIDED = (RequestStatus.ACCEPTED, RequestStatus.REFUSED, RequestStatus.INCOMPLETE, RequestStatus.REDIRECTED)


class LetterState(enum.StrEnum):
    NONE = "none"  # no decision yet: no letter due
    TO_PRINT = "to_print"
    PRINTED = "printed"


@dataclass(frozen=True)
class LetterInfo:
    """The letter of a request's present decision."""

    state: LetterState
    reference: str | None = None
    printed_at: dt.datetime | None = None
    print_count: int = 0

    @property
    def text(self) -> str:
        """« à imprimer », « imprimé le 12/01/2024 », « — » while undecided."""
        if self.state is LetterState.TO_PRINT:
            return "à imprimer"
        if self.state is LetterState.PRINTED and self.printed_at is not None:
            return f"imprimé le {frenchdates.paris(self.printed_at):%d/%m/%Y}"
        if self.state is LetterState.PRINTED:
            return "imprimé"
        return "—"


NO_LETTER = LetterInfo(LetterState.NONE)


def state_of(status: RequestStatus, letters: Iterable[tuple[int, RequestStatus, str, dt.datetime | None, int]]) -> LetterInfo:
    """letters: (id, decision, reference, printed_at, print_count) of one request."""
    if status not in DECIDED:
        return NO_LETTER
    matching = [letter for letter in letters if letter[1] == status]
    if not matching:
        return LetterInfo(LetterState.TO_PRINT)
    _id, _decision, reference, printed_at, count = max(matching, key=lambda letter: letter[0])
    if count:
        return LetterInfo(LetterState.PRINTED, reference, printed_at, count)
    return LetterInfo(LetterState.TO_PRINT, reference)


def letter_states(s: Session, where: object) -> dict[int, LetterInfo]:
    """The letter state of every request the condition keeps (on AccommodationRequest), in two reads."""
    statuses = dict(s.execute(select(AccommodationRequest.id, AccommodationRequest.status).where(where)).all())  # type: ignore[arg-type]
    letters: dict[int, list[tuple[int, RequestStatus, str, dt.datetime | None, int]]] = {}
    rows = s.execute(
        select(Letter.request_id, Letter.id, Letter.decision, Letter.reference, Letter.printed_at, Letter.print_count)
        .join(AccommodationRequest, AccommodationRequest.id == Letter.request_id)
        .where(where)  # type: ignore[arg-type]
    )
    for request_id, *letter in rows:
        letters.setdefault(request_id, []).append(tuple(letter))  # type: ignore[arg-type]
    return {request_id: state_of(status, letters.get(request_id, ())) for request_id, status in statuses.items()}
