"""Grade entry: saving grades (history, locking), publication, statistics."""

from __future__ import annotations

import datetime as dt
import statistics as pystats
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import and_, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from cnam_desk import frenchdates
from cnam_desk.db.engine import Database
from cnam_desk.db.models import GRADE_CHANGE_SETTLEMENT, Grade, GradeChange, Publication
from cnam_desk.errors import EditConflict, RefusedInput
from cnam_desk.grading import double_entry, rules
from cnam_desk.grading.rules import GradeValue
from cnam_desk.grading.sheet import (
    ExamRef,
    GradeRow,
    GradeSheet,
    PublicationInfo,
    best_of_two_in,
    check_on_sheet,
    exam_ref,
    find_student,
    publication_in,
    ref_in,
    sheet_rows_in,
)

# The sheet's reading is named here too: callers of grade entry find it in one place.
from cnam_desk.grading.sheet import best_of_two as best_of_two
from cnam_desk.grading.sheet import default_session_key as default_session_key
from cnam_desk.grading.sheet import load_sheet as load_sheet
from cnam_desk.grading.sheet import normalise_code as normalise_code
from cnam_desk.grading.sheet import publication_of as publication_of
from cnam_desk.grading.sheet import set_best_of_two as set_best_of_two
from cnam_desk.grading.sheet import sheet_by_keys as sheet_by_keys
from cnam_desk.grading.sheet import sort_key as sort_key
from cnam_desk.grading.sheet import unit_choices as unit_choices

HISTOGRAM_BINS = 20  # one bar per point: [0, 1), [1, 2) ... [19, 20]


# --- saving grades --------------------------------------------------------------------------


class GradeConflict(EditConflict):
    """Another clerk changed the grade since it was shown; `current` is the grade as it is now."""

    def __init__(self, message: str, current: GradeRow | None):
        super().__init__(message)
        self.current = current


@dataclass(frozen=True)
class GradeEdit:
    """One grade to save: the student, the new value, and the version the clerk saw (None: no check)."""

    student_id: int
    grade: GradeValue
    expect_version: int | None = None


def conflict_message(row: GradeRow) -> str:
    when = frenchdates.long_datetime(row.entered_at) if row.entered_at else "à l'instant"
    now_text = rules.grade_text(row.grade) or "vide"
    return (
        f"La note de {row.name} ({row.student_number}) a été modifiée par {row.entered_by or 'un autre agent'} "
        f"le {when} (elle vaut maintenant {now_text}) depuis son affichage : rien n'a été enregistré. "
        "Vérifiez la note affichée puis saisissez de nouveau si besoin."
    )


def _current_row(db: Database, ref: ExamRef, student_id: int) -> GradeRow | None:
    with db.transaction() as s:
        rows = sheet_rows_in(s, ref, best_of_two_in(s), only=student_id)
        return rows[0] if rows else None


def _require_reason(s: Session, ref: ExamRef, reason: str) -> PublicationInfo | None:
    publication = publication_in(s, ref)
    if publication is not None and not reason.strip():
        raise RefusedInput(
            f"Les notes de {ref.ue_code} (session {ref.session_key}) sont {publication.text} : "
            "indiquez le motif de la modification."
        )
    return publication


def save_grades(db: Database, ref: ExamRef, edits: Sequence[GradeEdit], *, reason: str = "") -> list[GradeRow]:
    """Save grades in one short transaction: all of them or none.

    Each change is kept in the grade's history (who, when, old, new, reason). A grade changed by
    someone else since the clerk saw it (version) is refused with who changed it and when.
    Published grades need a reason.
    """
    if not edits:
        return []
    for edit in edits:
        rules.checked(edit.grade)
    reason = " ".join(reason.split())
    try:
        with db.transaction() as s:
            published = _require_reason(s, ref, reason) is not None
            check_on_sheet(s, ref, (e.student_id for e in edits))
            ids = [e.student_id for e in edits]
            query = select(Grade).where(
                Grade.session_id == ref.session_id, Grade.course_unit_id == ref.course_unit_id, Grade.student_id.in_(ids)
            )
            query = query.with_for_update()  # PostgreSQL: the rows stay ours until commit
            existing = {g.student_id: g for g in s.scalars(query)}
            now = frenchdates.now()
            for edit in edits:
                grade = existing.get(edit.student_id)
                version = grade.version if grade is not None else 0
                if edit.expect_version is not None and edit.expect_version != version:
                    raise _Stale(edit.student_id)
                old = rules.from_columns(grade.value, grade.code) if grade is not None else None
                if old == edit.grade:
                    continue
                value, code = rules.to_columns(edit.grade)
                if grade is None:
                    grade = Grade(
                        session_id=ref.session_id, course_unit_id=ref.course_unit_id, student_id=edit.student_id,
                        value=value, code=code, entered_at=now, entered_by=db.clerk,
                    )
                    s.add(grade)
                    existing[edit.student_id] = grade
                else:
                    grade.value, grade.code = value, code
                    grade.entered_at, grade.entered_by = now, db.clerk
                grade.history.append(
                    GradeChange(
                        changed_at=now, changed_by=db.clerk, old=rules.grade_token(old),
                        new=rules.grade_token(edit.grade), reason=reason,
                    )
                )
            if published:
                double_entry.follow_correction(s, ref, {e.student_id: e.grade for e in edits}, db.clerk, now)
            s.flush()
            best = best_of_two_in(s)
            if len(set(ids)) == 1:
                return sheet_rows_in(s, ref, best, only=ids[0])
            by_student = {row.student_id: row for row in sheet_rows_in(s, ref, best)}
            return [by_student[sid] for sid in dict.fromkeys(ids)]
    except _Stale as stale:
        current = _current_row(db, ref, stale.student_id)
        raise GradeConflict(conflict_message(current) if current else "La note a été modifiée par ailleurs.", current) from None
    except (StaleDataError, IntegrityError):
        # Another clerk saved the same grade between our read and our write.
        current = _current_row(db, ref, edits[0].student_id) if len(edits) == 1 else None
        message = conflict_message(current) if current else (
            "Des notes ont été modifiées par un autre agent pendant l'enregistrement : rien n'a été enregistré. "
            "Rechargez la grille puis recommencez."
        )
        raise GradeConflict(message, current) from None


class _Stale(Exception):
    def __init__(self, student_id: int):
        super().__init__(student_id)
        self.student_id = student_id


def save_grade(
    db: Database, ref: ExamRef, student_id: int, grade: GradeValue, *, expect_version: int | None = None, reason: str = ""
) -> GradeRow:
    """Save one grade at once (see save_grades)."""
    rows = save_grades(db, ref, [GradeEdit(student_id, grade, expect_version)], reason=reason)
    return rows[0]


def set_grade(
    db: Database, session_key: str, ue_code: str, student_number: str, text: str, *, reason: str = "",
    expect_version: int | None = None,
) -> GradeRow:
    """The command line's set-grade: a value as typed (« 12,5 », « abi », empty to clear).

    With `expect_version` (the `version` that `grades --json` gave), a grade changed since is
    refused with who changed it and when.
    """
    try:
        grade = rules.read_grade(text)
    except rules.ParseError as error:
        raise RefusedInput(f"Note refusée : {error.message}.") from None
    with db.transaction() as s:
        ref = ref_in(s, session_key, ue_code)
        student_id = find_student(s, student_number).id
    return save_grade(db, ref, student_id, grade, reason=reason, expect_version=expect_version)


# --- history --------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    changed_at: dt.datetime
    changed_by: str
    old: GradeValue
    new: GradeValue
    reason: str
    kind: str = "entry"  # or "settlement": `old` the first entry, `second_entry` the second, `new` the value chosen
    second_entry: GradeValue = None

    @property
    def settlement(self) -> bool:
        return self.kind == GRADE_CHANGE_SETTLEMENT


def grade_history(db: Database, ref: ExamRef, student_id: int) -> list[HistoryEntry]:
    """Every change of the student's grade for this exam, oldest first."""
    with db.transaction() as s:
        rows = s.execute(
            select(GradeChange.changed_at, GradeChange.changed_by, GradeChange.old, GradeChange.new, GradeChange.reason,
                   GradeChange.kind, GradeChange.second_entry)
            .join(Grade, Grade.id == GradeChange.grade_id)
            .where(
                Grade.session_id == ref.session_id,
                Grade.course_unit_id == ref.course_unit_id,
                Grade.student_id == student_id,
            )
            .order_by(GradeChange.changed_at, GradeChange.id)
        ).all()
    return [
        HistoryEntry(at, by, rules.from_token(old), rules.from_token(new), reason, kind, rules.from_token(second))
        for at, by, old, new, reason, kind, second in rows
    ]


# --- publication ----------------------------------------------------------------------------


def publication_refusal_in(s: Session, ref: ExamRef) -> RefusedInput | None:
    """Why the exam cannot be published now, naming who lacks what; None when it can (the one rule)."""
    existing = publication_in(s, ref)
    if existing is not None:
        return RefusedInput(f"Les notes de {ref.ue_code} (session {ref.session_key}) sont déjà {existing.text}.")
    rows = sheet_rows_in(s, ref, False)
    if not rows:
        return RefusedInput(f"Aucun auditeur n'est à noter en {ref.ue_code} (session {ref.session_key}) : rien à publier.")
    missing = [row for row in rows if row.grade is None]
    if missing:
        names = ", ".join(f"{row.name} ({row.student_number})" for row in missing[:3])
        more = f" et {len(missing) - 3} autre(s)" if len(missing) > 3 else ""
        return RefusedInput(
            f"Publication refusée : {len(missing)} auditeur(s) sans note sur {len(rows)} en {ref.ue_code} "
            f"(session {ref.session_key}) : {names}{more}. Saisissez leur note, ou ABI / ABJ pour les absents."
        )
    return double_entry.publication_refusal(s, ref, rows)


def publication_refusal(db: Database, ref: ExamRef) -> RefusedInput | None:
    """Asked before the clerk confirms a publication: the refusal publish would give, or None."""
    with db.transaction(write=False) as s:
        return publication_refusal_in(s, ref)


def publish(db: Database, ref: ExamRef) -> PublicationInfo:
    """Publish an exam's grades: they go to the student portal and are locked (changes need a reason)."""
    with db.transaction() as s:
        refused = publication_refusal_in(s, ref)
        if refused is not None:
            raise refused
        now = frenchdates.now()
        s.add(
            Publication(
                session_id=ref.session_id, course_unit_id=ref.course_unit_id, published_at=now, published_by=db.clerk
            )
        )
        return PublicationInfo(now, db.clerk)


def publish_by_keys(db: Database, session_key: str, ue_code: str) -> PublicationInfo:
    return publish(db, exam_ref(db, session_key, ue_code))


def published_units(s: Session, session_id: int) -> list[int]:
    return list(s.scalars(select(Publication.course_unit_id).where(Publication.session_id == session_id)))


def is_published_clause(grade_session: object, grade_unit: object) -> object:
    """SQL: a publication exists for the grade's session and UE."""
    return exists().where(and_(Publication.session_id == grade_session, Publication.course_unit_id == grade_unit))


# --- statistics -----------------------------------------------------------------------------


@dataclass(frozen=True)
class GradeStatistics:
    enrolled: int
    entered: int
    missing: int
    absent: int
    absent_unjustified: int
    absent_justified: int
    present: int
    admitted: int
    mean: Decimal | None
    median: Decimal | None
    pass_rate: Decimal | None  # admitted / present, as a fraction
    histogram: list[int] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {
            "enrolled": self.enrolled,
            "entered": self.entered,
            "missing": self.missing,
            "absent": self.absent,
            "present": self.present,
            "admitted": self.admitted,
            "mean": None if self.mean is None else float(self.mean),
            "median": None if self.median is None else float(self.median),
            "pass_rate": None if self.pass_rate is None else float(self.pass_rate),
            "histogram": self.histogram,
        }


def _two_places(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def histogram_bin(mark: Decimal) -> int:
    """[0, 1) is bar 0 ... [19, 20] is bar 19."""
    return min(int(mark), HISTOGRAM_BINS - 1)


def grade_statistics(grades: Iterable[GradeValue]) -> GradeStatistics:
    """Counts, mean, median, pass rate (admitted among those present) and a histogram."""
    values = list(grades)
    marks: list[Decimal] = []
    abi = abj = entered = 0
    for grade in values:
        if grade is None:
            continue
        entered += 1
        if grade == rules.GradeCode.ABI:
            abi += 1
        elif grade == rules.GradeCode.ABJ:
            abj += 1
        else:
            marks.append(grade)  # type: ignore[arg-type]
    # The rules once per distinct mark (a sheet has a few dozen), not once per student.
    distinct = set(marks)
    if not all(rules.sat_session(mark) for mark in distinct):
        raise ValueError("not a grade among the marks")
    passing = {mark for mark in distinct if rules.is_admitted(mark)}
    admitted = sum(1 for mark in marks if mark in passing)
    bins = [0] * HISTOGRAM_BINS
    for mark in marks:
        bins[histogram_bin(mark)] += 1
    return GradeStatistics(
        enrolled=len(values),
        entered=entered,
        missing=len(values) - entered,
        absent=abi + abj,
        absent_unjustified=abi,
        absent_justified=abj,
        present=len(marks),
        admitted=admitted,
        mean=_two_places(sum(marks, Decimal(0)) / len(marks)) if marks else None,
        median=_two_places(Decimal(pystats.median(marks))) if marks else None,
        pass_rate=(Decimal(admitted) / Decimal(len(marks))) if marks else None,
        histogram=bins,
    )


def sheet_statistics(sheet: GradeSheet) -> GradeStatistics:
    return grade_statistics(row.grade for row in sheet.rows)
