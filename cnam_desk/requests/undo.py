"""Taking back a first decision while its letter is not printed: the request waits again.

Only the latest decision of a request, taken on a pending request, is taken back: the status,
the decision's fields and arrangements are cleared in one transaction (audited like every
change), and the history says so. A decision whose letter was printed, a request changed since
(another decision, a proof), or a decision that replaced an earlier one is refused in words:
the earlier decision's own words are not kept, so it is changed, not undone.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from cnam_desk import frenchdates
from cnam_desk.db.engine import Database
from cnam_desk.db.models import AccommodationRequest, RequestEvent, RequestStatus
from cnam_desk.errors import RefusedInput
from cnam_desk.requests import queue, review
from cnam_desk.requests.labels import STATUS_LABELS
from cnam_desk.requests.letter_state import LetterState, letter_states


class UndoRefused(RefusedInput):
    """The decision cannot be taken back; the message says why."""


def undo_decision(
    db: Database,
    request_id: int,
    *,
    expect_version: int | None = None,
    now: dt.datetime | None = None,
) -> queue.QueueRow:
    """Take back the request's decision (the version the clerk saved, when given); returns its queue line."""
    now = now or frenchdates.now()
    with db.transaction() as s:
        request = review.load_for_change(s, request_id, None)
        if request.status is RequestStatus.PENDING:
            raise UndoRefused(f"La demande n° {request_id} n'a pas de décision à annuler.")
        word = STATUS_LABELS[request.status].lower()
        if expect_version is not None and request.version != expect_version:
            raise UndoRefused(
                f"Impossible d'annuler la décision « {word} » de la demande n° {request_id} : "
                f"la demande a changé depuis ({_last_step(s, request_id)}). Rien n'a été annulé."
            )
        letter = letter_states(s, AccommodationRequest.id == request_id)[request_id]
        if letter.state is LetterState.PRINTED:
            printed = "a déjà été imprimé"
            if letter.printed_at:
                printed = f"a été imprimé le {frenchdates.long_datetime(letter.printed_at)}"
            raise UndoRefused(
                f"Impossible d'annuler la décision « {word} » de la demande n° {request_id} : son courrier "
                f"{printed}. Changez la décision (avec un motif) au lieu de l'annuler."
            )
        last = s.scalar(
            select(RequestEvent)
            .where(RequestEvent.request_id == request_id, RequestEvent.action.in_(("decided", "changed")))
            .order_by(RequestEvent.id.desc())
            .limit(1)
        )
        if last is None or last.action != "decided":
            raise UndoRefused(
                f"Impossible d'annuler la décision « {word} » de la demande n° {request_id} : elle remplaçait "
                "une décision précédente. Changez la décision au lieu de l'annuler."
            )
        with s.no_autoflush:
            request.status = RequestStatus.PENDING
            request.decided_at = None
            request.decided_by = None
            request.decision_reason = ""
            request.decision_comment = ""
            request.missing_items = ""
            request.reply_by = None
            request.arrangements = []
            request.events.append(
                RequestEvent(
                    at=now, clerk=db.clerk, action="undone", text=f"Décision « {word} » annulée : demande en attente"
                )
            )
            review.touch(request)
        s.flush()
        return queue.row_of(s, request)


def _last_step(s, request_id: int) -> str:  # s: Session
    event = s.scalar(
        select(RequestEvent)
        .where(RequestEvent.request_id == request_id)
        .order_by(RequestEvent.id.desc())
        .limit(1)
    )
    if event is None:
        return "modifiée par ailleurs"
    return f"« {event.text} » par {event.clerk} le {frenchdates.long_datetime(event.at)}"
