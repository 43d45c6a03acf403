"""Attestations: what a student passed (attestation de réussite) and the M1 programmes' check (attestation de M1).

Only published results count: an attestation certifies what the student portal shows.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from cnam_desk import frenchdates
from cnam_desk.db.engine import Database
from cnam_desk.db.models import (
    AcademicYear,
    AccommodationRequest,
    Attestation,
    AttestationKind,
    CourseUnit,
    ExamSession,
    Grade,
    Programme,
    ProgrammeUnit,
    Publication,
    RequestKind,
    RequestStatus,
    Semester,
    Student,
)
from cnam_desk.errors import EditConflict, NotFound, RefusedInput
from cnam_desk.grading import rules
from cnam_desk.grading.entry import best_of_two_in, find_student, normalise_code, sort_key
from cnam_desk.schedule import exam_calendar

# --- what a student passed ------------------------------------------------------------------


@dataclass(frozen=True)
class PassedUnit:
    """An UE passed: its final grade, the session that gave it, its ECTS credits."""

    ue_code: str
    ue_title: str
    grade: Decimal
    year_label: str
    semester: int
    session: int
    ects: Decimal | None

    @property
    def session_label(self) -> str:
        return f"semestre {self.semester}, session {self.session}"


@dataclass(frozen=True)
class StudentRef:
    id: int
    number: str
    last_name: str
    first_name: str

    @property
    def name(self) -> str:
        """« Léa MARTIN », as an attestation names the student."""
        return f"{self.first_name} {self.last_name.upper()}".strip()


def _student_ref(student: Student) -> StudentRef:
    return StudentRef(student.id, student.number, student.last_name, student.first_name)


def passed_units_in(s: Session, student_ids: list[int] | None, year_ids: list[int]) -> dict[int, list[PassedUnit]]:
    """Per student, the UEs passed in these years, from published grades only."""
    published = (
        select(Grade.student_id, Grade.course_unit_id, Grade.value, Grade.code, ExamSession.number,
               Semester.number, Semester.year_id)
        .join(ExamSession, ExamSession.id == Grade.session_id)
        .join(Semester, Semester.id == ExamSession.semester_id)
        .join(
            Publication,
            (Publication.session_id == Grade.session_id) & (Publication.course_unit_id == Grade.course_unit_id),
        )
        .where(Semester.year_id.in_(year_ids))
    )
    if student_ids is not None:
        published = published.where(Grade.student_id.in_(student_ids))
    # (student, UE, year, semester) -> {session number: grade}
    sittings: dict[tuple[int, int, int, int], dict[int, rules.GradeValue]] = defaultdict(dict)
    for student_id, unit_id, value, code, session_number, semester_number, year_id in s.execute(published):
        sittings[(student_id, unit_id, year_id, semester_number)][session_number] = rules.from_columns(value, code)
    if not sittings:
        return {}
    units = {
        row.id: row
        for row in s.execute(
            select(CourseUnit.id, CourseUnit.code, CourseUnit.title, CourseUnit.ects).where(
                CourseUnit.id.in_({key[1] for key in sittings})
            )
        )
    }
    years = dict(s.execute(select(AcademicYear.id, AcademicYear.label).where(AcademicYear.id.in_(year_ids))).all())
    best = best_of_two_in(s)
    passed: dict[int, list[PassedUnit]] = defaultdict(list)
    for (student_id, unit_id, year_id, semester_number), grades in sittings.items():
        first, second = grades.get(1), grades.get(2)
        final = rules.ue_result(first, second, best_of_two=best)
        if not rules.is_admitted(final):
            continue
        session = 2 if second is not None and final is second else 1
        unit = units[unit_id]
        passed[student_id].append(
            PassedUnit(unit.code, unit.title, final, years[year_id], semester_number, session,  # type: ignore[arg-type]
                       None if unit.ects is None else Decimal(unit.ects))
        )
    for items in passed.values():
        items.sort(key=lambda p: (p.year_label, p.semester, p.ue_code))
    return passed


def total_ects(units: list[PassedUnit]) -> Decimal:
    """The credits of the UEs whose credits are known (see unknown_ects: never counted as 0 silently)."""
    return sum((u.ects for u in units if u.ects is not None), Decimal(0))


def unknown_ects(units: list[PassedUnit]) -> list[str]:
    """The codes of the UEs whose credits the catalogue does not give."""
    return [u.ue_code for u in units if u.ects is None]


# --- attestation de réussite ----------------------------------------------------------------


@dataclass(frozen=True)
class SuccessData:
    """What an attestation de réussite states: a student, a year, the UEs passed."""

    student: StudentRef
    year_label: str
    units: list[PassedUnit]
    reference: str = ""
    issued_on: dt.date | None = None

    @property
    def total_ects(self) -> Decimal:
        return total_ects(self.units)


def _year(s: Session, label: str) -> AcademicYear:
    return exam_calendar.find_year(s, label)


def success_data(db: Database, year_label: str, student_number: str | None = None) -> list[SuccessData]:
    """One student's (or, without a number, every student's) UEs passed in the year; nobody without any."""
    with db.transaction() as s:
        year = _year(s, year_label)
        student_ids = [find_student(s, student_number).id] if student_number else None
        passed = passed_units_in(s, student_ids, [year.id])
        if student_number and not passed:
            student = find_student(s, student_number)
            raise RefusedInput(
                f"{_student_ref(student).name} ({student.number}) n'a aucune UE réussie publiée en {year.label} : "
                "pas d'attestation de réussite."
            )
        students = {
            st.id: _student_ref(st) for st in s.scalars(select(Student).where(Student.id.in_(list(passed))))
        }
    items = [SuccessData(students[sid], year.label, units) for sid, units in passed.items()]
    items.sort(key=lambda d: sort_key(d.student.last_name, d.student.first_name, d.student.number))
    return items


def _reference(s: Session, kind: AttestationKind, year: AcademicYear, student: StudentRef) -> str:
    prefix = "AR" if kind is AttestationKind.SUCCESS else "M1"
    stem = f"{prefix}-{year.label}-{student.number}-"
    count = s.scalar(select(func.count()).select_from(Attestation).where(Attestation.reference.like(f"{stem}%")))
    return f"{stem}{(count or 0) + 1}"


def issue_success(
    db: Database, items: list[SuccessData], *, persist: bool = True, now: dt.datetime | None = None
) -> list[SuccessData]:
    """Record that these attestations de réussite were issued (one short transaction); gives their references.

    persist=False only reads: the references they will get, nothing recorded yet.
    """
    issued = []
    now = now or frenchdates.now()
    with db.transaction(write=persist) as s:
        years: dict[str, AcademicYear] = {}
        for item in items:
            year = years.get(item.year_label) or years.setdefault(item.year_label, _year(s, item.year_label))
            reference = _reference(s, AttestationKind.SUCCESS, year, item.student)
            if persist:
                s.add(Attestation(student_id=item.student.id, year_id=year.id, kind=AttestationKind.SUCCESS,
                                  reference=reference, issued_at=now, issued_by=db.clerk))
                s.flush()
            issued.append(SuccessData(item.student, item.year_label, item.units, reference,
                                      frenchdates.paris(now).date()))
    return issued


# --- programmes (attestation de M1) ---------------------------------------------------------


@dataclass(frozen=True)
class ProgrammeView:
    id: int
    name: str
    required_ects: Decimal | None
    units: list[tuple[str, str]]  # (code, title)
    version: int

    @property
    def rule_text(self) -> str:
        parts = []
        if self.units:
            parts.append("UE requises : " + ", ".join(code for code, _ in self.units))
        if self.required_ects is not None:
            parts.append(f"{rules.grade_text(self.required_ects)} crédits ECTS")
        return " ; ".join(parts)


def _programme_view(programme: Programme) -> ProgrammeView:
    units = sorted((u.course_unit.code, u.course_unit.title) for u in programme.units)
    ects = None if programme.required_ects is None else Decimal(programme.required_ects)
    return ProgrammeView(programme.id, programme.name, ects, units, programme.version)


def _programmes_query():  # type: ignore[no-untyped-def]
    return select(Programme).options(selectinload(Programme.units).selectinload(ProgrammeUnit.course_unit))


def list_programmes(db: Database) -> list[ProgrammeView]:
    with db.transaction() as s:
        return [_programme_view(p) for p in s.scalars(_programmes_query().order_by(Programme.name))]


def _find_programme(s: Session, name: str) -> Programme:
    programme = s.scalar(_programmes_query().where(Programme.name == " ".join(name.split())))
    if programme is None:
        known = ", ".join(s.scalars(select(Programme.name).order_by(Programme.name))) or "aucun"
        raise NotFound(f"Le programme « {name} » n'existe pas (programmes définis : {known}).")
    return programme


def save_programme(
    db: Database,
    name: str,
    ue_codes: list[str],
    required_ects: Decimal | None,
    *,
    original_name: str | None = None,
    expect_version: int | None = None,
) -> ProgrammeView:
    """Create or change a programme: its name and the UEs or the ECTS total its first year requires."""
    name = " ".join(name.split())
    if not name:
        raise RefusedInput("Donnez un nom au programme.")
    codes = list(dict.fromkeys(normalise_code(c) for c in ue_codes if c.strip()))
    if required_ects is not None and required_ects <= 0:
        raise RefusedInput("Le nombre de crédits ECTS requis doit être positif.")
    if not codes and required_ects is None:
        raise RefusedInput(f"Le programme « {name} » doit exiger des UE ou un nombre de crédits ECTS.")
    with db.transaction() as s:
        units = {u.code: u for u in s.scalars(select(CourseUnit).where(CourseUnit.code.in_(codes)))}
        unknown = [c for c in codes if c not in units]
        if unknown:
            raise RefusedInput(f"UE inconnue(s) : {', '.join(unknown)}.")
        programme = None
        if original_name:
            programme = _find_programme(s, original_name)
            if expect_version is not None and programme.version != expect_version:
                raise EditConflict(f"Le programme « {original_name} » a été modifié par ailleurs : rechargez-le.")
        clash = s.scalar(select(Programme).where(Programme.name == name))
        if clash is not None and clash is not programme:
            raise RefusedInput(f"Un programme s'appelle déjà « {name} ».")
        if programme is None:
            programme = Programme(name=name)
            s.add(programme)
        programme.name = name
        programme.required_ects = required_ects
        kept = {pu.course_unit.code: pu for pu in programme.units}
        programme.units = [kept.get(code) or ProgrammeUnit(course_unit=units[code]) for code in codes]
        s.flush()
        return _programme_view(programme)


def delete_programme(db: Database, name: str) -> None:
    with db.transaction() as s:
        programme = _find_programme(s, name)
        issued = s.scalar(select(func.count()).select_from(Attestation).where(Attestation.programme_id == programme.id))
        if issued:
            raise RefusedInput(
                f"Le programme « {programme.name} » ne peut pas être supprimé : {issued} attestation(s) de M1 "
                "ont été délivrées à son nom."
            )
        s.delete(programme)


@dataclass(frozen=True)
class M1Check:
    """Does a student meet a programme's first-year requirements, and if not, what is missing."""

    programme: ProgrammeView
    student: StudentRef
    year_label: str
    passed: list[PassedUnit]  # every UE passed up to the year
    missing_units: list[tuple[str, str]] = field(default_factory=list)
    ects_obtained: Decimal = Decimal(0)

    @property
    def ects_missing(self) -> Decimal:
        if self.programme.required_ects is None:
            return Decimal(0)
        return max(self.programme.required_ects - self.ects_obtained, Decimal(0))

    @property
    def met(self) -> bool:
        return not self.missing_units and self.ects_missing == 0

    @property
    def counted_units(self) -> list[PassedUnit]:
        """The UEs the attestation lists: the programme's when it names some, else every UE passed."""
        if not self.programme.units:
            return self.passed
        required = {code for code, _ in self.programme.units}
        return [u for u in self.passed if u.ue_code in required]

    def missing_lines(self) -> list[str]:
        """What is missing, one French line each (empty when the requirements are met)."""
        lines = [f"UE {code} ({title}) : pas encore réussie" for code, title in self.missing_units]
        if self.ects_missing:
            unknown = unknown_ects(self.passed)
            lines.append(
                f"crédits ECTS : {rules.grade_text(self.ects_obtained)} obtenus sur "
                f"{rules.grade_text(self.programme.required_ects)} requis "
                f"(il en manque {rules.grade_text(self.ects_missing)})"
                + (f", sans compter {', '.join(unknown)} dont les crédits ne sont pas renseignés "
                   "(Édition > Catalogue des UE)" if unknown else "")
            )
        return lines

    @property
    def summary(self) -> str:
        if self.met:
            return (f"{self.student.name} ({self.student.number}) remplit les conditions de la première année "
                    f"du programme « {self.programme.name} ».")
        return (f"{self.student.name} ({self.student.number}) ne remplit pas encore les conditions du programme "
                f"« {self.programme.name} » : " + " ; ".join(self.missing_lines()) + ".")


def _check(s: Session, programme: Programme, student: Student, year: AcademicYear) -> M1Check:
    # Adult students build a master over several years: everything passed up to this year counts.
    year_ids = list(s.scalars(select(AcademicYear.id).where(AcademicYear.start_year <= year.start_year)))
    passed = passed_units_in(s, [student.id], year_ids).get(student.id, [])
    view = _programme_view(programme)
    passed_codes = {u.ue_code for u in passed}
    missing = [(code, title) for code, title in view.units if code not in passed_codes]
    return M1Check(view, _student_ref(student), year.label, passed, missing, total_ects(passed))


def check_m1(db: Database, student_number: str, programme_name: str, year_label: str) -> M1Check:
    with db.transaction() as s:
        return _check(s, _find_programme(s, programme_name), find_student(s, student_number), _year(s, year_label))


def m1_checks(db: Database, student_number: str, year_label: str) -> list[M1Check]:
    """The student against every programme: those met first, then the closest."""
    with db.transaction() as s:
        student = find_student(s, student_number)
        year = _year(s, year_label)
        checks = [_check(s, p, student, year) for p in s.scalars(_programmes_query().order_by(Programme.name))]
    checks.sort(key=lambda c: (not c.met, len(c.missing_units), c.ects_missing, c.programme.name))
    return checks


@dataclass(frozen=True)
class M1Data:
    check: M1Check
    reference: str
    issued_on: dt.date


def issue_m1_in(s: Session, clerk: str, check: M1Check, *, persist: bool = True, now: dt.datetime | None = None) -> M1Data:
    if not check.met:
        raise RefusedInput(check.summary)
    year = _year(s, check.year_label)
    now = now or frenchdates.now()
    reference = _reference(s, AttestationKind.M1, year, check.student)
    if persist:
        s.add(Attestation(student_id=check.student.id, year_id=year.id, kind=AttestationKind.M1,
                          programme_id=check.programme.id, reference=reference, issued_at=now, issued_by=clerk))
        s.flush()
    return M1Data(check, reference, frenchdates.paris(now).date())


def issue_m1(
    db: Database, student_number: str, programme_name: str, year_label: str, *,
    persist: bool = True, now: dt.datetime | None = None,
) -> M1Data:
    """The attestation de M1, recorded; refused with the list of what is missing. persist=False only reads."""
    with db.transaction(write=persist) as s:
        check = _check(s, _find_programme(s, programme_name), find_student(s, student_number), _year(s, year_label))
        return issue_m1_in(s, db.clerk, check, persist=persist, now=now)


# --- attestation requests in the queue ------------------------------------------------------


@dataclass(frozen=True)
class AttestationVerdict:
    """What the programme check says about an attestation request."""

    request_id: int
    status: RequestStatus  # ACCEPTED, REFUSED, or INCOMPLETE (student not identified)
    reason: str  # French, for the decision and its letter
    check: M1Check | None

    @property
    def accepted(self) -> bool:
        return self.status is RequestStatus.ACCEPTED


def verdict_in(s: Session, request: AccommodationRequest, programme_name: str | None) -> AttestationVerdict:
    if request.kind is not RequestKind.ATTESTATION:
        raise RefusedInput(f"La demande n° {request.id} n'est pas une demande d'attestation.")
    student = request.student or (
        s.scalar(select(Student).where(Student.number == request.student_number.strip()))
        if request.student_number.strip() else None
    )
    if student is None:
        return AttestationVerdict(
            request.id, RequestStatus.INCOMPLETE,
            f"numéro d'auditeur « {request.student_number or '(vide)'} » inconnu : précisez-le", None,
        )
    year = request.session.semester.year
    if programme_name:
        programmes = [_find_programme(s, programme_name)]
    else:
        programmes = list(s.scalars(_programmes_query().order_by(Programme.name)))
        if not programmes:
            raise RefusedInput("Aucun programme de M1 n'est défini : définissez-les dans l'onglet Résultats.")
    checks = [_check(s, p, student, year) for p in programmes]
    checks.sort(key=lambda c: (not c.met, len(c.missing_units), c.ects_missing, c.programme.name))
    best = checks[0]
    if best.met:
        return AttestationVerdict(request.id, RequestStatus.ACCEPTED, best.summary, best)
    return AttestationVerdict(request.id, RequestStatus.REFUSED, best.summary, best)


def attestation_verdict(db: Database, request_id: int, programme_name: str | None = None) -> AttestationVerdict:
    """Check an attestation request against the programme (or, without one, every programme). No change made."""
    with db.transaction() as s:
        request = s.get(AccommodationRequest, request_id)
        if request is None:
            raise NotFound(f"La demande n° {request_id} n'existe pas.")
        return verdict_in(s, request, programme_name)
