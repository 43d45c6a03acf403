"""Double entry of grades: the second entry, the office setting that requires it, settling disagreements.

A second clerk types (or imports) an exam's grades again without seeing the first entry. Where
both entries exist and differ, the grade is in disagreement until a clerk settles it by choosing
the right value: both entries then take it, and the grade's history keeps who settled it, when,
and the two values that disagreed. Publication waits for every disagreement to be settled and,
when the office requires double entry, for every grade to have its second entry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from cnam_desk import frenchdates
from cnam_desk.db.engine import Database
from cnam_desk.db.models import (
    GRADE_CHANGE_SETTLEMENT,
    Grade,
    GradeChange,
    OfficeSetting,
    SecondEntry,
)
from cnam_desk.errors import EditConflict, RefusedInput
from cnam_desk.grading import rules
from cnam_desk.grading.rules import GradeValue
from cnam_desk.grading.sheet import (
    ExamRef,
    GradeRow,
    best_of_two_in,
    check_on_sheet,
    find_student,
    publication_in,
    ref_in,
    sheet_rows_in,
)

REQUIRED_SETTING = "results.double_entry_required"
NAMED_AT_MOST = 10  # students named in a refusal, then « et N autre(s) »

# --- the office setting ---------------------------------------------------------------------


def required_in(s: Session) -> bool:
    setting = s.get(OfficeSetting, REQUIRED_SETTING)
    return bool(setting.value) if setting is not None else False


def required(db: Database) -> bool:
    """Office setting « double saisie obligatoire »: no publication while a grade lacks its second entry."""
    with db.transaction(write=False) as s:
        return required_in(s)


def set_required(db: Database, enabled: bool) -> None:
    with db.transaction() as s:
        setting = s.get(OfficeSetting, REQUIRED_SETTING)
        if setting is None:
            s.add(OfficeSetting(key=REQUIRED_SETTING, value=bool(enabled)))
        elif bool(setting.value) != bool(enabled):
            setting.value = bool(enabled)


# --- typing the second entry ----------------------------------------------------------------


@dataclass(frozen=True)
class SecondEdit:
    """One second entry to save: the student, the value, the second entry's version the clerk saw."""

    student_id: int
    grade: GradeValue
    expect_version: int | None = None


def _names(rows: Sequence[GradeRow]) -> str:
    names = ", ".join(f"{row.name} ({row.student_number})" for row in rows[:NAMED_AT_MOST])
    more = f" et {len(rows) - NAMED_AT_MOST} autre(s)" if len(rows) > NAMED_AT_MOST else ""
    return names + more


def _refuse_if_published(s: Session, ref: ExamRef) -> None:
    publication = publication_in(s, ref)
    if publication is not None:
        raise RefusedInput(
            f"Les notes de {ref.ue_code} (session {ref.session_key}) sont {publication.text} : "
            "la double saisie est close ; une correction se fait sur la note, avec un motif."
        )


def second_conflict_message(row: GradeRow) -> str:
    when = frenchdates.long_datetime(row.second_at) if row.second_at else "à l'instant"
    now_text = rules.grade_text(row.second_entry) or "vide"
    return (
        f"La seconde saisie de {row.name} ({row.student_number}) a été modifiée par {row.second_by or 'un autre agent'} "
        f"le {when} (elle vaut maintenant {now_text}) depuis son affichage : rien n'a été enregistré."
    )


def save_second_entries(db: Database, ref: ExamRef, edits: Sequence[SecondEdit]) -> list[GradeRow]:
    """Save second entries in one transaction, all or none; refused once the exam is published."""
    if not edits:
        return []
    for edit in edits:
        rules.checked(edit.grade)
    ids = [e.student_id for e in edits]
    stale: int | None = None
    try:
        with db.transaction() as s:
            _refuse_if_published(s, ref)
            check_on_sheet(s, ref, ids)
            existing = {
                e.student_id: e
                for e in s.scalars(
                    select(SecondEntry).where(
                        SecondEntry.session_id == ref.session_id, SecondEntry.course_unit_id == ref.course_unit_id,
                        SecondEntry.student_id.in_(ids),
                    ).with_for_update()
                )
            }
            now = frenchdates.now()
            for edit in edits:
                second = existing.get(edit.student_id)
                version = second.version if second is not None else 0
                if edit.expect_version is not None and edit.expect_version != version:
                    stale = edit.student_id
                    raise _Stale()
                old = rules.from_columns(second.value, second.code) if second is not None else None
                if old == edit.grade and type(old) is type(edit.grade):
                    continue
                value, code = rules.to_columns(edit.grade)
                if second is None:
                    second = SecondEntry(
                        session_id=ref.session_id, course_unit_id=ref.course_unit_id, student_id=edit.student_id,
                        value=value, code=code, entered_at=now, entered_by=db.clerk,
                    )
                    s.add(second)
                    existing[edit.student_id] = second
                else:
                    second.value, second.code = value, code
                    second.entered_at, second.entered_by = now, db.clerk
            s.flush()
            by_student = {row.student_id: row for row in sheet_rows_in(s, ref, best_of_two_in(s))}
            return [by_student[sid] for sid in dict.fromkeys(ids)]
    except (_Stale, StaleDataError, IntegrityError):
        sid = stale if stale is not None else ids[0]
        with db.transaction(write=False) as s:
            rows = sheet_rows_in(s, ref, best_of_two_in(s), only=sid)
        message = second_conflict_message(rows[0]) if rows and (stale is not None or len(ids) == 1) else (
            "Des secondes saisies ont été modifiées par un autre agent pendant l'enregistrement : rien n'a été "
            "enregistré. Rechargez la grille puis recommencez."
        )
        raise EditConflict(message) from None


class _Stale(Exception):
    pass


class PlannedSecond(Protocol):
    """What a grades import plans to write (see grading.importing.PlannedGrade)."""

    ref: ExamRef
    student_id: int
    name: str
    new: GradeValue
    version: int


def write_imported(s: Session, changes: Sequence[PlannedSecond], clerk: str, now: dt.datetime) -> None:
    """An import's second entries, inside its transaction: refused whole if one changed since the preview."""
    table = SecondEntry.__table__
    existing: dict[tuple[int, int, int], tuple[int, int, str, dt.datetime]] = {}
    by_unit: dict[tuple[int, int], list[int]] = {}
    for change in changes:
        by_unit.setdefault((change.ref.session_id, change.ref.course_unit_id), []).append(change.student_id)
    for (session_id, unit_id), ids in by_unit.items():
        for start in range(0, len(ids), 900):  # SQLite takes at most 999 parameters
            for sid_, sid, version, by, at in s.connection().execute(
                select(table.c.id, table.c.student_id, table.c.version, table.c.entered_by, table.c.entered_at)
                .where(table.c.session_id == session_id, table.c.course_unit_id == unit_id,
                       table.c.student_id.in_(ids[start:start + 900]))
                .with_for_update()
            ):
                existing[(session_id, unit_id, sid)] = (sid_, version, by, at)
    inserts, updates = [], []
    for change in changes:
        found = existing.get((change.ref.session_id, change.ref.course_unit_id, change.student_id))
        version = found[1] if found else 0
        if version != change.version:
            by, at = (found[2], found[3]) if found else ("un autre agent", None)
            when = f" le {frenchdates.long_datetime(at)}" if at else ""
            raise EditConflict(
                f"La seconde saisie de {change.name} en {change.ref.ue_code} a été modifiée par {by}{when} depuis "
                "l'aperçu de l'import : rien n'a été enregistré. Relancez l'import pour revoir l'aperçu."
            )
        value, code = rules.to_columns(change.new)
        if found:
            updates.append({"sid_": found[0], "old_version": version, "new_version": version + 1,
                            "v": value, "c": code, "at": now, "by": clerk})
        else:
            inserts.append({"session_id": change.ref.session_id, "course_unit_id": change.ref.course_unit_id,
                            "student_id": change.student_id, "value": value, "code": code, "entered_at": now,
                            "entered_by": clerk, "version": 1})
    connection = s.connection()
    if inserts:
        connection.execute(table.insert(), inserts)
    if updates:
        connection.execute(
            update(table)
            .where(table.c.id == bindparam("sid_"), table.c.version == bindparam("old_version"))
            .values(value=bindparam("v"), code=bindparam("c"), version=bindparam("new_version"),
                    entered_at=bindparam("at"), entered_by=bindparam("by")),
            updates,
        )


def disagreements(db: Database, refs: Sequence[ExamRef]) -> int:
    """How many grades of these exams are in disagreement (after an import, say)."""
    with db.transaction(write=False) as s:
        return sum(1 for ref in refs for row in sheet_rows_in(s, ref, False) if row.mismatch)


# --- settling a disagreement ----------------------------------------------------------------


def current_row(db: Database, ref: ExamRef, student_id: int) -> GradeRow | None:
    """One student's row as it is now, with who typed each entry and when (what Trancher… shows)."""
    with db.transaction(write=False) as s:
        rows = sheet_rows_in(s, ref, best_of_two_in(s), only=student_id)
        return rows[0] if rows else None


def settlement_reason(first: GradeValue, second: GradeValue) -> str:
    return (f"désaccord de la double saisie tranché (1re saisie {rules.grade_text(first)}, "
            f"2de saisie {rules.grade_text(second)})")


def settle(db: Database, ref: ExamRef, student_id: int, grade: GradeValue) -> GradeRow:
    """The clerk chose the right value of a disagreement: both entries take it, the history keeps both values."""
    rules.checked(grade)
    if grade is None:
        raise RefusedInput("Désaccord non tranché : choisissez une note (0 à 20, ABI ou ABJ), pas une case vide.")
    try:
        with db.transaction() as s:
            _refuse_if_published(s, ref)
            rows = sheet_rows_in(s, ref, False, only=student_id)
            if not rows:
                check_on_sheet(s, ref, [student_id])
            row = rows[0]
            if not row.mismatch:
                state = ("les deux saisies donnent " + rules.grade_text(row.grade)) if (
                    row.grade is not None and row.second_entry is not None) else "une seule saisie existe"
                raise RefusedInput(
                    f"Rien à trancher pour {row.name} ({row.student_number}) en {ref.ue_code} : {state}."
                )
            where = (Grade.session_id == ref.session_id, Grade.course_unit_id == ref.course_unit_id,
                     Grade.student_id == student_id)
            first = s.scalars(select(Grade).where(*where).with_for_update()).one()
            second = s.scalars(
                select(SecondEntry).where(
                    SecondEntry.session_id == ref.session_id, SecondEntry.course_unit_id == ref.course_unit_id,
                    SecondEntry.student_id == student_id,
                ).with_for_update()
            ).one()
            now = frenchdates.now()
            value, code = rules.to_columns(grade)
            first.history.append(
                GradeChange(
                    changed_at=now, changed_by=db.clerk, old=rules.grade_token(row.grade), new=rules.grade_token(grade),
                    reason=settlement_reason(row.grade, row.second_entry), kind=GRADE_CHANGE_SETTLEMENT,
                    second_entry=rules.grade_token(row.second_entry),
                )
            )
            first.value, first.code, first.entered_at, first.entered_by = value, code, now, db.clerk
            second.value, second.code, second.entered_at, second.entered_by = value, code, now, db.clerk
            s.flush()
            return sheet_rows_in(s, ref, best_of_two_in(s), only=student_id)[0]
    except (StaleDataError, IntegrityError):
        raise EditConflict(
            "Cette note a été modifiée par un autre agent pendant que vous tranchiez : rien n'a été enregistré. "
            "Rechargez la grille puis recommencez."
        ) from None


def settle_by_keys(db: Database, session_key: str, ue_code: str, student_number: str, text: str) -> tuple[GradeRow, GradeRow]:
    """The command line's settle-grade: the row before and after."""
    try:
        grade = rules.read_grade(text)
    except rules.ParseError as error:
        raise RefusedInput(f"Note refusée : {error.message}.") from None
    with db.transaction(write=False) as s:
        ref = ref_in(s, session_key, ue_code)
        student_id = find_student(s, student_number).id
        before = sheet_rows_in(s, ref, False, only=student_id)
    if not before:
        with db.transaction(write=False) as s:
            check_on_sheet(s, ref, [student_id])
    return before[0], settle(db, ref, student_id, grade)


def follow_correction(s: Session, ref: ExamRef, values: dict[int, GradeValue], clerk: str, now: dt.datetime) -> None:
    """A published grade corrected with a reason is the settled value: its second entry follows it."""
    seconds = s.scalars(
        select(SecondEntry).where(
            SecondEntry.session_id == ref.session_id, SecondEntry.course_unit_id == ref.course_unit_id,
            SecondEntry.student_id.in_(list(values)),
        )
    )
    for second in seconds:
        grade = values[second.student_id]
        if grade is None:
            continue
        second.value, second.code = rules.to_columns(grade)
        second.entered_at, second.entered_by = now, clerk


# --- publication ------------------------------------------------------------------------------


def publication_refusal(s: Session, ref: ExamRef, rows: Sequence[GradeRow]) -> RefusedInput | None:
    """Why the exam cannot be published yet as far as double entry goes, naming the students; None if it can."""
    where = f"en {ref.ue_code} (session {ref.session_key})"
    disagreeing = [row for row in rows if row.mismatch]
    if disagreeing:
        return RefusedInput(
            f"Publication refusée : {len(disagreeing)} désaccord(s) de la double saisie non tranché(s) {where} : "
            f"{_names(disagreeing)}. Tranchez chacun (settle-grade, ou « Trancher… » dans la grille)."
        )
    if required_in(s):
        lacking = [row for row in rows if row.grade is not None and row.second_entry is None]
        if lacking:
            return RefusedInput(
                f"Publication refusée : la double saisie est obligatoire et {len(lacking)} note(s) {where} "
                f"n'ont pas de seconde saisie : {_names(lacking)}."
            )
    return None
