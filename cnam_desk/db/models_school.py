"""The school's calendar and teaching: years, semesters, sessions, UEs, exams, students, enrolments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cnam_desk.db.models_base import Base, Versioned

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
