"""Decision letters from the database: which are due, their PDFs, and when each was generated and printed."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
import unicodedata
from collections.abc import Generator, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from cnam_desk import frenchdates, office, paths, printing
from cnam_desk.db.engine import Database
from cnam_desk.db.models import (
    AccommodationRequest,
    Arrangement,
    Exam,
    ExamSession,
    Letter,
    RequestedExam,
    RequestKind,
    RequestStatus,
    Semester,
)
from cnam_desk.documents import (
    ArrangementLine,
    DecisionLetter,
    ExamLine,
    Letterhead,
    render_letters,
)
from cnam_desk.documents.common import split_lines
from cnam_desk.errors import NotFound, RefusedInput
from cnam_desk.progress import Progress
from cnam_desk.schedule import exam_calendar

DECIDED = (RequestStatus.ACCEPTED, RequestStatus.REFUSED, RequestStatus.INCOMPLETE, RequestStatus.REDIRECTED)
ORDERS = ("name", "decision", "date")
REFERENCE_PREFIX = "SE"


@dataclass(frozen=True)
class LetterSummary:
    """A decided request of a session and the state of its letter, as the batch lists it."""

    request_id: int
    student_number: str
    last_name: str
    first_name: str
    decision: RequestStatus
    decided_at: dt.datetime | None
    reference: str | None
    generated_at: dt.datetime | None
    printed_at: dt.datetime | None
    print_count: int
    has_address: bool

    @property
    def pending(self) -> bool:
        return self.print_count == 0

    def as_json(self) -> dict[str, object]:
        return {
            "request_id": self.request_id,
            "reference": self.reference,
            "student_number": self.student_number,
            "last_name": self.last_name,
            "first_name": self.first_name,
            "decision": self.decision.value,
            "postal_address": self.has_address,
            "generated_at": _iso(self.generated_at),
            "printed_at": _iso(self.printed_at),
            "print_count": self.print_count,
        }


def _iso(instant: dt.datetime | None) -> str | None:
    return None if instant is None else frenchdates.paris(instant).isoformat(timespec="seconds")


# --- reading the requests ------------------------------------------------------------------------


def session_title(session: ExamSession) -> str:
    """« semestre 1, session 1 de l'année 2023-2024 », as the letter's subject names it."""
    return f"semestre {session.semester.number}, session {session.number} de l'année {session.semester.year.label}"


def _names(request: AccommodationRequest) -> tuple[str, str, str]:
    """Last name, first name and number: the student's record when linked, else as written."""
    if request.student is not None:
        return request.student.last_name, request.student.first_name, request.student.number
    return request.last_name, request.first_name, request.student_number


def _sort_key(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text.replace("Ł", "L").replace("ł", "l"))
    return "".join(c for c in plain if not unicodedata.combining(c)).casefold()


_DECISION_RANK = {status: rank for rank, status in enumerate(DECIDED)}


def _order_key(order: str):  # type: ignore[no-untyped-def]
    def by_name(request: AccommodationRequest) -> tuple:
        last, first, number = _names(request)
        return (_sort_key(last), _sort_key(first), number, request.id)

    if order == "name":
        return by_name
    if order == "decision":
        return lambda r: (_DECISION_RANK[r.status], *by_name(r))
    if order == "date":
        far = dt.datetime.max.replace(tzinfo=dt.UTC)
        return lambda r: (r.decided_at or far, *by_name(r))
    raise RefusedInput(f"Ordre « {order} » inconnu : name (nom), decision (décision) ou date.")


def _current_letter(request: AccommodationRequest) -> Letter | None:
    """The letter of the request's present decision (an earlier decision had its own letter)."""
    matching = [letter for letter in request.letters if letter.decision == request.status]
    return max(matching, key=lambda letter: letter.id) if matching else None


def _load(s: Session, where) -> list[AccommodationRequest]:  # type: ignore[no-untyped-def]
    return list(
        s.scalars(
            select(AccommodationRequest)
            .where(where)
            .options(
                selectinload(AccommodationRequest.student),
                selectinload(AccommodationRequest.letters),
                selectinload(AccommodationRequest.exams).selectinload(RequestedExam.exam).selectinload(Exam.course_unit),
                selectinload(AccommodationRequest.arrangements)
                .selectinload(Arrangement.exam)
                .selectinload(Exam.course_unit),
                selectinload(AccommodationRequest.session)
                .selectinload(ExamSession.semester)
                .selectinload(Semester.year),
            )
        )
    )


def _select(
    s: Session, key: str, pending_only: bool, order: str, request_ids: Sequence[int] | None = None
) -> list[AccommodationRequest]:
    session = exam_calendar.find_session(s, key)
    if request_ids:
        requests = _load(s, AccommodationRequest.id.in_(list(request_ids)))
        found = {r.id: r for r in requests}
        for request_id in request_ids:
            request = found.get(request_id)
            if request is None or request.session_id != session.id:
                raise NotFound(f"La demande n° {request_id} n'existe pas dans la session {key}.")
            if request.status not in DECIDED:
                raise RefusedInput(f"La demande n° {request_id} n'est pas encore décidée : pas de courrier à produire.")
        requests = [found[i] for i in dict.fromkeys(request_ids)]
    else:
        requests = _load(
            s, (AccommodationRequest.session_id == session.id) & AccommodationRequest.status.in_(list(DECIDED))
        )
    if pending_only:
        requests = [r for r in requests if (letter := _current_letter(r)) is None or letter.print_count == 0]
    return sorted(requests, key=_order_key(order))


def _summary(request: AccommodationRequest) -> LetterSummary:
    last, first, number = _names(request)
    letter = _current_letter(request)
    return LetterSummary(
        request_id=request.id,
        student_number=number,
        last_name=last,
        first_name=first,
        decision=request.status,
        decided_at=request.decided_at,
        reference=letter.reference if letter else None,
        generated_at=letter.generated_at if letter else None,
        printed_at=letter.printed_at if letter else None,
        print_count=letter.print_count if letter else 0,
        has_address=bool(request.student is not None and split_lines(request.student.postal_address)),
    )


def letters_for_session(
    db: Database,
    key: str,
    pending_only: bool = True,
    order: str = "name",
    request_ids: Sequence[int] | None = None,
) -> list[LetterSummary]:
    """The session's decided requests whose letter is due (or all of them), in the clerk's order."""
    with db.transaction() as s:
        return [_summary(r) for r in _select(s, key, pending_only, order, request_ids)]


def summaries_for_requests(db: Database, request_ids: Sequence[int]) -> list[LetterSummary]:
    """The letters of some decided requests (any sessions), in the order given."""
    with db.transaction() as s:
        return [_summary(r) for r in _decided(s, request_ids)]


def _decided(s: Session, request_ids: Sequence[int]) -> list[AccommodationRequest]:
    if not request_ids:
        raise RefusedInput("Aucune demande choisie : pas de courrier à produire.")
    found = {r.id: r for r in _load(s, AccommodationRequest.id.in_(list(request_ids)))}
    ordered = []
    for request_id in dict.fromkeys(request_ids):
        request = found.get(request_id)
        if request is None:
            raise NotFound(f"La demande n° {request_id} n'existe pas.")
        if request.status not in DECIDED:
            raise RefusedInput(f"La demande n° {request_id} n'est pas encore décidée : pas de courrier à produire.")
        ordered.append(request)
    return ordered


def session_of_request(db: Database, request_id: int) -> str:
    """The key of the session a request belongs to."""
    with db.transaction() as s:
        request = s.get(AccommodationRequest, request_id)
        if request is None:
            raise NotFound(f"La demande n° {request_id} n'existe pas.")
        return request.session.key


# --- building the letters ----------------------------------------------------------------------


def reference_for(request_id: int, year: int, previous: int) -> str:
    """« SE-2024-000123 »: the request's number, so the clerk finds the request from the letter.

    A later decision on the same request gets a suffix (« SE-2024-000123-2 »).
    """
    base = f"{REFERENCE_PREFIX}-{year}-{request_id:06d}"
    return base if previous == 0 else f"{base}-{previous + 1}"


def decision_letter(request: AccommodationRequest, letter: Letter) -> DecisionLetter:
    """The printable letter of a decided request (inside the transaction that loaded it)."""
    last, first, number = _names(request)
    exams = []
    for requested in request.exams:
        exam = requested.exam
        if exam is not None:
            exams.append(ExamLine(requested.ue_code, exam.course_unit.title, exam.date, exam.start, exam.end, exam.room))
    exams.sort(key=lambda e: (e.date, e.start, e.ue_code))
    arrangements = [
        ArrangementLine(a.ue_code, a.date, a.start, a.end, a.room, a.exam.course_unit.title if a.exam else "")
        for a in sorted(request.arrangements, key=lambda a: (a.date, a.start, a.ue_code))
    ]
    address = split_lines(request.student.postal_address) if request.student is not None else ()
    return DecisionLetter(
        reference=letter.reference,
        decision=request.status.value,
        student_name=" ".join(part for part in (first, last) if part),
        student_number=number,
        address_lines=address,
        session_title=session_title(request.session),
        exams=tuple(exams),
        letter_date=frenchdates.paris(letter.generated_at).date(),
        arrangements=tuple(arrangements),
        reason=request.decision_reason,
        comment=request.decision_comment,
        missing=split_lines(request.missing_items),
        reply_by=request.reply_by,
        received_on=frenchdates.paris(request.received_at).date() if request.received_at else None,
        attestation=request.kind is RequestKind.ATTESTATION,
    )


def _generate(
    s: Session, requests: Iterable[AccommodationRequest], now: dt.datetime, persist: bool = True
) -> list[DecisionLetter]:
    """Create or update each request's Letter row (generated now) and build the printable letters.

    Without persist (a preview), nothing is written: a new letter shows the reference it will get.
    """
    built = []
    for request in requests:
        letter = _current_letter(request)
        if not persist:
            reference = (
                letter.reference
                if letter is not None
                else reference_for(request.id, frenchdates.paris(now).year, len(request.letters))
            )
            built.append(decision_letter(request, Letter(reference=reference, decision=request.status, generated_at=now)))
            continue
        if letter is None:
            letter = Letter(
                request=request,
                reference=reference_for(request.id, frenchdates.paris(now).year, len(request.letters)),
                decision=request.status,
                generated_at=now,
                print_count=0,
            )
            s.add(letter)
        else:
            letter.generated_at = now
        built.append(decision_letter(request, letter))
    s.flush()
    return built


def generate(
    db: Database,
    key: str,
    *,
    pending_only: bool = True,
    order: str = "name",
    request_ids: Sequence[int] | None = None,
    now: dt.datetime | None = None,
) -> tuple[list[DecisionLetter], Letterhead]:
    """The letters of a session (or of some requests), generated now, and the letterhead they print with."""
    now = now or frenchdates.now()
    with db.transaction() as s:
        requests = _select(s, key, pending_only, order, request_ids)
        return _generate(s, requests, now), office.letterhead_in(s)


# --- writing and printing --------------------------------------------------------------------------

def _slug(text: str) -> str:
    plain = _sort_key(text)
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-") or "x"


def letter_file_name(letter: DecisionLetter) -> str:
    """« SE-2024-000123_zoe-lefevre-dupre.pdf »: readable and safe on every file system."""
    return paths.safe_file_name(f"{letter.reference}_{_slug(letter.student_name)}.pdf")


def batch_file_name(key: str, now: dt.datetime) -> str:
    return paths.safe_file_name(f"courriers_{_slug(key)}_{frenchdates.paris(now):%Y%m%d-%H%M%S}.pdf")


def _write_atomic(letters: list[DecisionLetter], letterhead: Letterhead, path: Path) -> None:
    # A half-written PDF never carries the final name.
    tmp = path.with_name(f".{path.name}.part")
    try:
        render_letters(letters, letterhead, tmp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def write_letters(
    db: Database,
    key: str,
    out_dir: str | Path,
    *,
    pending_only: bool = True,
    order: str = "name",
    request_ids: Sequence[int] | None = None,
    single_file: bool = False,
    now: dt.datetime | None = None,
) -> Generator[Progress, None, tuple[list[DecisionLetter], list[Path]]]:
    """Write the letters as PDF files in out_dir: one per letter, or all in one file (single_file).

    Yields progress; returns the letters and the files written.
    """
    now = now or frenchdates.now()
    folder = Path(out_dir)
    if not folder.is_dir():
        raise RefusedInput(f"Le dossier « {folder} » n'existe pas : créez-le ou choisissez-en un autre.")
    letters, letterhead = generate(
        db, key, pending_only=pending_only, order=order, request_ids=request_ids, now=now
    )
    total = len(letters)
    if not letters:
        return letters, []
    if single_file:
        yield Progress(0, total, f"Préparation de {total} courrier(s) en un seul fichier…")
        path = folder / batch_file_name(key, now)
        _write_atomic(letters, letterhead, path)
        yield Progress(total, total, f"{total} courrier(s) écrits dans {path.name}")
        return letters, [path]
    files = []
    names = paths.UniqueNames()
    for index, letter in enumerate(letters):
        yield Progress(index, total, f"Courrier {letter.reference} ({index + 1} sur {total})")
        path = folder / names(letter_file_name(letter))
        _write_atomic([letter], letterhead, path)
        files.append(path)
    yield Progress(total, total, f"{total} courrier(s) écrits")
    return letters, files


def record_printed(db: Database, references: Iterable[str], now: dt.datetime | None = None) -> None:
    """The letters were sent to a printer: printed_at is now and print_count goes up (reprints too)."""
    now = now or frenchdates.now()
    wanted = list(dict.fromkeys(references))
    with db.transaction() as s:
        rows = {row.reference: row for row in s.scalars(select(Letter).where(Letter.reference.in_(wanted)))}
        for reference in wanted:
            row = rows.get(reference)
            if row is None:
                raise NotFound(f"Le courrier {reference} n'existe pas.")
            row.printed_at = now
            row.print_count = (row.print_count or 0) + 1


def print_letters(
    db: Database,
    key: str,
    *,
    printer: str | None = None,
    pending_only: bool = True,
    order: str = "name",
    request_ids: Sequence[int] | None = None,
    single_job: bool = True,
    now: dt.datetime | None = None,
) -> Generator[Progress, None, tuple[list[DecisionLetter], list[str]]]:
    """Print the letters through the system's print service (one job, or one per letter).

    Each letter is recorded as printed once its job is accepted. Returns the letters and job ids.
    """
    now = now or frenchdates.now()
    printing.list_printers()  # a missing print service is said before any letter is generated
    letters, letterhead = generate(
        db, key, pending_only=pending_only, order=order, request_ids=request_ids, now=now
    )
    if not letters:
        return letters, []
    total = len(letters)
    jobs: list[str] = []
    groups = [letters] if single_job else [[letter] for letter in letters]
    done = 0
    with tempfile.TemporaryDirectory(prefix="cnam-desk-courriers-") as tmp:
        for group in groups:
            yield Progress(done, total, f"Impression de {len(group)} courrier(s)…")
            path = Path(tmp) / (letter_file_name(group[0]) if len(group) == 1 else batch_file_name(key, now))
            render_letters(group, letterhead, path)
            title = f"Courrier {group[0].reference}" if len(group) == 1 else f"Courriers {key} ({len(group)})"
            jobs.append(printing.print_pdf(path, printer, title=title))
            record_printed(db, [letter.reference for letter in group], now)
            done += len(group)
    yield Progress(total, total, f"{total} courrier(s) envoyés à l'impression")
    return letters, jobs


def render_for_requests(
    db: Database, request_ids: Sequence[int], out: object, *, persist: bool = True, now: dt.datetime | None = None
) -> list[DecisionLetter]:
    """The letters of some requests (any sessions) in one PDF, in the order given.

    persist=False is a preview: the PDF shows what will print, and nothing is recorded.
    """
    now = now or frenchdates.now()
    with db.transaction() as s:
        letters = _generate(s, _decided(s, request_ids), now, persist)
        letterhead = office.letterhead_in(s)
    render_letters(letters, letterhead, out)  # type: ignore[arg-type]
    return letters
