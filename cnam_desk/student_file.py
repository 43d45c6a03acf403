"""The student's file, for the phone call « où en est ma demande ? »: one search, the answer on one page.

Identity and postal address, enrolments, the exams of the student's UEs (date, times, room, and the
arrangement granted if any), requests with their decision and letter, letters, grades with their
history, attestations. Nothing medical and no free text of a request (reason, comment) is shown:
the file says what the office decided, not what the student wrote. Read without the write lock.

`search_students` finds a student by number or by name typed without accents or capitals, in
Python over the folded names, so that SQLite and PostgreSQL answer the same.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from cnam_desk import frenchdates
from cnam_desk.db.engine import Database
from cnam_desk.db.models import (
    AcademicYear,
    AccommodationRequest,
    Attestation,
    CourseUnit,
    Enrolment,
    Exam,
    ExamSession,
    Grade,
    Publication,
    RequestKind,
    RequestStatus,
    Semester,
    Student,
)
from cnam_desk.errors import NotFound
from cnam_desk.grading import rules
from cnam_desk.grading.sheet import best_of_two_in
from cnam_desk.requests.letter_state import LetterInfo, LetterState, state_of

# --- search ---------------------------------------------------------------------------------

_LETTERS = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe", "ı": "i"})


def plain(text: str) -> str:
    """« Ağaoğlu Émilie » -> « agaoglu emilie »: no case, no accents, no punctuation."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LETTERS))
    kept = "".join(c if c.isalnum() else " " for c in decomposed if not unicodedata.combining(c))
    return " ".join(kept.split())


def normalise_number(text: str) -> str:
    return "".join(text.split()).upper()


@dataclass(frozen=True)
class StudentHit:
    number: str
    last_name: str
    first_name: str
    on_record: bool  # False: known only from a request (no enrolment file gave it yet)

    @property
    def label(self) -> str:
        name = " ".join(part for part in (self.last_name.upper(), self.first_name) if part)
        return f"{name} ({self.number})" if name else self.number


def search_students(db: Database, text: str, limit: int = 50) -> list[StudentHit]:
    """Students whose number is, or begins with, the text, or whose name holds every word typed."""
    words = plain(text).split()
    number = normalise_number(text)
    if not words:
        return []
    with db.transaction(write=False) as s:
        rows = [
            StudentHit(n, last, first, True)
            for n, last, first in s.execute(select(Student.number, Student.last_name, Student.first_name))
        ]
        known = {hit.number for hit in rows}
        for n, last, first in s.execute(
            select(AccommodationRequest.student_number, AccommodationRequest.last_name, AccommodationRequest.first_name)
            .where(AccommodationRequest.student_id.is_(None))
            .order_by(AccommodationRequest.received_at.desc())
        ):
            if n and n not in known:
                known.add(n)
                rows.append(StudentHit(n, last, first, False))
    exact = [hit for hit in rows if hit.number.upper() == number]
    found = [
        hit for hit in rows
        if hit not in exact
        and (hit.number.upper().startswith(number) or all(w in plain(f"{hit.last_name} {hit.first_name}") for w in words))
    ]
    found.sort(key=lambda hit: (plain(hit.last_name), plain(hit.first_name), hit.number))
    return (exact + found)[:limit]


# --- the file ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExamLine:
    ue: str
    title: str
    session: str
    date: dt.date
    start: dt.time
    end: dt.time
    room: str
    centre: str
    # What an accepted request granted for this exam: another date, times and room.
    arrangement: tuple[dt.date, dt.time, dt.time, str] | None = None

    def as_json(self) -> dict[str, object]:
        granted = None
        if self.arrangement is not None:
            day, start, end, room = self.arrangement
            granted = {"date": day.isoformat(), "start": _hm(start), "end": _hm(end), "room": room}
        return {"ue": self.ue, "session": self.session, "date": self.date.isoformat(), "start": _hm(self.start),
                "end": _hm(self.end), "room": self.room, "centre": self.centre, "arrangement": granted}


@dataclass(frozen=True)
class RequestLine:
    id: int
    session: str
    status: RequestStatus
    kind: RequestKind
    received_at: dt.datetime
    ues: tuple[str, ...]
    decided_at: dt.datetime | None
    decision_reason: str
    missing_items: str
    reply_by: dt.date | None
    letter: LetterInfo

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "session": self.session,
            "status": self.status.value,
            "kind": self.kind.value,
            "letter": None if self.letter.state is LetterState.NONE else self.letter.state.value,
            "letter_printed_at": _iso(self.letter.printed_at),
            "received_at": _iso(self.received_at),
            "ues": list(self.ues),
            "decided_at": _iso(self.decided_at),
            "decision_reason": self.decision_reason,
            "missing_items": self.missing_items,
            "reply_by": None if self.reply_by is None else self.reply_by.isoformat(),
        }


@dataclass(frozen=True)
class LetterLine:
    request_id: int
    reference: str
    decision: RequestStatus
    generated_at: dt.datetime
    printed_at: dt.datetime | None
    print_count: int

    def as_json(self) -> dict[str, object]:
        return {"request_id": self.request_id, "reference": self.reference, "decision": self.decision.value,
                "generated_at": _iso(self.generated_at), "printed_at": _iso(self.printed_at),
                "print_count": self.print_count}


@dataclass(frozen=True)
class GradeChangeLine:
    at: dt.datetime
    by: str
    old: str | None
    new: str | None
    reason: str


@dataclass(frozen=True)
class GradeLine:
    ue: str
    title: str
    session: str
    grade: rules.GradeValue
    result: rules.ResultCode | None
    published: bool
    history: tuple[GradeChangeLine, ...] = ()

    def as_json(self) -> dict[str, object]:
        return {
            "ue": self.ue,
            "session": self.session,
            "grade": rules.json_grade(self.grade),
            "result": None if self.result is None else self.result.value,
            "published": self.published,
            "history": [
                {"changed_at": _iso(c.at), "changed_by": c.by, "old": c.old, "new": c.new, "reason": c.reason}
                for c in self.history
            ],
        }


@dataclass(frozen=True)
class AttestationLine:
    kind: str
    year: str
    reference: str
    issued_at: dt.datetime

    def as_json(self) -> dict[str, object]:
        return {"kind": self.kind, "year": self.year, "reference": self.reference, "issued_at": _iso(self.issued_at)}


@dataclass
class StudentFile:
    student_number: str
    last_name: str
    first_name: str
    postal_address: str
    on_record: bool
    enrolments: list[tuple[str, str, str]] = field(default_factory=list)  # (ue, title, year)
    exams: list[ExamLine] = field(default_factory=list)
    requests: list[RequestLine] = field(default_factory=list)
    letters: list[LetterLine] = field(default_factory=list)
    grades: list[GradeLine] = field(default_factory=list)
    attestations: list[AttestationLine] = field(default_factory=list)

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.last_name.upper(), self.first_name) if part)

    def as_json(self) -> dict[str, Any]:
        return {
            "student_number": self.student_number,
            "last_name": self.last_name,
            "first_name": self.first_name,
            "postal_address": self.postal_address,
            "on_record": self.on_record,
            "enrolments": [{"ue": ue, "title": title, "year": year} for ue, title, year in self.enrolments],
            "exams": [line.as_json() for line in self.exams],
            "requests": [line.as_json() for line in self.requests],
            "letters": [line.as_json() for line in self.letters],
            "grades": [line.as_json() for line in self.grades],
            "attestations": [line.as_json() for line in self.attestations],
        }


def _hm(time: dt.time) -> str:
    return time.strftime("%H:%M")


def _iso(instant: dt.datetime | None) -> str | None:
    return None if instant is None else frenchdates.paris(instant).isoformat(timespec="seconds")


def _requests(s: Session, student: Student | None, number: str) -> list[AccommodationRequest]:
    by_number = AccommodationRequest.student_number == number
    where = or_(by_number, AccommodationRequest.student_id == student.id) if student is not None else by_number
    return list(s.scalars(
        select(AccommodationRequest)
        .where(where)
        .options(
            selectinload(AccommodationRequest.exams),
            selectinload(AccommodationRequest.letters),
            selectinload(AccommodationRequest.arrangements),
            selectinload(AccommodationRequest.session).selectinload(ExamSession.semester).selectinload(Semester.year),
        )
        .order_by(AccommodationRequest.received_at, AccommodationRequest.id)
    ))


def _grades(s: Session, student: Student) -> tuple[list[GradeLine], dict[tuple[int, int], rules.GradeValue]]:
    """The grades, and each (session, UE) grade for the exams' session 2 rule."""
    rows = list(s.scalars(
        select(Grade).where(Grade.student_id == student.id)
        .options(selectinload(Grade.history), selectinload(Grade.course_unit),
                 selectinload(Grade.session).selectinload(ExamSession.semester).selectinload(Semester.year))
    ))
    published = {
        (session_id, unit_id)
        for session_id, unit_id in s.execute(select(Publication.session_id, Publication.course_unit_id).where(
            Publication.session_id.in_({g.session_id for g in rows})))
    }
    by_key = {(g.session_id, g.course_unit_id): rules.from_columns(g.value, g.code) for g in rows}
    first_of = {  # semester -> its session 1
        semester_id: session_id
        for session_id, semester_id in s.execute(select(ExamSession.id, ExamSession.semester_id).where(ExamSession.number == 1))
    }
    best = best_of_two_in(s)
    lines = []
    for g in rows:
        grade = rules.from_columns(g.value, g.code)
        if g.session.number == 1:
            result = rules.result_code(grade)
        else:
            first = by_key.get((first_of.get(g.session.semester_id, -1), g.course_unit_id))
            result = rules.result_code(rules.ue_result(first, grade, best_of_two=best))
        history = tuple(GradeChangeLine(c.changed_at, c.changed_by, c.old, c.new, c.reason) for c in g.history)
        lines.append(GradeLine(g.course_unit.code, g.course_unit.title, g.session.key, grade, result,
                               (g.session_id, g.course_unit_id) in published, history))
    lines.sort(key=lambda line: (line.session, line.ue))
    return lines, by_key


def _exams(s: Session, student: Student | None, grades: dict[tuple[int, int], rules.GradeValue],
           requests: list[AccommodationRequest]) -> list[ExamLine]:
    """The exams of the student's UEs in the sessions of their enrolment years, and those their
    requests name. A session 2 exam is listed once the student is sent to it (a session 1 grade below
    10, ABI or ABJ) or graded in it."""
    pairs = {(unit_id, year_id) for unit_id, year_id in s.execute(
        select(Enrolment.course_unit_id, Enrolment.year_id).where(Enrolment.student_id == student.id))} if student else set()
    units = {unit_id for unit_id, _year in pairs}
    granted: dict[int, tuple[dt.date, dt.time, dt.time, str]] = {}
    named: set[int] = set()
    for request in requests:
        named.update(exam.exam_id for exam in request.exams if exam.exam_id is not None)
        if request.status is RequestStatus.ACCEPTED:
            for arrangement in request.arrangements:
                if arrangement.exam_id is not None:
                    named.add(arrangement.exam_id)
                    granted[arrangement.exam_id] = (arrangement.date, arrangement.start, arrangement.end, arrangement.room)
    if not units and not named:
        return []
    exams = s.scalars(
        select(Exam).where(or_(Exam.course_unit_id.in_(units), Exam.id.in_(named)))
        .options(selectinload(Exam.course_unit),
                 selectinload(Exam.session).selectinload(ExamSession.semester).selectinload(Semester.year))
    ).all()
    first_of = {
        semester_id: session_id
        for session_id, semester_id in s.execute(select(ExamSession.id, ExamSession.semester_id).where(ExamSession.number == 1))
    }
    lines = []
    for exam in exams:
        session = exam.session
        if exam.id not in named and (exam.course_unit_id, session.semester.year_id) not in pairs:
            continue
        if session.number == 2 and (session.id, exam.course_unit_id) not in grades:
            first_key = (first_of.get(session.semester_id, -1), exam.course_unit_id)
            if first_key not in grades or not rules.goes_to_session2(grades[first_key]):
                continue
        lines.append(ExamLine(exam.course_unit.code, exam.course_unit.title, session.key, exam.date, exam.start,
                              exam.end, exam.room, exam.centre, granted.get(exam.id)))
    lines.sort(key=lambda line: (line.date, line.start, line.ue))
    return lines


def student_file(db: Database, number: str) -> StudentFile:
    """The file of the student with this number; NotFound when neither a student nor a request has it."""
    number = normalise_number(number)
    with db.transaction(write=False) as s:
        student = s.scalar(select(Student).where(Student.number == number))
        requests = _requests(s, student, number)
        if student is None and not requests:
            raise NotFound(f"Aucun auditeur ni aucune demande avec le numéro « {number} ».")
        if student is not None:
            file = StudentFile(student.number, student.last_name, student.first_name, student.postal_address, True)
        else:
            latest = requests[-1]  # known only from what the student wrote on a request
            file = StudentFile(number, latest.last_name, latest.first_name, latest.postal_address, False)
        grade_values: dict[tuple[int, int], rules.GradeValue] = {}
        if student is not None:
            file.enrolments = [
                (code, title, year)
                for code, title, year in s.execute(
                    select(CourseUnit.code, CourseUnit.title, AcademicYear.label)
                    .select_from(Enrolment)
                    .join(CourseUnit, CourseUnit.id == Enrolment.course_unit_id)
                    .join(AcademicYear, AcademicYear.id == Enrolment.year_id)
                    .where(Enrolment.student_id == student.id)
                    .order_by(AcademicYear.start_year, CourseUnit.code)
                )
            ]
            file.grades, grade_values = _grades(s, student)
            file.attestations = [
                AttestationLine(a.kind.value, a.year.label, a.reference, a.issued_at)
                for a in s.scalars(
                    select(Attestation).where(Attestation.student_id == student.id)
                    .options(selectinload(Attestation.year)).order_by(Attestation.issued_at, Attestation.id)
                )
            ]
        file.exams = _exams(s, student, grade_values, requests)
        for request in requests:
            letters = [(letter.id, letter.decision, letter.reference, letter.printed_at, letter.print_count)
                       for letter in request.letters]
            file.requests.append(RequestLine(
                request.id, request.session.key, request.status, request.kind, request.received_at,
                tuple(exam.ue_code for exam in request.exams), request.decided_at, request.decision_reason,
                request.missing_items, request.reply_by, state_of(request.status, letters),
            ))
            file.letters.extend(
                LetterLine(request.id, letter.reference, letter.decision, letter.generated_at, letter.printed_at,
                           letter.print_count)
                for letter in sorted(request.letters, key=lambda letter: letter.id)
            )
        return file
