"""Deciding a request: accept with an arrangement, refuse with a reason, ask for more, redirect.

Two clerks may open the same request: a decision names the version it was taken on, and is
refused (nothing overwritten) when the request changed in between. A decision whose letter was
printed can still be changed, but only with a reason, kept in the request's history.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from cnam_desk import frenchdates, parsing
from cnam_desk.db.engine import Database
from cnam_desk.db.models import (
    AccommodationRequest,
    Arrangement,
    Letter,
    RefusalReason,
    RequestEvent,
    RequestKind,
    RequestStatus,
)
from cnam_desk.errors import EditConflict, NotFound, RefusedInput
from cnam_desk.grading import attestations
from cnam_desk.requests import checks, queue
from cnam_desk.requests.labels import HANDICNAM, STATUS_LABELS
from cnam_desk.slots import times_overlap
from cnam_desk.spreadsheets import normalise_header

INCOMPLETE_REPLY_DAYS = 7


class Decision(enum.StrEnum):
    ACCEPT = "accept"
    REFUSE = "refuse"
    INCOMPLETE = "incomplete"
    REDIRECT = "redirect"

    @property
    def status(self) -> RequestStatus:
        return {
            Decision.ACCEPT: RequestStatus.ACCEPTED,
            Decision.REFUSE: RequestStatus.REFUSED,
            Decision.INCOMPLETE: RequestStatus.INCOMPLETE,
            Decision.REDIRECT: RequestStatus.REDIRECTED,
        }[self]


@dataclass(frozen=True)
class ArrangementInput:
    """Where and when the student sits the exam concerned instead (the exam itself never moves)."""

    ue_code: str | None
    date: dt.date
    start: dt.time
    end: dt.time
    room: str


class ChangeReasonRequired(RefusedInput):
    """The decision's letter was printed: changing it needs a reason."""


# --- reading for a change ----------------------------------------------------------------------


def _status_word(status: RequestStatus) -> str:
    return STATUS_LABELS[status].lower()


def conflict_message(s: Session, request: AccommodationRequest) -> str:
    """Who changed the request last, and when, in the clerk's words."""
    event = s.scalar(
        select(RequestEvent)
        .where(RequestEvent.request_id == request.id)
        .order_by(RequestEvent.at.desc(), RequestEvent.id.desc())
        .limit(1)
    )
    if request.status is not RequestStatus.PENDING and request.decided_at is not None:
        what = (
            f"décision « {_status_word(request.status)} » prise par {request.decided_by} "
            f"le {frenchdates.long_datetime(request.decided_at)}"
        )
    elif event is not None:
        what = f"« {event.text} » par {event.clerk} le {frenchdates.long_datetime(event.at)}"
    else:
        what = "modifiée par ailleurs"
    return (
        f"La demande n° {request.id} a changé depuis que vous l'avez ouverte : {what}. "
        "Rien n'a été enregistré ; rouvrez la demande pour voir où elle en est."
    )


def load_for_change(
    s: Session, request_id: int, expect_version: int | None
) -> AccommodationRequest:
    """The request, locked for this transaction; EditConflict when it is not the version the clerk saw."""
    # FOR UPDATE makes a second clerk on PostgreSQL wait, then see the first one's decision;
    # SQLite already serialises writers (BEGIN IMMEDIATE).
    request = s.scalar(
        select(AccommodationRequest).where(AccommodationRequest.id == request_id).with_for_update()
    )
    if request is None:
        raise NotFound(f"La demande n° {request_id} n'existe pas.")
    if expect_version is not None and request.version != expect_version:
        raise EditConflict(conflict_message(s, request))
    return request


def touch(request: AccommodationRequest) -> None:
    """Give the request a new version even when only its children changed (a proof, a receipt)."""
    flag_modified(request, "checks")


def printed_letter_at(s: Session, request_id: int) -> dt.datetime | None:
    return s.scalar(
        select(Letter.printed_at)
        .where(Letter.request_id == request_id, Letter.printed_at.is_not(None))
        .order_by(Letter.printed_at.desc())
        .limit(1)
    )


# --- refusal reasons ---------------------------------------------------------------------------


def refusal_reasons(db: Database) -> list[str]:
    """The office's list of refusal reasons, in its order."""
    with db.transaction() as s:
        return list(
            s.scalars(
                select(RefusalReason.text)
                .where(RefusalReason.active.is_(True))
                .order_by(RefusalReason.position, RefusalReason.id)
            )
        )


def set_refusal_reasons(db: Database, texts: list[str]) -> list[str]:
    """Replace the list (in this order); reasons taken off it are kept, inactive, for past letters."""
    wanted: list[str] = []
    for text in texts:
        clean = parsing.parse_text(text)
        if clean and clean not in wanted:
            wanted.append(clean)
    if not wanted:
        raise RefusedInput("La liste des motifs de refus ne peut pas être vide.")
    with db.transaction() as s:
        rows = {row.text: row for row in s.scalars(select(RefusalReason))}
        for position, text in enumerate(wanted):
            row = rows.get(text)
            if row is None:
                s.add(RefusalReason(text=text, position=position, active=True))
            else:
                if row.position != position:
                    row.position = position
                if not row.active:
                    row.active = True
        for text, row in rows.items():
            if text not in wanted and row.active:
                row.active = False
    return wanted


def match_refusal_reason(reasons: list[str], given: str) -> str:
    """A reason of the list, named by its text (accents and case aside), its start, or its number."""
    text = given.strip()
    if text.isdigit() and 1 <= int(text) <= len(reasons):
        return reasons[int(text) - 1]
    wanted = normalise_header(text)
    for reason in reasons:
        if normalise_header(reason) == wanted:
            return reason
    starting = [
        reason for reason in reasons if wanted and normalise_header(reason).startswith(wanted)
    ]
    if len(starting) == 1:
        return starting[0]
    listed = " ; ".join(f"{i}. {reason}" for i, reason in enumerate(reasons, start=1))
    raise RefusedInput(f"Motif de refus « {given} » absent de la liste du service : {listed}")


# --- deciding ------------------------------------------------------------------------------------


def _arrangement_text(arrangement: Arrangement) -> str:
    room = f", {arrangement.room}" if arrangement.room else ""
    return (
        f"{arrangement.ue_code} le {frenchdates.long_date(arrangement.date)} de {frenchdates.hour(arrangement.start)} "
        f"à {frenchdates.hour(arrangement.end)}{room}"
    )


def _check_arrangement(
    s: Session, request: AccommodationRequest, given: ArrangementInput | None
) -> Arrangement:
    if given is None:
        raise RefusedInput(
            "Pour accepter, indiquez l'aménagement : UE, date, début, fin et salle (--exam --date --start --end --room)."
        )
    codes = [row.ue_code for row in request.exams]
    code = (given.ue_code or "").strip().upper()
    if not code:
        if len(codes) != 1:
            raise RefusedInput(
                f"La demande porte sur plusieurs UE ({', '.join(codes)}) : indiquez celle de l'aménagement (--exam)."
            )
        code = codes[0]
    if code not in codes:
        raise RefusedInput(
            f"L'UE {code} ne fait pas partie de la demande ({', '.join(codes) or 'aucune UE'})."
        )
    if given.end <= given.start:
        raise RefusedInput(
            f"L'heure de fin ({frenchdates.hour(given.end)}) doit être après l'heure de début ({frenchdates.hour(given.start)})."
        )
    room = parsing.parse_text(given.room)
    if not room:
        raise RefusedInput("Indiquez la salle où l'auditeur passera l'examen (--room).")
    facts = checks.SessionFacts(s, request.session, [request.student_id])
    own = facts.slots.get(code)
    if own is not None and (own.date, own.start, own.end) == (given.date, given.start, given.end):
        raise RefusedInput(
            f"Ce créneau est celui de l'examen {code} lui-même : un aménagement donne un autre créneau "
            "(la date d'un examen n'est jamais modifiée)."
        )
    for other in facts.student_exams(request.student_id) + [
        facts.slots[c] for c in codes if c in facts.slots
    ]:
        if other.code != code and times_overlap(
            given.date, given.start, given.end, other.date, other.start, other.end
        ):
            raise RefusedInput(
                f"Ce créneau chevauche l'examen {other.code} de l'auditeur ({frenchdates.long_date(other.date)}, "
                f"{frenchdates.hour(other.start)}–{frenchdates.hour(other.end)}) : choisissez-en un autre."
            )
    return Arrangement(
        ue_code=code,
        exam_id=own.exam_id if own else None,
        date=given.date,
        start=given.start,
        end=given.end,
        room=room,
    )


def decide(
    db: Database,
    request_id: int,
    decision: Decision | str,
    *,
    reason: str = "",
    comment: str = "",
    arrangement: ArrangementInput | None = None,
    reply_by: dt.date | None = None,
    expect_version: int | None = None,
    change_reason: str = "",
    now: dt.datetime | None = None,
) -> queue.QueueRow:
    """Record a clerk's decision on one request; returns the request as the queue shows it.

    A request for the attestation de M1 is accepted without an arrangement: only when the
    programme check says it is earned, and the attestation is recorded with the decision.
    """
    try:
        decision = Decision(decision)
    except ValueError:
        raise RefusedInput(
            f"Décision « {decision} » inconnue : accept, refuse, incomplete ou redirect."
        ) from None
    now = now or frenchdates.now()
    with _conflicts_named(db, request_id), db.transaction() as s:
        request = load_for_change(s, request_id, expect_version)
        if decision is Decision.ACCEPT and arrangement is None and request.kind is RequestKind.ATTESTATION:
            verdict = attestations.verdict_in(s, request, None)
            if not verdict.accepted:
                raise RefusedInput(
                    f"Attestation de M1 impossible pour la demande n° {request_id} : {verdict.reason}."
                )
            _record_attestation(s, db.clerk, request, verdict, change_reason, now)
        else:
            _apply(s, db.clerk, request, decision, reason, comment, arrangement, reply_by, change_reason, now)
        s.flush()
        return queue.row_of(s, request)


def decide_attestation(
    db: Database,
    request_id: int,
    programme_name: str | None = None,
    *,
    expect_version: int | None = None,
    change_reason: str = "",
    now: dt.datetime | None = None,
) -> tuple[attestations.AttestationVerdict, attestations.M1Data | None]:
    """Decide an attestation request by the programme check, in one transaction.

    Met: accepted and the attestation de M1 recorded. Not met: refused with the list of what is
    missing. Student unknown: incomplete. The same rules as every decision: a request changed
    since the clerk read it (expect_version) is refused with who changed it and when, and a
    decision whose letter was printed changes only with a reason.
    """
    now = now or frenchdates.now()
    with _conflicts_named(db, request_id), db.transaction() as s:
        request = load_for_change(s, request_id, expect_version)
        verdict = attestations.verdict_in(s, request, programme_name)
        issued = _record_attestation(s, db.clerk, request, verdict, change_reason, now)
        return verdict, issued


@contextmanager
def _conflicts_named(db: Database, request_id: int) -> Iterator[None]:
    """Another clerk's decision went through between our read and our write: say who and when."""
    try:
        yield
    except StaleDataError:
        with db.transaction() as s:
            request = s.get(AccommodationRequest, request_id)
            assert request is not None
            raise EditConflict(conflict_message(s, request)) from None


_STATUS_DECISION = {decision.status: decision for decision in Decision}


def _record_attestation(
    s: Session,
    clerk: str,
    request: AccommodationRequest,
    verdict: attestations.AttestationVerdict,
    change_reason: str,
    now: dt.datetime,
) -> attestations.M1Data | None:
    decision = _STATUS_DECISION[verdict.status]
    change_reason = parsing.parse_text(change_reason)
    previous, changing = _guard(s, request, decision, change_reason)
    issued = attestations.issue_m1_in(s, clerk, verdict.check) if verdict.accepted and verdict.check else None
    if decision is Decision.INCOMPLETE:
        fields = {"missing_items": verdict.reason, "decision_reason": ""}
        text = f"Incomplète : {verdict.reason}"
    else:
        fields = {"missing_items": "", "decision_reason": verdict.reason}
        text = (
            f"Acceptée : attestation de M1 {issued.reference} ({verdict.check.programme.name})"
            if issued and verdict.check
            else f"Refusée : {verdict.reason}"
        )
    _write(
        s, clerk, request, decision, now, text, previous, change_reason,
        decision_comment=f"Attestation de M1 {issued.reference}" if issued else "",
        reply_by=None, arrangements=[], **fields,
    )  # fmt: skip
    return issued


def _guard(
    s: Session, request: AccommodationRequest, decision: Decision, change_reason: str
) -> tuple[RequestStatus, bool]:
    """The rules every decision obeys; returns the status before and whether it is a change."""
    if request.kind is RequestKind.DISABILITY and decision is not Decision.REDIRECT:
        raise RefusedInput(
            "Une demande liée à une situation de handicap n'est pas décidée par le service des examens : "
            f"elle est transmise à la {HANDICNAM}."
        )
    previous = request.status
    changing = previous is not RequestStatus.PENDING
    printed = printed_letter_at(s, request.id) if changing else None
    if printed is not None and not change_reason:
        raise ChangeReasonRequired(
            f"Le courrier de la décision « {_status_word(previous)} » a été imprimé le "
            f"{frenchdates.long_datetime(printed)} : indiquez le motif du changement (--change-reason)."
        )
    return previous, changing


def _apply(
    s: Session,
    clerk: str,
    request: AccommodationRequest,
    decision: Decision,
    reason: str,
    comment: str,
    given: ArrangementInput | None,
    reply_by: dt.date | None,
    change_reason: str,
    now: dt.datetime,
) -> None:
    reason = parsing.parse_text(reason)
    comment = parsing.parse_text(comment)
    change_reason = parsing.parse_text(change_reason)
    previous, _changing = _guard(s, request, decision, change_reason)

    arrangements: list[Arrangement] = []
    missing_items = ""
    decision_reason = ""
    chosen_reply_by: dt.date | None = None
    if decision is Decision.ACCEPT:
        arrangements = [_check_arrangement(s, request, given)]
        text = "Acceptée : " + _arrangement_text(arrangements[0])
    elif decision is Decision.REFUSE:
        if not reason:
            raise RefusedInput(
                "Pour refuser, choisissez un motif de la liste du service (--reason)."
            )
        reasons = list(
            s.scalars(
                select(RefusalReason.text)
                .where(RefusalReason.active.is_(True))
                .order_by(RefusalReason.position, RefusalReason.id)
            )
        )
        decision_reason = match_refusal_reason(reasons, reason)
        text = f"Refusée : {decision_reason}" + (f" ({comment})" if comment else "")
    elif decision is Decision.INCOMPLETE:
        if not reason:
            raise RefusedInput("Indiquez ce qui manque à la demande (--reason).")
        today = frenchdates.paris(now).date()
        chosen_reply_by = reply_by or today + dt.timedelta(days=INCOMPLETE_REPLY_DAYS)
        if chosen_reply_by < today:
            raise RefusedInput(
                f"La date de réponse attendue ({frenchdates.long_date(chosen_reply_by)}) est déjà passée."
            )
        missing_items = reason
        text = f"Incomplète : manque {reason} ; réponse attendue avant le {frenchdates.long_date(chosen_reply_by)}"
    else:
        decision_reason = reason or (HANDICNAM if request.kind is RequestKind.DISABILITY else "")
        if not decision_reason:
            raise RefusedInput("Indiquez vers qui la demande est redirigée (--reason).")
        text = f"Redirigée vers {decision_reason}"
    _write(
        s, clerk, request, decision, now, text, previous, change_reason,
        decision_reason=decision_reason, decision_comment=comment, missing_items=missing_items,
        reply_by=chosen_reply_by, arrangements=arrangements,
    )  # fmt: skip


def _write(
    s: Session,
    clerk: str,
    request: AccommodationRequest,
    decision: Decision,
    now: dt.datetime,
    text: str,
    previous: RequestStatus,
    change_reason: str,
    *,
    decision_reason: str,
    decision_comment: str,
    missing_items: str,
    reply_by: dt.date | None,
    arrangements: list[Arrangement],
) -> None:
    """The one place a decision is written: status, fields, history line, new version."""
    changing = previous is not RequestStatus.PENDING
    if changing:
        text = f"Décision modifiée (était : {_status_word(previous)}) : {text}"
        if change_reason:
            text += f" ; motif du changement : {change_reason}"
    # One UPDATE for the whole decision: one new version.
    with s.no_autoflush:
        request.status = decision.status
        request.decided_at = now
        request.decided_by = clerk
        request.decision_reason = decision_reason
        request.decision_comment = decision_comment
        request.missing_items = missing_items
        request.reply_by = reply_by
        request.arrangements = arrangements
        request.events.append(
            RequestEvent(
                at=now, clerk=clerk, action="changed" if changing else "decided", text=text
            )
        )
        touch(request)


# --- what the review pane proposes ---------------------------------------------------------------


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


def suggest_refusal_reason(reasons: list[str], request_checks: dict, kind: RequestKind) -> int:
    """The position in the list of the reason the checks point to (0 when none does)."""
    for applies, words in _REASON_WORDS:
        if applies(request_checks, kind):
            for position, reason in enumerate(reasons):
                if words in normalise_header(reason):
                    return position
    return 0
