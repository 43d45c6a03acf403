"""Demo results: session 1 grades of the demo year (some published, some ABI / ABJ) and two M1 programmes."""

from __future__ import annotations

import random
from decimal import Decimal

from sqlalchemy import func, insert, select

from cnam_desk import frenchdates
from cnam_desk.db import audit
from cnam_desk.db.engine import Database
from cnam_desk.db.models import (
    CourseUnit,
    Enrolment,
    Exam,
    Grade,
    GradeChange,
    GradeCode,
    Programme,
    ProgrammeUnit,
    Publication,
    SecondEntry,
)
from cnam_desk.errors import NotFound
from cnam_desk.grading import double_entry, entry, rules
from cnam_desk.schedule import exam_calendar
from cnam_desk.schedule.demo import DEMO_YEAR

DEMO_CLERK = "secretariat.examens"
# UEs of semester 1 left unpublished (entry in progress): the window shows both states.
IN_PROGRESS = {"NFP136", "SEC101"}
PROGRAMMES = [
    ("Master Informatique – M1", ["NFA031", "NFA008", "NFP107", "NFP136", "RSX101", "NSY103"], None),
    ("Master Management – M1", [], Decimal(12)),
    ("Master Statistique – M1", ["STA001"], Decimal(10)),
]


def demo_grade(rng: random.Random) -> rules.GradeValue:
    """Roughly what an exam gives: a few absences, marks around 11 with a long tail, in quarter points."""
    draw = rng.random()
    if draw < 0.06:
        return GradeCode.ABI
    if draw < 0.09:
        return GradeCode.ABJ
    mark = min(max(rng.gauss(11.2, 3.9), 0), 20)
    return Decimal(round(mark * 4) / 4).quantize(Decimal("0.01"))


def seed_results(db: Database) -> None:
    """Idempotent: grades are added only to a demo year that has none, programmes only if missing."""
    rng = random.Random(20240122)
    now = frenchdates.now()
    with db.transaction() as s:
        year = exam_calendar.find_year(s, DEMO_YEAR)
        session_ids = {}
        for semester in year.semesters:
            for session in semester.sessions:
                session_ids[(semester.number, session.number)] = session.id
        already = s.scalar(select(func.count()).select_from(Grade).where(Grade.session_id.in_(session_ids.values())))
        codes = dict(s.execute(select(CourseUnit.id, CourseUnit.code)).all())
        if not already:
            enrolled: dict[int, list[int]] = {}
            for student_id, unit_id in s.execute(
                select(Enrolment.student_id, Enrolment.course_unit_id)
                .where(Enrolment.year_id == year.id)
                .order_by(Enrolment.course_unit_id, Enrolment.student_id)
            ):
                enrolled.setdefault(unit_id, []).append(student_id)
            grades, published = [], []
            for semester_number in (1, 2):
                session_id = session_ids.get((semester_number, 1))
                if session_id is None:
                    continue
                units = sorted(set(s.scalars(select(Exam.course_unit_id).where(Exam.session_id == session_id))))
                for index, unit_id in enumerate(units):
                    # Semester 2's session 1 is half graded: the other half is still to enter.
                    if semester_number == 2 and index % 2:
                        continue
                    in_progress = semester_number == 1 and codes[unit_id] in IN_PROGRESS
                    for student_id in enrolled.get(unit_id, []):
                        if in_progress and rng.random() < 0.3:
                            continue
                        value, code = rules.to_columns(demo_grade(rng))
                        grades.append({"session_id": session_id, "course_unit_id": unit_id, "student_id": student_id,
                                       "value": value, "code": code, "entered_at": now, "entered_by": DEMO_CLERK,
                                       "version": 1})
                    if semester_number == 1 and not in_progress:
                        published.append({"session_id": session_id, "course_unit_id": unit_id,
                                          "published_at": now, "published_by": DEMO_CLERK})
            if grades:
                connection = s.connection()
                table = Grade.__table__
                connection.execute(table.insert(), grades)
                ids = {
                    (session_id, unit_id, student_id): gid
                    for gid, session_id, unit_id, student_id in connection.execute(
                        select(table.c.id, table.c.session_id, table.c.course_unit_id, table.c.student_id)
                        .where(table.c.session_id.in_(session_ids.values()))
                    )
                }
                connection.execute(GradeChange.__table__.insert(), [
                    {"grade_id": ids[(row["session_id"], row["course_unit_id"], row["student_id"])], "changed_at": now,
                     "changed_by": DEMO_CLERK, "old": None,
                     "new": rules.grade_token(rules.from_columns(row["value"], row["code"])), "reason": ""}
                    for row in grades
                ])
            if published:
                s.execute(insert(Publication), published)
            audit.record(s, "demo", "grade", None, None, {"grades": len(grades), "publications": len(published)})
        units = {code: uid for uid, code in codes.items()}
        existing = set(s.scalars(select(Programme.name)))
        for name, unit_codes, ects in PROGRAMMES:
            if name in existing or any(code not in units for code in unit_codes):
                continue
            s.add(Programme(name=name, required_ects=ects,
                            units=[ProgrammeUnit(course_unit_id=units[code]) for code in unit_codes]))
    _demo_correction(db)
    _demo_second_entry(db)


CORRECTION_REASON = "erreur de report : total de la copie recompté"


def _demo_correction(db: Database) -> None:
    """One grade corrected after publication, with its reason, so the history shows what it is for.

    One write transaction from the check to the write: a second workstation filling the demo at the
    same moment waits, then finds the correction made.
    """
    with db.transaction() as s:
        if s.scalar(select(func.count()).select_from(GradeChange).where(GradeChange.reason == CORRECTION_REASON)):
            return
        ref = entry.exam_ref(db, f"{DEMO_YEAR}/S1/1", "NFA031")
        sheet = entry.load_sheet(db, ref)
        if not sheet.published:
            return
        for row in sheet.rows:
            if isinstance(row.grade, Decimal) and Decimal("9") <= row.grade < Decimal("10"):
                entry.save_grade(db, ref, row.student_id, Decimal("10.5"), expect_version=row.version,
                                 reason=CORRECTION_REASON)
                return


SECOND_ENTRY_UNIT = "NFP136"


def _demo_second_entry(db: Database) -> None:
    """An exam in progress typed a second time, with two disagreements to settle (red in the grid)."""
    with db.transaction() as s:
        if s.scalar(select(func.count()).select_from(SecondEntry)):
            return
        try:
            ref = entry.exam_ref(db, f"{DEMO_YEAR}/S1/1", SECOND_ENTRY_UNIT)
        except NotFound:
            return
        sheet = entry.load_sheet(db, ref)
        graded = [row for row in sheet.rows if row.grade is not None]
        if sheet.published or len(graded) < 4:
            return
        edits = [double_entry.SecondEdit(row.student_id, row.grade) for row in graded]
        # Two slips of the pen: a mark typed one point off, an ABJ read as ABI (or a mark as ABI).
        for index in (1, 3):
            grade = graded[index].grade
            slip = grade + 1 if isinstance(grade, Decimal) and grade < 19 else GradeCode.ABI
            if slip == grade:
                slip = Decimal(10)
            edits[index] = double_entry.SecondEdit(graded[index].student_id, slip)
        double_entry.save_second_entries(db, ref, edits)
