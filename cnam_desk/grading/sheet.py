"""An exam's grade sheet: finding the exam, the office's result setting, the students and their grades."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from cnam_desk import frenchdates
from cnam_desk.db.engine import Database
from cnam_desk.db.models import (
    CourseUnit,
    Enrolment,
    Exam,
    ExamSession,
    Grade,
    OfficeSetting,
    Publication,
    SecondEntry,
    Student,
)
from cnam_desk.errors import NotFound, RefusedInput
from cnam_desk.grading import rules
from cnam_desk.grading.rules import GradeValue, ResultCode
from cnam_desk.schedule import exam_calendar

BEST_OF_TWO_SETTING = "results.best_of_two"


# --- what the clerk picks -------------------------------------------------------------------


@dataclass(frozen=True)
class ExamRef:
    """An exam as grades know it: a session and an UE (whatever the centre)."""

    session_id: int
    session_key: str
    session_number: int
    semester_id: int
    year_id: int
    year_label: str
    course_unit_id: int
    ue_code: str
    ue_title: str

    @property
    def label(self) -> str:
        return f"{self.ue_code} – session {self.session_number} ({self.session_key})"


@dataclass(frozen=True)
class UnitChoice:
    code: str
    title: str
    graded: int = 0  # grades entered in the session
    enrolled: int = 0  # students on the exam's sheet (session 2: those sent to it)
    published: bool = False

    @property
    def label(self) -> str:
        return f"{self.code} – {self.title}" if self.title else self.code

    @property
    def progress_text(self) -> str:
        """« 4/21 notes, non publiées »: how far grade entry is, as the exam list shows it."""
        state = "publiées" if self.published else "non publiées"
        return f"{self.graded}/{self.enrolled} notes, {state}"


def normalise_code(code: str) -> str:
    return "".join(code.split()).upper()


def find_course_unit(s: Session, code: str) -> CourseUnit:
    unit = s.scalar(select(CourseUnit).where(CourseUnit.code == normalise_code(code)))
    if unit is None:
        raise NotFound(f"L'UE « {code} » n'existe pas.")
    return unit


def find_student(s: Session, number: str) -> Student:
    student = s.scalar(select(Student).where(Student.number == number.strip()))
    if student is None:
        raise NotFound(f"Aucun auditeur ne porte le numéro « {number} ».")
    return student


def _ref(session: ExamSession, unit: CourseUnit) -> ExamRef:
    return ExamRef(
        session_id=session.id,
        session_key=session.key,
        session_number=session.number,
        semester_id=session.semester_id,
        year_id=session.semester.year_id,
        year_label=session.semester.year.label,
        course_unit_id=unit.id,
        ue_code=unit.code,
        ue_title=unit.title,
    )


def exam_ref(db: Database, session_key: str, ue_code: str) -> ExamRef:
    with db.transaction(write=False) as s:
        return ref_in(s, session_key, ue_code)


def ref_in(s: Session, session_key: str, ue_code: str) -> ExamRef:
    return _ref(exam_calendar.find_session(s, session_key), find_course_unit(s, ue_code))


def unit_choices(db: Database, session_key: str) -> list[UnitChoice]:
    """The UEs that have an exam (or already grades) in the session."""
    with db.transaction(write=False) as s:
        session = exam_calendar.find_session(s, session_key)
        scheduled = select(Exam.course_unit_id).where(Exam.session_id == session.id)
        graded = select(Grade.course_unit_id).where(Grade.session_id == session.id)
        rows = s.execute(
            select(CourseUnit.id, CourseUnit.code, CourseUnit.title)
            .where(CourseUnit.id.in_(scheduled.union(graded).scalar_subquery()))
            .order_by(CourseUnit.code)
        ).all()
        counts = dict(
            s.execute(
                select(Grade.course_unit_id, func.count())
                .where(Grade.session_id == session.id, (Grade.value.is_not(None)) | (Grade.code.is_not(None)))
                .group_by(Grade.course_unit_id)
            ).all()
        )
        on_sheet = _sheet_sizes(s, session)
        published = set(s.scalars(select(Publication.course_unit_id).where(Publication.session_id == session.id)))
        return [
            UnitChoice(code, title, counts.get(uid, 0), on_sheet.get(uid, 0), uid in published)
            for uid, code, title in rows
        ]


def _sheet_sizes(s: Session, session: ExamSession) -> dict[int, int]:
    """UE id -> students on its sheet, counted as sheet_rows_in lists them."""
    year_id = session.semester.year_id
    enrolled = s.connection().execute(
        select(Enrolment.course_unit_id, Enrolment.student_id).where(Enrolment.year_id == year_id)
    ).all()
    if session.number != 2:
        sizes: dict[int, int] = {}
        for unit_id, _sid in enrolled:
            sizes[unit_id] = sizes.get(unit_id, 0) + 1
        return sizes
    first = s.scalar(select(ExamSession.id).where(ExamSession.semester_id == session.semester_id, ExamSession.number == 1))
    outcomes = {
        (unit_id, sid): rules.from_columns(value, code)
        for unit_id, sid, value, code in s.connection().execute(
            select(Grade.course_unit_id, Grade.student_id, Grade.value, Grade.code).where(Grade.session_id == (first or -1))
        ).all()
    }
    sent: dict[GradeValue, bool] = {}  # the rule, once per distinct outcome
    pairs = set()
    for pair in enrolled:
        outcome = outcomes.get((pair[0], pair[1]))
        if outcome not in sent:
            sent[outcome] = rules.goes_to_session2(outcome)
        if sent[outcome]:
            pairs.add((pair[0], pair[1]))
    # Anyone graded in session 2 stays on the sheet (as in sheet_rows_in).
    pairs.update(s.connection().execute(
        select(Grade.course_unit_id, Grade.student_id).where(Grade.session_id == session.id)
    ).all())
    sizes = {}
    for unit_id, _sid in pairs:
        sizes[unit_id] = sizes.get(unit_id, 0) + 1
    return sizes


def default_session_key(db: Database) -> str | None:
    """Where grade entry opens: the latest session that has grades, else the first one."""
    with db.transaction(write=False) as s:
        latest = s.scalar(
            select(ExamSession).where(exists().where(Grade.session_id == ExamSession.id))
            .order_by(ExamSession.first_day.desc()).limit(1)
        )
        if latest is None:
            latest = s.scalar(select(ExamSession).order_by(ExamSession.first_day).limit(1))
        return latest.key if latest is not None else None


# --- settings -------------------------------------------------------------------------------


def best_of_two(db: Database) -> bool:
    """Office setting: the UE result is the better of the two sessions' marks instead of session 2's."""
    with db.transaction(write=False) as s:
        return best_of_two_in(s)


def best_of_two_in(s: Session) -> bool:
    setting = s.get(OfficeSetting, BEST_OF_TWO_SETTING)
    return bool(setting.value) if setting is not None else False


def set_best_of_two(db: Database, enabled: bool) -> None:
    with db.transaction() as s:
        setting = s.get(OfficeSetting, BEST_OF_TWO_SETTING)
        if setting is None:
            s.add(OfficeSetting(key=BEST_OF_TWO_SETTING, value=bool(enabled)))
        elif bool(setting.value) != bool(enabled):
            setting.value = bool(enabled)


# --- the grade sheet ------------------------------------------------------------------------


@dataclass(slots=True)
class GradeRow:
    """One student on an exam's grade sheet (never changed in place: `with_grade` makes another)."""

    student_id: int
    student_number: str
    last_name: str
    first_name: str
    grade: GradeValue
    version: int  # 0 while the student has no grade row
    entered_by: str = ""
    entered_at: dt.datetime | None = None
    session1: GradeValue = None  # on a session 2 sheet: the session 1 grade
    result: ResultCode | None = None
    # Double entry: the second entry, its version (0 while there is none), who typed it and when.
    second_entry: GradeValue = None
    second_version: int = 0
    second_by: str = ""
    second_at: dt.datetime | None = None

    @property
    def name(self) -> str:
        return f"{self.last_name.upper()} {self.first_name}".strip()

    @property
    def mismatch(self) -> bool:
        """Both entries are there and disagree: to be settled before publication."""
        return rules.entries_disagree(self.grade, self.second_entry)

    def as_json(self) -> dict[str, object]:
        return {
            "student_number": self.student_number,
            "last_name": self.last_name,
            "first_name": self.first_name,
            "grade": rules.json_grade(self.grade),
            "result": self.result.value if self.result else None,
            "version": self.version,
            "second_entry": rules.json_grade(self.second_entry),
            "mismatch": self.mismatch,
        }


@dataclass(frozen=True)
class PublicationInfo:
    published_at: dt.datetime
    published_by: str

    @property
    def text(self) -> str:
        return f"publiées le {frenchdates.long_datetime(self.published_at)} par {self.published_by}"


@dataclass
class GradeSheet:
    ref: ExamRef
    rows: list[GradeRow]
    publication: PublicationInfo | None
    best_of_two: bool

    @property
    def published(self) -> bool:
        return self.publication is not None


# Letters Unicode does not decompose, sorted where a French reader looks for them.
_SORT_LETTERS = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe", "ı": "i"})


@lru_cache(maxsize=65536)
def _fold(text: str) -> str:
    if text.isascii():
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_SORT_LETTERS))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def sort_key(last_name: str, first_name: str, number: str) -> tuple[str, str, str]:
    """Names as a French list orders them: no accents, no case; Łukasiewicz under L."""
    return _fold(last_name), _fold(first_name), number


def row_result(ref: ExamRef, grade: GradeValue, session1: GradeValue, best: bool) -> ResultCode | None:
    """The result column: the grade's code in session 1, the UE result once session 2 is in play."""
    if ref.session_number == 1:
        return rules.result_code(grade)
    return rules.result_code(rules.ue_result(session1, grade, best_of_two=best))


def _session1_id(s: Session, ref: ExamRef) -> int | None:
    return s.scalar(select(ExamSession.id).where(ExamSession.semester_id == ref.semester_id, ExamSession.number == 1))


def _grades_of(s: Session, session_id: int, unit_id: int, only: int | None = None) -> dict[int, tuple]:
    """student id -> (student id, value, code, version[, entered_by, entered_at])."""
    columns = [Grade.student_id, Grade.value, Grade.code, Grade.version]
    if only is not None:
        # Who and when are read for one row (a conflict names them), not for a whole sheet.
        columns += [Grade.entered_by, Grade.entered_at]
    query = select(*columns).where(Grade.session_id == session_id, Grade.course_unit_id == unit_id)
    if only is not None:
        query = query.where(Grade.student_id == only)
    # Core rows: thousands of plain tuples without the ORM's per-row work.
    return {row[0]: row for row in s.connection().execute(query).all()}


def _second_entries_of(s: Session, ref: ExamRef, only: int | None = None) -> dict[int, tuple]:
    """student id -> (student id, value, code, version, entered_by, entered_at) of the second entries."""
    table = SecondEntry.__table__
    query = select(table.c.student_id, table.c.value, table.c.code, table.c.version, table.c.entered_by,
                   table.c.entered_at).where(
        table.c.session_id == ref.session_id, table.c.course_unit_id == ref.course_unit_id
    )
    if only is not None:
        query = query.where(table.c.student_id == only)
    return {row[0]: row for row in s.connection().execute(query).all()}


def sheet_rows_in(s: Session, ref: ExamRef, best: bool, only: int | None = None) -> list[GradeRow]:
    connection = s.connection()
    enrolled = select(Student.id, Student.number, Student.last_name, Student.first_name).join(
        Enrolment, Enrolment.student_id == Student.id
    ).where(Enrolment.course_unit_id == ref.course_unit_id, Enrolment.year_id == ref.year_id)
    if only is not None:
        enrolled = enrolled.where(Student.id == only)
    students = {row[0]: row for row in connection.execute(enrolled).all()}
    grades = _grades_of(s, ref.session_id, ref.course_unit_id, only)
    seconds = _second_entries_of(s, ref, only)
    session1: dict[int, GradeValue] = {}
    if ref.session_number == 2:
        first = _session1_id(s, ref)
        if first is not None:
            session1 = {
                sid: rules.from_columns(row[1], row[2])
                for sid, row in _grades_of(s, first, ref.course_unit_id, only).items()
            }
        # Session 2 is for the students absent from session 1 or below 10; anyone already
        # graded in session 2 stays on the sheet so no grade ever disappears from view.
        students = {
            sid: row for sid, row in students.items()
            if rules.goes_to_session2(session1.get(sid)) or sid in grades or sid in seconds
        }
    missing = [sid for sid in {**grades, **seconds} if sid not in students]
    if missing:
        for row in connection.execute(
            select(Student.id, Student.number, Student.last_name, Student.first_name).where(Student.id.in_(missing))
        ):
            students[row[0]] = tuple(row)
    result = []
    # A sheet holds a few dozen distinct grades: each one's result is worked out once.
    results: dict[tuple[GradeValue, GradeValue], ResultCode | None] = {}
    for sid, (_id, number, last, first_name) in students.items():
        graded = grades.get(sid)
        grade = rules.from_columns(graded[1], graded[2]) if graded else None
        first_grade = session1.get(sid)
        key = (grade, first_grade)
        if key not in results:
            results[key] = row_result(ref, grade, first_grade, best)
        second = seconds.get(sid)
        result.append(
            GradeRow(
                sid, number, last, first_name, grade,
                graded[3] if graded else 0,
                graded[4] if graded and only is not None else "",
                graded[5] if graded and only is not None else None,
                first_grade,
                results[key],
                rules.from_columns(second[1], second[2]) if second else None,
                second[3] if second else 0,
                second[4] if second else "",
                second[5] if second else None,
            )
        )
    result.sort(key=lambda r: (_fold(r.last_name), _fold(r.first_name), r.student_number))
    return result


def student_label(s: Session, student_id: int) -> str:
    student = s.get(Student, student_id)
    return f"{student.last_name.upper()} {student.first_name} ({student.number})" if student else str(student_id)


def check_on_sheet(s: Session, ref: ExamRef, student_ids: Iterable[int]) -> None:
    """Refuses a grade for a student who is not on the exam's list (not enrolled, not sent to session 2)."""
    wanted = set(student_ids)
    only = next(iter(wanted)) if len(wanted) == 1 else None
    on_sheet = {row.student_id for row in sheet_rows_in(s, ref, False, only=only)}
    for sid in sorted(wanted):
        if sid not in on_sheet:
            if ref.session_number == 2:
                raise RefusedInput(
                    f"{student_label(s, sid)} n'est pas sur la liste de session 2 de {ref.ue_code} "
                    "(inscrit et absent ou ajourné en session 1) : note refusée."
                )
            raise RefusedInput(
                f"{student_label(s, sid)} n'est pas inscrit à {ref.ue_code} en {ref.year_label} : note refusée."
            )


def publication_in(s: Session, ref: ExamRef) -> PublicationInfo | None:
    row = s.execute(
        select(Publication.published_at, Publication.published_by).where(
            Publication.session_id == ref.session_id, Publication.course_unit_id == ref.course_unit_id
        )
    ).first()
    return PublicationInfo(row[0], row[1]) if row else None


def publication_of(db: Database, ref: ExamRef) -> PublicationInfo | None:
    with db.transaction(write=False) as s:
        return publication_in(s, ref)


def load_sheet(db: Database, ref: ExamRef) -> GradeSheet:
    """The students of an exam with their grades (session 2: those sent to it)."""
    with db.transaction(write=False) as s:
        best = best_of_two_in(s)
        return GradeSheet(ref, sheet_rows_in(s, ref, best), publication_in(s, ref), best)


def sheet_by_keys(db: Database, session_key: str, ue_code: str) -> GradeSheet:
    """An exam's grade sheet named by its session key and UE code, in one transaction."""
    with db.transaction(write=False) as s:
        ref = ref_in(s, session_key, ue_code)
        best = best_of_two_in(s)
        return GradeSheet(ref, sheet_rows_in(s, ref, best), publication_in(s, ref), best)


def with_grade(row: GradeRow, grade: GradeValue, ref: ExamRef, best: bool) -> GradeRow:
    """A row as it will read with another grade (for the window's immediate display)."""
    return replace(row, grade=grade, result=row_result(ref, grade, row.session1, best))
