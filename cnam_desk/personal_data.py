"""Personal data: everything held on one student (right of access), and the purge of old requests.

Retention: a request, its letters and its proofs are kept for `retention_years` complete
academic years after the end of the year of its session (office setting "retention_years",
2 by default); `purge --before YEAR` removes what is both past that and before YEAR.
Grades and attestations are not purged: they prove a student's results for life.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, delete, false, func, or_, select
from sqlalchemy.orm import Session, selectinload

from cnam_desk.db import audit
from cnam_desk.db.engine import Database
from cnam_desk.db.models import (
    AcademicYear,
    AccommodationRequest,
    Arrangement,
    Attestation,
    AuditEvent,
    Enrolment,
    ExamSession,
    Grade,
    Letter,
    OfficeSetting,
    Proof,
    RequestedExam,
    RequestEvent,
    RequestReceipt,
    SecondEntry,
    Semester,
    Student,
)
from cnam_desk.errors import NotFound, RefusedInput

RETENTION_SETTING = "retention_years"
DEFAULT_RETENTION_YEARS = 2


def _iso(value: Any) -> Any:
    return audit._plain(value)


# --- right of access -------------------------------------------------------------------------


def _request_json(request: AccommodationRequest) -> dict[str, Any]:
    return {
        "id": request.id,
        "session": request.session.key,
        "kind": _iso(request.kind),
        "status": _iso(request.status),
        "received_at": _iso(request.received_at),
        "source": _iso(request.source),
        "as_written": {
            "student_number": request.student_number,
            "last_name": request.last_name,
            "first_name": request.first_name,
            "email": request.email,
            "postal_address": request.postal_address,
        },
        "as_typed": request.as_typed or {},
        "reason_text": request.reason_text,
        "trip_start": _iso(request.trip_start),
        "trip_end": _iso(request.trip_end),
        "comment": request.comment,
        "checks": _iso(request.checks),
        "decided_at": _iso(request.decided_at),
        "decided_by": request.decided_by,
        "decision_reason": request.decision_reason,
        "decision_comment": request.decision_comment,
        "missing_items": request.missing_items,
        "reply_by": _iso(request.reply_by),
        "ues": [exam.ue_code for exam in request.exams],
        "receipts": [
            {"received_at": _iso(r.received_at), "source": _iso(r.source), "form_response_id": r.form_response_id}
            for r in request.receipts
        ],
        "arrangements": [
            {"ue": a.ue_code, "date": _iso(a.date), "start": _iso(a.start), "end": _iso(a.end), "room": a.room}
            for a in request.arrangements
        ],
        # The proofs themselves are the student's own documents; the export lists them.
        "proofs": [
            {
                "file_name": p.file_name,
                "media_type": p.media_type,
                "size": p.size,
                "sha256": p.sha256,
                "link": p.link,
                "added_at": _iso(p.added_at),
                "content_kept": p.content is not None,
            }
            for p in request.proofs
        ],
        "history": [
            {"at": _iso(e.at), "clerk": e.clerk, "action": e.action, "text": e.text} for e in request.events
        ],
        "letters": [
            {
                "reference": letter.reference,
                "decision": _iso(letter.decision),
                "generated_at": _iso(letter.generated_at),
                "printed_at": _iso(letter.printed_at),
                "print_count": letter.print_count,
            }
            for letter in request.letters
        ],
    }


def _about(pairs: Iterable[tuple[str, Iterable[int]]]):  # type: ignore[no-untyped-def]
    conditions = []
    for entity, ids in pairs:
        ids = [str(i) for i in ids]
        if ids:
            conditions.append(and_(AuditEvent.entity == entity, AuditEvent.entity_id.in_(ids)))
    return or_(*conditions) if conditions else false()


def _since_created(events: list[AuditEvent]) -> list[AuditEvent]:
    """Each row's events from its last insert: a SQLite row id freed by a purge may be given again."""
    created: dict[tuple[str, str | None], int] = {}
    for index, event in enumerate(events):
        if event.action == "insert":
            created[(event.entity, event.entity_id)] = index
    return [e for i, e in enumerate(events) if i >= created.get((e.entity, e.entity_id), 0)]


def student_data(db: Database, number: str, now: dt.datetime | None = None) -> dict[str, Any]:
    """Everything the office holds on one student, as JSON-ready data."""
    number = number.strip()
    with db.transaction(write=False) as s:
        student = s.scalar(select(Student).where(Student.number == number))
        by_number = AccommodationRequest.student_number == number
        requests = list(
            s.scalars(
                select(AccommodationRequest)
                .where(or_(by_number, AccommodationRequest.student_id == student.id) if student else by_number)
                .options(
                    selectinload(AccommodationRequest.exams),
                    selectinload(AccommodationRequest.receipts),
                    selectinload(AccommodationRequest.arrangements),
                    selectinload(AccommodationRequest.proofs),
                    selectinload(AccommodationRequest.letters),
                    selectinload(AccommodationRequest.events),
                )
                .order_by(AccommodationRequest.received_at, AccommodationRequest.id)
            )
        )
        if student is None and not requests:
            raise NotFound(f"Aucun auditeur ni aucune demande avec le numéro « {number} ».")
        enrolments: list[Enrolment] = []
        grades: list[Grade] = []
        second_entries: list[SecondEntry] = []
        attestations: list[Attestation] = []
        if student is not None:
            enrolments = list(s.scalars(select(Enrolment).where(Enrolment.student_id == student.id).order_by(Enrolment.id)))
            grades = list(
                s.scalars(
                    select(Grade).where(Grade.student_id == student.id).options(selectinload(Grade.history)).order_by(Grade.id)
                )
            )
            second_entries = list(
                s.scalars(select(SecondEntry).where(SecondEntry.student_id == student.id).order_by(SecondEntry.id))
            )
            attestations = list(
                s.scalars(select(Attestation).where(Attestation.student_id == student.id).order_by(Attestation.id))
            )
        events = list(
            s.scalars(
                select(AuditEvent)
                .where(
                    _about(
                        [
                            ("student", [student.id] if student else []),
                            ("enrolment", [e.id for e in enrolments]),
                            ("accommodation_request", [r.id for r in requests]),
                            ("requested_exam", [e.id for r in requests for e in r.exams]),
                            ("arrangement", [a.id for r in requests for a in r.arrangements]),
                            ("proof", [p.id for r in requests for p in r.proofs]),
                            ("letter", [letter.id for r in requests for letter in r.letters]),
                            ("request_event", [e.id for r in requests for e in r.events]),
                            ("grade", [g.id for g in grades]),
                            ("grade_second_entry", [e.id for e in second_entries]),
                            ("attestation", [a.id for a in attestations]),
                        ]
                    )
                )
                .order_by(AuditEvent.id)
            )
        )
        events = _since_created(events)
        return {
            "student_number": number,
            "generated_at": _iso(now or dt.datetime.now(dt.UTC)),
            "identity": None
            if student is None
            else {
                "number": student.number,
                "last_name": student.last_name,
                "first_name": student.first_name,
                "email": student.email,
                "postal_address": student.postal_address,
            },
            "enrolments": [
                {"ue": e.course_unit.code, "title": e.course_unit.title, "year": e.year.label} for e in enrolments
            ],
            "requests": [_request_json(r) for r in requests],
            "grades": [
                {
                    "session": g.session.key,
                    "ue": g.course_unit.code,
                    "value": _iso(g.value),
                    "code": _iso(g.code),
                    "entered_at": _iso(g.entered_at),
                    "entered_by": g.entered_by,
                    "history": [
                        {
                            "changed_at": _iso(c.changed_at),
                            "changed_by": c.changed_by,
                            "old": c.old,
                            "new": c.new,
                            "reason": c.reason,
                            "kind": c.kind,
                            "second_entry": c.second_entry,
                        }
                        for c in g.history
                    ],
                }
                for g in grades
            ],
            "second_entries": [
                {
                    "session": e.session.key,
                    "ue": e.course_unit.code,
                    "value": _iso(e.value),
                    "code": _iso(e.code),
                    "entered_at": _iso(e.entered_at),
                    "entered_by": e.entered_by,
                }
                for e in second_entries
            ],
            "attestations": [
                {
                    "kind": _iso(a.kind),
                    "year": a.year.label,
                    "reference": a.reference,
                    "issued_at": _iso(a.issued_at),
                    "issued_by": a.issued_by,
                }
                for a in attestations
            ],
            "audit_events": [
                {
                    "at": _iso(e.at),
                    "clerk": e.clerk,
                    "action": e.action,
                    "entity": e.entity,
                    "entity_id": e.entity_id,
                    "before": e.before,
                    "after": e.after,
                }
                for e in events
            ],
        }


def plural(count: int, word: str, words: str | None = None) -> str:
    """« 1 demande », « 2 demandes », « 0 demande » (French: zero takes the singular)."""
    return f"{count} {word if count < 2 else (words or word + 's')}"


# --- purge -----------------------------------------------------------------------------------


def academic_start_year(day: dt.date) -> int:
    """The academic year a day falls in starts in September."""
    return day.year if day.month >= 9 else day.year - 1


def parse_before(text_: str) -> int:
    """« 2023-2024 » or « 2023 »: the first academic year NOT purged; returns its start year."""
    value = text_.strip()
    match = re.fullmatch(r"(\d{4})(?:\s*[-/]\s*(\d{4}))?", value)
    if not match or (match.group(2) and int(match.group(2)) != int(match.group(1)) + 1):
        raise RefusedInput(f"Année « {text_} » invalide : attendu par exemple 2023-2024 (ou 2023).")
    return int(match.group(1))


def retention_years(s: Session) -> int:
    setting = s.get(OfficeSetting, RETENTION_SETTING)
    if setting is None:
        return DEFAULT_RETENTION_YEARS
    try:
        years = int(setting.value)
    except (TypeError, ValueError):
        raise RefusedInput(
            f"Le réglage « {RETENTION_SETTING} » vaut « {setting.value} » : attendu un nombre d'années."
        ) from None
    if years < 0:
        raise RefusedInput(f"Le réglage « {RETENTION_SETTING} » ne peut pas être négatif ({years}).")
    return years


@dataclass
class PurgeReport:
    before: str
    retention_years: int
    dry_run: bool
    purged_years: list[str] = field(default_factory=list)
    kept_years: list[str] = field(default_factory=list)  # before YEAR but still within retention
    counts: dict[str, int] = field(default_factory=dict)
    wiped: bool = True  # nothing of the purged rows left in the SQLite file and its WAL

    def as_json(self) -> dict[str, Any]:
        return {
            "before": self.before,
            "retention_years": self.retention_years,
            "dry_run": self.dry_run,
            "purged_years": self.purged_years,
            "kept_years": self.kept_years,
            **self.counts,
            "wiped": self.wiped,
        }

    def summary(self) -> str:
        c = self.counts
        verb = "seraient supprimés" if self.dry_run else "supprimés"
        if not self.purged_years:
            done = "Rien à supprimer"
        else:
            years = ("Année " if len(self.purged_years) == 1 else "Années ") + ", ".join(self.purged_years)
            history = plural(c["request_events"], "étape d'historique", "étapes d'historique")
            done = (
                f"{years} : {plural(c['requests'], 'demande')}, {plural(c['letters'], 'courrier')}, "
                f"{plural(c['proofs'], 'justificatif')} {verb} (et {plural(c['receipts'], 'réception')}, "
                f"{plural(c['arrangements'], 'aménagement')}, {plural(c['requested_exams'], 'examen demandé', 'examens demandés')}, "
                f"{history})"
            )
        kept = (
            f" ; conservées (durée de conservation de {self.retention_years} ans) : {', '.join(self.kept_years)}"
            if self.kept_years
            else ""
        )
        wiped = (
            ""
            if self.wiped
            else " Un autre poste avait la base ouverte : les données supprimées restent dans son journal (WAL) "
            "jusqu'à ce que tous les postes la ferment ; relancez la purge plus tard pour les effacer tout de suite."
        )
        return done + kept + "." + wiped


PURGED_TABLES = (
    ("letters", Letter),
    ("proofs", Proof),
    ("arrangements", Arrangement),
    ("receipts", RequestReceipt),
    ("requested_exams", RequestedExam),
    ("request_events", RequestEvent),
)


def purge(db: Database, before: str, *, dry_run: bool = False, today: dt.date | None = None) -> PurgeReport:
    """Remove the requests (with their letters, proofs, receipts) of the years past retention and before YEAR.

    One transaction: all of it or nothing. The rows are not audited one by one (that would copy
    the very data being erased into the audit trail); one summary event records the purge.
    """
    limit = parse_before(before)
    today = today or dt.date.today()
    with db.transaction(write=not dry_run) as s:
        keep = retention_years(s)
        last_purgeable = academic_start_year(today) - keep - 1
        years = list(s.scalars(select(AcademicYear).where(AcademicYear.start_year < limit).order_by(AcademicYear.start_year)))
        report = PurgeReport(f"{limit}-{limit + 1}", keep, dry_run)
        purged_ids = [y.id for y in years if y.start_year <= last_purgeable]
        report.kept_years = [y.label for y in years if y.start_year > last_purgeable]
        requests = (
            select(AccommodationRequest.id)
            .join(ExamSession, AccommodationRequest.session_id == ExamSession.id)
            .join(Semester, ExamSession.semester_id == Semester.id)
            .where(Semester.year_id.in_(purged_ids))
        ).scalar_subquery()
        for name, model in PURGED_TABLES:
            condition = model.request_id.in_(requests)
            report.counts[name] = s.scalar(select(func.count()).select_from(model).where(condition)) or 0
            if not dry_run:
                s.execute(delete(model).where(condition), execution_options={"synchronize_session": False})
        condition = AccommodationRequest.id.in_(requests)
        report.counts["requests"] = s.scalar(select(func.count()).select_from(AccommodationRequest).where(condition)) or 0
        if not dry_run:
            s.execute(delete(AccommodationRequest).where(condition), execution_options={"synchronize_session": False})
        report.purged_years = [y.label for y in years if y.id in purged_ids]
        if not dry_run:
            audit.record(s, "purge", "accommodation_request", None, None, report.as_json())
    if not dry_run and report.purged_years:
        report.wiped = wipe_free_space(db)
    return report


def wipe_free_space(db: Database) -> bool:
    """Leave nothing of deleted rows in a SQLite file: rebuild it (VACUUM), empty its WAL.

    Deleted content is zeroed as it goes (secure_delete, set on every connection), but an older
    version of a row, written before that or in the WAL, may remain: VACUUM rewrites every page
    from the live rows, the checkpoint copies the WAL into the file and truncates it. False when
    another workstation held the file open and the WAL could not be emptied now (it will be at
    a later checkpoint); always True on a server database (its own storage is the server's).
    """
    if not db.is_sqlite or db.engine.url.database in (None, "", ":memory:"):
        return True
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        try:
            cursor.execute("VACUUM")
            busy = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        except sqlite3.OperationalError:
            return False  # another workstation is writing: the next checkpoint will do it
        finally:
            cursor.close()
    finally:
        raw.close()
    return not busy
