"""Requests coming in from Microsoft Forms exports: answers stored with their session, duplicates merged.

An export is read in two steps so the window can show a preview: `read_export` (in
`cnam_desk.requests.exports`) finds the form's columns and which question answers which field;
`import_steps` then writes every answer in one transaction (nothing is written if one answer is
wrong), merging duplicates.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cnam_desk import frenchdates
from cnam_desk.db import audit
from cnam_desk.db.engine import Database
from cnam_desk.db.models import (
    AccommodationRequest,
    CourseUnit,
    ExamSession,
    FormMapping,
    Proof,
    RequestedExam,
    RequestEvent,
    RequestKind,
    RequestReceipt,
    RequestStatus,
)
from cnam_desk.errors import Location, RefusedInput
from cnam_desk.progress import Progress
from cnam_desk.requests import checks
from cnam_desk.requests.answers import Answer, parse_answers
from cnam_desk.requests.exports import FormExport, ImportProblem, read_export
from cnam_desk.requests.labels import HANDICNAM, SOURCE_LABELS
from cnam_desk.requests.numbers import StudentNumbers
from cnam_desk.requests.placing import place_answers
from cnam_desk.schedule import exam_calendar

# --- writing --------------------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import did: new requests, answers merged into a request, answers already there."""

    added: int = 0
    merged: int = 0
    unchanged: int = 0
    errors: list[ImportProblem] = field(default_factory=list)
    # Kept as typed, with what the clerk should look at (an unknown UE, a number without its zero…).
    warnings: list[ImportProblem] = field(default_factory=list)
    # Student numbers that lost their leading zeros, matched to the one student they fit.
    numbers_matched: list[dict[str, Any]] = field(default_factory=list)
    request_ids: list[int] = field(default_factory=list)
    file_name: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "merged": self.merged,
            "unchanged": self.unchanged,
            "errors": [e.as_json() for e in self.errors],
            "warnings": [w.as_json() for w in self.warnings],
            "numbers_matched": self.numbers_matched,
        }

    def notes(self) -> list[str]:
        """The warnings and matched numbers, one line each, as the preview lists them."""
        lines = [w.describe() for w in self.warnings]
        lines += [
            f"{Location(self.file_name, m['sheet'], m['row'], m['column']).describe()} : numéro d'auditeur "
            f"« {m['typed']} » lu comme {m['number']} (zéro initial perdu par le tableur)"
            for m in self.numbers_matched
        ]
        return lines

    def summary(self) -> str:
        return (
            f"{self.added} demande{'s' if self.added > 1 else ''} ajoutée{'s' if self.added > 1 else ''}, "
            f"{self.merged} envoi{'s' if self.merged > 1 else ''} en double rattaché{'s' if self.merged > 1 else ''} "
            f"à une demande, {self.unchanged} déjà importé{'s' if self.unchanged > 1 else ''}."
        )


class ImportRefused(RefusedInput):
    """Some answers are wrong: nothing was imported; the problems say where."""

    def __init__(self, problems: list[ImportProblem]):
        self.problems = problems
        first = problems[0].describe()
        more = f" (et {len(problems) - 1} autre{'s' if len(problems) > 2 else ''} erreur" + (
            "s)" if len(problems) > 2 else ")"
        )
        super().__init__(f"{first}{more if len(problems) > 1 else ''}. Rien n'a été importé.")


def record_event(
    request: AccommodationRequest, clerk: str, action: str, text: str, at: dt.datetime
) -> None:
    request.events.append(RequestEvent(at=at, clerk=clerk, action=action, text=text))


def _received_text(answer: Answer) -> str:
    where = SOURCE_LABELS[answer.source]
    return f"Reçue ({where}) le {frenchdates.long_datetime(answer.received_at)}"


def _new_request(
    s: Session,
    answer: Answer,
    session: ExamSession,
    student_id: int | None,
    clerk: str,
    now: dt.datetime,
) -> AccommodationRequest:
    request = AccommodationRequest(
        session=session,
        student_id=student_id,
        student_number=answer.student_number,
        last_name=answer.last_name,
        first_name=answer.first_name,
        email=answer.email,
        kind=answer.kind,
        reason_text=answer.reason_text,
        received_at=answer.received_at,
        source=answer.source,
        trip_start=answer.trip_start,
        trip_end=answer.trip_end,
        comment=answer.comment,
        as_typed=dict(answer.as_typed) or None,
        postal_address=answer.postal_address,
        status=RequestStatus.PENDING,
        checks={},
    )
    request.exams = [RequestedExam(ue_code=code) for code in answer.codes]
    request.receipts = [_receipt(answer)]
    if answer.proof:
        request.proofs = [
            Proof(file_name=_proof_name(link), link=link, added_at=now)
            for link in (part.strip() for part in re.split(r"[;\n]", answer.proof))
            if link
        ]
    record_event(request, clerk, "received", _received_text(answer), now)
    if answer.kind is RequestKind.DISABILITY:
        # Not decided by the office: sent on at once, nothing medical kept.
        request.status = RequestStatus.REDIRECTED
        request.decided_at = now
        request.decided_by = clerk
        request.decision_reason = HANDICNAM
        record_event(
            request, clerk, "decided", f"Redirigée automatiquement vers la {HANDICNAM}", now
        )
    s.add(request)
    return request


def _proof_name(link: str) -> str:
    name = link.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0]
    return (name or link)[:255]


def _receipt(answer: Answer) -> RequestReceipt:
    return RequestReceipt(
        received_at=answer.received_at,
        source=answer.source,
        form_response_id=answer.response_id,
        content_hash=answer.content_hash,
    )


class Store:
    """The requests already in the database that new answers may merge into."""

    def __init__(self, s: Session, session_ids: set[int]):
        self.keys: dict[tuple[int, str, RequestKind, tuple[str, ...]], int] = {}
        if not session_ids:
            return
        codes: dict[int, list[str]] = defaultdict(list)
        for request_id, code in s.execute(
            select(RequestedExam.request_id, RequestedExam.ue_code)
            .join(RequestedExam.request)
            .where(AccommodationRequest.session_id.in_(session_ids))
        ):
            codes[request_id].append(code)
        for request_id, session_id, number, kind in s.execute(
            select(
                AccommodationRequest.id,
                AccommodationRequest.session_id,
                AccommodationRequest.student_number,
                AccommodationRequest.kind,
            )
            .where(AccommodationRequest.session_id.in_(session_ids))
            .order_by(AccommodationRequest.id)
        ):
            self.keys.setdefault(
                (session_id, number, kind, tuple(sorted(codes[request_id]))), request_id
            )


def _known_hashes(s: Session, hashes: list[str]) -> set[str]:
    known: set[str] = set()
    for start in range(0, len(hashes), 900):
        chunk = hashes[start : start + 900]
        known.update(
            s.scalars(
                select(RequestReceipt.content_hash).where(RequestReceipt.content_hash.in_(chunk))
            )
        )
    return known


def store_answers(
    s: Session,
    answers: list[Answer],
    *,
    session: ExamSession | None,
    file_name: str,
    sheet: str,
    clerk: str,
    now: dt.datetime | None = None,
) -> Generator[Progress, None, ImportReport]:
    """Write answers as requests inside an open transaction; raises ImportRefused on any wrong answer."""
    now = now or frenchdates.now()
    report = ImportReport(file_name=file_name)
    if session is not None:
        chosen = [(answer, session) for answer in answers]
    else:
        chosen, errors, placed = place_answers(s, answers, file_name=file_name, sheet=sheet)
        if errors:
            raise ImportRefused(errors)
        report.warnings.extend(placed)
    sessions = {target.id: target for _answer, target in chosen}
    store = Store(s, set(sessions))
    known = _known_hashes(s, [a.content_hash for a in answers])
    numbers = StudentNumbers(s, [a.student_number for a in answers])
    students: dict[str, int] = {}
    for answer, _target in chosen:
        match = numbers.match(answer.student_number)
        where = (file_name, sheet, answer.row, answer.number_column)
        if match.corrected:
            report.numbers_matched.append(
                {"sheet": sheet, "row": answer.row, "column": answer.number_column,
                 "typed": answer.student_number, "number": match.number}
            )  # fmt: skip
            answer.student_number = match.number
        elif match.candidates:
            report.warnings.append(ImportProblem(
                *where, f"numéro d'auditeur « {answer.student_number} » : plusieurs auditeurs possibles "
                f"({', '.join(match.candidates)}) ; gardé tel que saisi",
            ))  # fmt: skip
        elif match.student_id is None and answer.number_was_a_number:
            report.warnings.append(ImportProblem(
                *where, f"numéro d'auditeur « {answer.student_number} » écrit comme un nombre (un zéro initial "
                "a pu être perdu) et d'aucun auditeur connu ; gardé tel que saisi",
            ))  # fmt: skip
        if match.student_id is not None:
            students[answer.student_number.upper()] = match.student_id
    created: dict[tuple[int, str, RequestKind, tuple[str, ...]], AccommodationRequest] = {}
    merged_into: dict[int, AccommodationRequest] = {}
    total = len(chosen)
    # Checks are set before the first flush, so a new request is written once (version 1).
    with s.no_autoflush:
        for done, (answer, target) in enumerate(chosen, start=1):
            if answer.content_hash in known:
                report.unchanged += 1
            else:
                known.add(answer.content_hash)
                key = answer.merge_key(target.id)
                if key in created:
                    request = created[key]
                    request.receipts.append(_receipt(answer))
                    request.received_at = min(request.received_at, answer.received_at)
                    record_event(
                        request,
                        clerk,
                        "merged",
                        _received_text(answer) + " (envoi en double rattaché)",
                        now,
                    )
                    report.merged += 1
                elif key in store.keys:
                    request_id = store.keys[key]
                    request = merged_into.get(request_id) or s.get(AccommodationRequest, request_id)
                    assert request is not None
                    merged_into[request_id] = request
                    request.receipts.append(_receipt(answer))
                    request.received_at = min(request.received_at, answer.received_at)
                    record_event(
                        request,
                        clerk,
                        "merged",
                        _received_text(answer) + " (envoi en double rattaché)",
                        now,
                    )
                    report.merged += 1
                else:
                    created[key] = _new_request(
                        s, answer, target, students.get(answer.student_number.upper()), clerk, now
                    )
                    report.added += 1
            if done % 50 == 0 or done == total:
                yield Progress(done, total, f"Demandes enregistrées : {done} sur {total}")
        facts: dict[int, checks.SessionFacts] = {}
        touched = list(created.values()) + list(merged_into.values())
        for request in touched:
            session_facts = facts.get(request.session.id)
            if session_facts is None:
                wanted = {r.student_id for r in touched if r.session is request.session}
                session_facts = facts[request.session.id] = checks.SessionFacts(
                    s, request.session, wanted
                )
            checks.refresh_request(s, request, session_facts)
    s.flush()
    report.request_ids = sorted(r.id for r in created.values())
    if report.added or report.merged:
        audit.record(
            s,
            "import",
            "accommodation_request",
            None,
            None,
            {
                "file": file_name,
                "added": report.added,
                "merged": report.merged,
                "unchanged": report.unchanged,
            },
        )
    return report


def catalogue_codes(s: Session) -> set[str]:
    return set(s.scalars(select(CourseUnit.code)))


def _remember_mapping(s: Session, export: FormExport, now: dt.datetime) -> None:
    mapping = export.mapping_by_title()
    row = s.scalar(select(FormMapping).where(FormMapping.signature == export.signature))
    if row is None:
        s.add(FormMapping(signature=export.signature, mapping=mapping, updated_at=now))
    elif row.mapping != mapping:
        row.mapping = mapping
        row.updated_at = now


def _read_answers(s: Session, export: FormExport):  # type: ignore[no-untyped-def]
    read = parse_answers(export, catalogue_codes(s))
    if read.problems:
        raise ImportRefused(read.problems)
    return read


def _import_in(
    s: Session, clerk: str, export: FormExport, session_key: str | None, read=None  # type: ignore[no-untyped-def]
) -> Generator[Progress, None, ImportReport]:
    session = exam_calendar.find_session(s, session_key) if session_key else None
    yield Progress(0, len(export.rows), f"Lecture des réponses de « {export.file_name} »")
    read = read or _read_answers(s, export)
    report = yield from store_answers(
        s, read.answers, session=session, file_name=export.file_name, sheet=export.sheet, clerk=clerk
    )
    report.warnings[:0] = read.warnings
    report.warnings.sort(key=lambda w: w.row)
    _remember_mapping(s, export, frenchdates.now())
    return report


def import_steps(
    db: Database, export: FormExport, session_key: str | None = None
) -> Generator[Progress, None, ImportReport]:
    """Import a read export in one transaction, yielding progress; ImportRefused when an answer is wrong.

    The answers are parsed before the write lock is taken: a colleague waits for the storing alone.
    """
    with db.transaction(write=False) as s:
        read = _read_answers(s, export)
    with db.transaction() as s:
        return (yield from _import_in(s, db.clerk, export, session_key, read))


class _TrialOnly(Exception):
    def __init__(self, report: ImportReport):
        super().__init__("trial")
        self.report = report


def dry_run(db: Database, export: FormExport, session_key: str | None = None) -> ImportReport:
    """What the import would do, found by doing it and rolling it back (for the preview)."""
    try:
        with db.transaction() as s:
            steps = _import_in(s, db.clerk, export, session_key)
            while True:
                try:
                    next(steps)
                except StopIteration as stop:
                    raise _TrialOnly(stop.value) from None
    except _TrialOnly as trial:
        return trial.report


def import_requests(
    db: Database,
    path: str | Path,
    session_key: str | None = None,
    columns: dict[str, list[str]] | None = None,
) -> ImportReport:
    """Read and import a Forms export (the command line's way: no preview)."""
    export = read_export(db, path, columns)
    steps = import_steps(db, export, session_key)
    while True:
        try:
            next(steps)
        except StopIteration as stop:
            return stop.value


# --- requests typed by hand ----------------------------------------------------------------------
