"""Grade entry: an exam's grade sheet, saving one grade (history, locking), publication, statistics."""

from __future__ import annotations

import datetime as dt
import statistics as pystats
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from sqlalchemy import and_, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from cnam_desk import frenchdates
from cnam_desk.db.engine import Database
from cnam_desk.db.models import (
    CourseUnit,
    Enrolment,
    Exam,
    ExamSession,
    Grade,
    GradeChange,
    OfficeSetting,
    Publication,
    Student,
)
from cnam_desk.errors import EditConflict, NotFound, RefusedInput
from cnam_desk.grading import rules
from cnam_desk.grading.rules import GradeValue, ResultCode
from cnam_desk.schedule import exam_calendar

BEST_OF_TWO_SETTING = "results.best_of_two"
HISTOGRAM_BINS = 20  # one bar per point: [0, 1), [1, 2) ... [19, 20]


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

    @property
    def label(self) -> str:
        return f"{self.code} – {self.title}" if self.title else self.code


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
    with db.transaction() as s:
        return ref_in(s, session_key, ue_code)


def ref_in(s: Session, session_key: str, ue_code: str) -> ExamRef:
    return _ref(exam_calendar.find_session(s, session_key), find_course_unit(s, ue_code))


def unit_choices(db: Database, session_key: str) -> list[UnitChoice]:
    """The UEs that have an exam (or already grades) in the session."""
    with db.transaction() as s:
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
        return [UnitChoice(code, title, counts.get(uid, 0)) for uid, code, title in rows]


def default_session_key(db: Database) -> str | None:
    """Where grade entry opens: the latest session that has grades, else the first one."""
    with db.transaction() as s:
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
    with db.transaction() as s:
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

    @property
    def name(self) -> str:
        return f"{self.last_name.upper()} {self.first_name}".strip()

    def as_json(self) -> dict[str, object]:
        return {
            "student_number": self.student_number,
            "last_name": self.last_name,
            "first_name": self.first_name,
            "grade": rules.json_grade(self.grade),
            "result": self.result.value if self.result else None,
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


def sheet_rows_in(s: Session, ref: ExamRef, best: bool, only: int | None = None) -> list[GradeRow]:
    connection = s.connection()
    enrolled = select(Student.id, Student.number, Student.last_name, Student.first_name).join(
        Enrolment, Enrolment.student_id == Student.id
    ).where(Enrolment.course_unit_id == ref.course_unit_id, Enrolment.year_id == ref.year_id)
    if only is not None:
        enrolled = enrolled.where(Student.id == only)
    students = {row[0]: row for row in connection.execute(enrolled).all()}
    grades = _grades_of(s, ref.session_id, ref.course_unit_id, only)
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
            sid: row for sid, row in students.items() if rules.goes_to_session2(session1.get(sid)) or sid in grades
        }
    missing = [sid for sid in grades if sid not in students]
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
        result.append(
            GradeRow(
                sid, number, last, first_name, grade,
                graded[3] if graded else 0,
                graded[4] if graded and only is not None else "",
                graded[5] if graded and only is not None else None,
                first_grade,
                results[key],
            )
        )
    result.sort(key=lambda r: (_fold(r.last_name), _fold(r.first_name), r.student_number))
    return result


def publication_in(s: Session, ref: ExamRef) -> PublicationInfo | None:
    row = s.execute(
        select(Publication.published_at, Publication.published_by).where(
            Publication.session_id == ref.session_id, Publication.course_unit_id == ref.course_unit_id
        )
    ).first()
    return PublicationInfo(row[0], row[1]) if row else None


def publication_of(db: Database, ref: ExamRef) -> PublicationInfo | None:
    with db.transaction() as s:
        return publication_in(s, ref)


def load_sheet(db: Database, ref: ExamRef) -> GradeSheet:
    """The students of an exam with their grades (session 2: those sent to it)."""
    with db.transaction() as s:
        best = best_of_two_in(s)
        return GradeSheet(ref, sheet_rows_in(s, ref, best), publication_in(s, ref), best)


def sheet_by_keys(db: Database, session_key: str, ue_code: str) -> GradeSheet:
    """An exam's grade sheet named by its session key and UE code, in one transaction."""
    with db.transaction() as s:
        ref = ref_in(s, session_key, ue_code)
        best = best_of_two_in(s)
        return GradeSheet(ref, sheet_rows_in(s, ref, best), publication_in(s, ref), best)


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


def _student_label(s: Session, student_id: int) -> str:
    student = s.get(Student, student_id)
    return f"{student.last_name.upper()} {student.first_name} ({student.number})" if student else str(student_id)


def _check_on_sheet(s: Session, ref: ExamRef, student_ids: Iterable[int]) -> None:
    wanted = set(student_ids)
    only = next(iter(wanted)) if len(wanted) == 1 else None
    on_sheet = {row.student_id for row in sheet_rows_in(s, ref, False, only=only)}
    for sid in sorted(wanted):
        if sid not in on_sheet:
            if ref.session_number == 2:
                raise RefusedInput(
                    f"{_student_label(s, sid)} n'est pas sur la liste de session 2 de {ref.ue_code} "
                    "(inscrit et absent ou ajourné en session 1) : note refusée."
                )
            raise RefusedInput(
                f"{_student_label(s, sid)} n'est pas inscrit à {ref.ue_code} en {ref.year_label} : note refusée."
            )


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
            _require_reason(s, ref, reason)
            _check_on_sheet(s, ref, (e.student_id for e in edits))
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


def set_grade(db: Database, session_key: str, ue_code: str, student_number: str, text: str, *, reason: str = "") -> GradeRow:
    """The command line's set-grade: a value as typed (« 12,5 », « abi », empty to clear)."""
    try:
        grade = rules.read_grade(text)
    except rules.ParseError as error:
        raise RefusedInput(f"Note refusée : {error.message}.") from None
    with db.transaction() as s:
        ref = ref_in(s, session_key, ue_code)
        student_id = find_student(s, student_number).id
    return save_grade(db, ref, student_id, grade, reason=reason)


# --- history --------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    changed_at: dt.datetime
    changed_by: str
    old: GradeValue
    new: GradeValue
    reason: str


def grade_history(db: Database, ref: ExamRef, student_id: int) -> list[HistoryEntry]:
    """Every change of the student's grade for this exam, oldest first."""
    with db.transaction() as s:
        rows = s.execute(
            select(GradeChange.changed_at, GradeChange.changed_by, GradeChange.old, GradeChange.new, GradeChange.reason)
            .join(Grade, Grade.id == GradeChange.grade_id)
            .where(
                Grade.session_id == ref.session_id,
                Grade.course_unit_id == ref.course_unit_id,
                Grade.student_id == student_id,
            )
            .order_by(GradeChange.changed_at, GradeChange.id)
        ).all()
    return [HistoryEntry(at, by, rules.from_token(old), rules.from_token(new), reason) for at, by, old, new, reason in rows]


# --- publication ----------------------------------------------------------------------------


def publish(db: Database, ref: ExamRef) -> PublicationInfo:
    """Publish an exam's grades: they go to the student portal and are locked (changes need a reason)."""
    with db.transaction() as s:
        existing = publication_in(s, ref)
        if existing is not None:
            raise RefusedInput(f"Les notes de {ref.ue_code} (session {ref.session_key}) sont déjà {existing.text}.")
        rows = sheet_rows_in(s, ref, False)
        if not rows:
            raise RefusedInput(f"Aucun auditeur n'est à noter en {ref.ue_code} (session {ref.session_key}) : rien à publier.")
        missing = [row for row in rows if row.grade is None]
        if missing:
            names = ", ".join(f"{row.name} ({row.student_number})" for row in missing[:3])
            more = f" et {len(missing) - 3} autre(s)" if len(missing) > 3 else ""
            raise RefusedInput(
                f"Publication refusée : {len(missing)} auditeur(s) sans note en {ref.ue_code} "
                f"(session {ref.session_key}) : {names}{more}. Saisissez leur note, ou ABI / ABJ pour les absents."
            )
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


def with_grade(row: GradeRow, grade: GradeValue, ref: ExamRef, best: bool) -> GradeRow:
    """A row as it will read with another grade (for the window's immediate display)."""
    return replace(row, grade=grade, result=row_result(ref, grade, row.session1, best))

