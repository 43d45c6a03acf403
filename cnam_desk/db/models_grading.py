"""Results: grades and their history, publications, programmes and attestations."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import (
    ForeignKey,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cnam_desk.db.models_base import Base, Versioned, _enum
from cnam_desk.db.models_school import AcademicYear, CourseUnit, ExamSession, Student

# --- results ----------------------------------------------------------------------------


class GradeCode(enum.StrEnum):
    ABI = "ABI"  # absent, no justification
    ABJ = "ABJ"  # absent, justified


GRADE_CHANGE_ENTRY = "entry"
GRADE_CHANGE_SETTLEMENT = "settlement"


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
    # "entry" (typed, imported, corrected) or "settlement" (a disagreement of the double entry settled:
    # `old` is the first entry, `second_entry` the second one, `new` the value chosen).
    kind: Mapped[str] = mapped_column(String(20), default=GRADE_CHANGE_ENTRY, server_default=GRADE_CHANGE_ENTRY)
    second_entry: Mapped[str | None] = mapped_column(String(10), nullable=True)

    grade: Mapped[Grade] = relationship(back_populates="history")


class SecondEntry(Versioned, Base):
    """The second entry of a grade (double entry), typed by a clerk who did not see the first one.

    Kept apart from the grade so that typing it never changes the grade's version: the clerk of the
    first entry is not told of a change that is not one.
    """

    __tablename__ = "grade_second_entry"
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
