"""The office's data: typed SQLAlchemy models for the whole exam-office domain."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Text,
    Time,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, relationship

# Stable constraint names: Alembic batch migrations on SQLite need them.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """An instant: stored in UTC, always read back timezone-aware (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: every instant must carry its timezone")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def _enum(cls: type[enum.Enum], length: int = 20) -> Enum:
    # Stored as plain strings (their values), so both databases read the same thing.
    return Enum(
        cls,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dt.datetime: UTCDateTime()}


class Versioned:
    """A row two clerks could edit at once: updates check and bump `version`."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:  # noqa: N805
        return {"version_id_col": cls.version}


# --- calendar ---------------------------------------------------------------------------


class AcademicYear(Base):
    __tablename__ = "academic_year"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(9), unique=True)  # "2023-2024"
    start_year: Mapped[int] = mapped_column(Integer, unique=True)

    semesters: Mapped[list[Semester]] = relationship(
        back_populates="year", order_by="Semester.number", cascade="all, delete-orphan"
    )


class Semester(Base):
    __tablename__ = "semester"
    __table_args__ = (UniqueConstraint("year_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("academic_year.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)  # 1 or 2

    year: Mapped[AcademicYear] = relationship(back_populates="semesters")
    sessions: Mapped[list[ExamSession]] = relationship(
        back_populates="semester", order_by="ExamSession.number", cascade="all, delete-orphan"
    )

    @property
    def key(self) -> str:
        return f"{self.year.label}/S{self.number}"


class ExamSession(Versioned, Base):
    """Session 1 or 2 of a semester: its exam days and the request deadline."""

    __tablename__ = "exam_session"
    __table_args__ = (UniqueConstraint("semester_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    semester_id: Mapped[int] = mapped_column(ForeignKey("semester.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)  # 1 or 2 (rattrapage)
    first_day: Mapped[dt.date] = mapped_column(Date)
    last_day: Mapped[dt.date] = mapped_column(Date)
    # None while the office has not set it ("en cours de planification").
    request_deadline: Mapped[dt.datetime | None] = mapped_column(nullable=True)

    semester: Mapped[Semester] = relationship(back_populates="sessions")
    exams: Mapped[list[Exam]] = relationship(back_populates="session", cascade="all, delete-orphan")

    @property
    def key(self) -> str:
        return f"{self.semester.key}/{self.number}"


# --- teaching ---------------------------------------------------------------------------


class CourseUnit(Versioned, Base):
    """An UE (unité d'enseignement) such as NFA031."""

    __tablename__ = "course_unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    ects: Mapped[Decimal | None] = mapped_column(Numeric(5, 2), nullable=True)


class Exam(Versioned, Base):
    """One line of a session's schedule; identified by session, UE and centre."""

    __tablename__ = "exam"
    __table_args__ = (UniqueConstraint("session_id", "course_unit_id", "centre"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("exam_session.id", ondelete="CASCADE"), index=True)
    course_unit_id: Mapped[int] = mapped_column(ForeignKey("course_unit.id"), index=True)
    centre: Mapped[str] = mapped_column(String(120), default="")
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    start: Mapped[dt.time] = mapped_column(Time)
    end: Mapped[dt.time] = mapped_column(Time)
    room: Mapped[str] = mapped_column(String(120), default="")

    session: Mapped[ExamSession] = relationship(back_populates="exams")
    course_unit: Mapped[CourseUnit] = relationship()


class Student(Versioned, Base):
    """An auditeur, identified by the numéro d'auditeur."""

    __tablename__ = "student"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    last_name: Mapped[str] = mapped_column(String(200))
    first_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(320), default="")
    postal_address: Mapped[str] = mapped_column(Text, default="")

    enrolments: Mapped[list[Enrolment]] = relationship(back_populates="student", cascade="all, delete-orphan")


class Enrolment(Base):
    """A student enrolled in an UE for a year."""

    __tablename__ = "enrolment"
    __table_args__ = (
        UniqueConstraint("student_id", "course_unit_id", "year_id"),
        # An exam's students: its UE in its year (grade sheets, session 2 rosters).
        Index("ix_enrolment_course_unit_year", "course_unit_id", "year_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"), index=True)
    course_unit_id: Mapped[int] = mapped_column(ForeignKey("course_unit.id"), index=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("academic_year.id", ondelete="CASCADE"), index=True)

    student: Mapped[Student] = relationship(back_populates="enrolments")
    course_unit: Mapped[CourseUnit] = relationship()
    year: Mapped[AcademicYear] = relationship()


# --- requests ---------------------------------------------------------------------------


class RequestKind(enum.StrEnum):
    OVERLAP = "overlap"  # two exams the same day at the same time
    TRIP = "trip"  # short professional trip abroad
    DISABILITY = "disability"  # redirected to Handi'Cnam
    ATTESTATION = "attestation"  # attestation de M1
    OTHER = "other"


class RequestStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    INCOMPLETE = "incomplete"
    REDIRECTED = "redirected"


class RequestSource(enum.StrEnum):
    FORM = "form"
    MAIL = "mail"
    DESK = "desk"


class AccommodationRequest(Versioned, Base):
    """A demande d'aménagement. Holds no medical detail: a disability request is only redirected."""

    __tablename__ = "accommodation_request"
    # The queue reads a session's requests in order of arrival, and counts them by status.
    __table_args__ = (
        Index("ix_accommodation_request_session_received", "session_id", "received_at"),
        Index("ix_accommodation_request_session_status", "session_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("exam_session.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int | None] = mapped_column(ForeignKey("student.id"), index=True, nullable=True)
    # As the student wrote them; the student row may not exist yet.
    student_number: Mapped[str] = mapped_column(String(40), default="")
    last_name: Mapped[str] = mapped_column(String(200), default="")
    first_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(320), default="")
    kind: Mapped[RequestKind] = mapped_column(_enum(RequestKind), default=RequestKind.OTHER)
    reason_text: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[dt.datetime] = mapped_column()
    source: Mapped[RequestSource] = mapped_column(_enum(RequestSource), default=RequestSource.FORM)
    trip_start: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    trip_end: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[RequestStatus] = mapped_column(_enum(RequestStatus), default=RequestStatus.PENDING, index=True)
    # Automatic checks, recomputed when the schedule changes; see cnam_desk.requests.checks.
    checks: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    decided_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decision_comment: Mapped[str] = mapped_column(Text, default="")
    missing_items: Mapped[str] = mapped_column(Text, default="")
    reply_by: Mapped[dt.date | None] = mapped_column(Date, nullable=True)

    session: Mapped[ExamSession] = relationship()
    student: Mapped[Student | None] = relationship()
    exams: Mapped[list[RequestedExam]] = relationship(back_populates="request", cascade="all, delete-orphan")
    receipts: Mapped[list[RequestReceipt]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="RequestReceipt.received_at"
    )
    arrangements: Mapped[list[Arrangement]] = relationship(back_populates="request", cascade="all, delete-orphan")
    proofs: Mapped[list[Proof]] = relationship(back_populates="request", cascade="all, delete-orphan")
    letters: Mapped[list[Letter]] = relationship(back_populates="request", cascade="all, delete-orphan")
    events: Mapped[list[RequestEvent]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="RequestEvent.at"
    )


class RequestEvent(Base):
    """One step of a request's history as the review pane shows it: received, decided, changed, proof added."""

    __tablename__ = "request_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("accommodation_request.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column()
    clerk: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(30))  # received / merged / decided / changed / proof
    text: Mapped[str] = mapped_column(Text, default="")

    request: Mapped[AccommodationRequest] = relationship(back_populates="events")


class RequestedExam(Base):
    """An UE the request names; linked to the schedule's exam when it is found there."""

    __tablename__ = "requested_exam"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("accommodation_request.id", ondelete="CASCADE"), index=True)
    ue_code: Mapped[str] = mapped_column(String(20))
    exam_id: Mapped[int | None] = mapped_column(ForeignKey("exam.id", ondelete="SET NULL"), nullable=True)

    request: Mapped[AccommodationRequest] = relationship(back_populates="exams")
    exam: Mapped[Exam | None] = relationship()


class RequestReceipt(Base):
    """One answer received (form row, mail, desk); duplicates of a request add receipts."""

    __tablename__ = "request_receipt"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("accommodation_request.id", ondelete="CASCADE"), index=True)
    received_at: Mapped[dt.datetime] = mapped_column()
    source: Mapped[RequestSource] = mapped_column(_enum(RequestSource))
    form_response_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)

    request: Mapped[AccommodationRequest] = relationship(back_populates="receipts")


class Arrangement(Base):
    """What an accepted request grants: the exam and the other date, time and room."""

    __tablename__ = "arrangement"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("accommodation_request.id", ondelete="CASCADE"), index=True)
    exam_id: Mapped[int | None] = mapped_column(ForeignKey("exam.id", ondelete="SET NULL"), nullable=True)
    ue_code: Mapped[str] = mapped_column(String(20))
    date: Mapped[dt.date] = mapped_column(Date)
    start: Mapped[dt.time] = mapped_column(Time)
    end: Mapped[dt.time] = mapped_column(Time)
    room: Mapped[str] = mapped_column(String(120), default="")

    request: Mapped[AccommodationRequest] = relationship(back_populates="arrangements")
    exam: Mapped[Exam | None] = relationship()


class Proof(Base):
    """A justificatif (PDF or image) kept with a request, within a size limit."""

    __tablename__ = "proof"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("accommodation_request.id", ondelete="CASCADE"), index=True)
    file_name: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100), default="")
    size: Mapped[int] = mapped_column(Integer, default=0)
    sha256: Mapped[str] = mapped_column(String(64), default="")
    content: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # None: only a link
    link: Mapped[str] = mapped_column(Text, default="")
    added_at: Mapped[dt.datetime] = mapped_column()

    request: Mapped[AccommodationRequest] = relationship(back_populates="proofs")


class RefusalReason(Base):
    """The office's editable list of refusal reasons."""

    __tablename__ = "refusal_reason"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(Text, unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Letter(Versioned, Base):
    """A decision letter: when it was generated and each time it was printed."""

    __tablename__ = "letter"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("accommodation_request.id", ondelete="CASCADE"), index=True)
    reference: Mapped[str] = mapped_column(String(60), unique=True)
    decision: Mapped[RequestStatus] = mapped_column(_enum(RequestStatus))
    generated_at: Mapped[dt.datetime] = mapped_column()
    printed_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    print_count: Mapped[int] = mapped_column(Integer, default=0)

    request: Mapped[AccommodationRequest] = relationship(back_populates="letters")


class FormMapping(Base):
    """The column mapping a clerk chose for one online form, reused for its next exports."""

    __tablename__ = "form_mapping"

    id: Mapped[int] = mapped_column(primary_key=True)
    signature: Mapped[str] = mapped_column(String(64), unique=True)  # hash of the question titles
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column()


# --- results ----------------------------------------------------------------------------


class GradeCode(enum.StrEnum):
    ABI = "ABI"  # absent, no justification
    ABJ = "ABJ"  # absent, justified


class Grade(Versioned, Base):
    """A student's grade for an UE in a session: a value out of 20, or ABI / ABJ."""

    __tablename__ = "grade"
    __table_args__ = (UniqueConstraint("session_id", "course_unit_id", "student_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("exam_session.id", ondelete="CASCADE"), index=True)
    course_unit_id: Mapped[int] = mapped_column(ForeignKey("course_unit.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"), index=True)
    value: Mapped[Decimal | None] = mapped_column(Numeric(4, 2), nullable=True)
    code: Mapped[GradeCode | None] = mapped_column(_enum(GradeCode, 3), nullable=True)
    entered_at: Mapped[dt.datetime] = mapped_column()
    entered_by: Mapped[str] = mapped_column(String(120), default="")

    session: Mapped[ExamSession] = relationship()
    course_unit: Mapped[CourseUnit] = relationship()
    student: Mapped[Student] = relationship()
    history: Mapped[list[GradeChange]] = relationship(
        back_populates="grade", cascade="all, delete-orphan", order_by="GradeChange.changed_at"
    )


class GradeChange(Base):
    """One change of a grade: who, when, old, new and why."""

    __tablename__ = "grade_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    grade_id: Mapped[int] = mapped_column(ForeignKey("grade.id", ondelete="CASCADE"), index=True)
    changed_at: Mapped[dt.datetime] = mapped_column()
    changed_by: Mapped[str] = mapped_column(String(120))
    old: Mapped[str | None] = mapped_column(String(10), nullable=True)
    new: Mapped[str | None] = mapped_column(String(10), nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")

    grade: Mapped[Grade] = relationship(back_populates="history")


class Publication(Base):
    """The grades of an UE in a session were published (and are locked from then on)."""

    __tablename__ = "publication"
    __table_args__ = (UniqueConstraint("session_id", "course_unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("exam_session.id", ondelete="CASCADE"), index=True)
    course_unit_id: Mapped[int] = mapped_column(ForeignKey("course_unit.id"))
    published_at: Mapped[dt.datetime] = mapped_column()
    published_by: Mapped[str] = mapped_column(String(120), default="")


class Programme(Versioned, Base):
    """A programme whose first year earns the attestation de M1: required UEs or ECTS credits."""

    __tablename__ = "programme"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    required_ects: Mapped[Decimal | None] = mapped_column(Numeric(6, 2), nullable=True)

    units: Mapped[list[ProgrammeUnit]] = relationship(back_populates="programme", cascade="all, delete-orphan")


class ProgrammeUnit(Base):
    __tablename__ = "programme_unit"
    __table_args__ = (UniqueConstraint("programme_id", "course_unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    course_unit_id: Mapped[int] = mapped_column(ForeignKey("course_unit.id"))

    programme: Mapped[Programme] = relationship(back_populates="units")
    course_unit: Mapped[CourseUnit] = relationship()


class AttestationKind(enum.StrEnum):
    SUCCESS = "success"  # attestation de réussite
    M1 = "m1"  # attestation de M1


class Attestation(Base):
    """An attestation issued to a student for a year."""

    __tablename__ = "attestation"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"), index=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("academic_year.id", ondelete="CASCADE"))
    kind: Mapped[AttestationKind] = mapped_column(_enum(AttestationKind))
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programme.id"), nullable=True)
    reference: Mapped[str] = mapped_column(String(60), unique=True)
    issued_at: Mapped[dt.datetime] = mapped_column()
    issued_by: Mapped[str] = mapped_column(String(120), default="")

    student: Mapped[Student] = relationship()
    year: Mapped[AcademicYear] = relationship()


# --- office -----------------------------------------------------------------------------


class Clerk(Base):
    """A clerk of the office, known by the login the audit trail records."""

    __tablename__ = "clerk"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(120), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    first_seen: Mapped[dt.datetime] = mapped_column()


class OfficeSetting(Versioned, Base):
    """Settings shared by every workstation (letterhead, signatory, rules, retention)."""

    __tablename__ = "office_setting"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


class AuditEvent(Base):
    """One change made by a clerk: who, when, what, before and after. Append-only."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(index=True)
    clerk: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(40))  # insert / update / delete / import / ...
    entity: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[str | None] = mapped_column(String(60), nullable=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
