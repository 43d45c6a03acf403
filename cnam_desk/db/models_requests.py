"""Accommodation requests: the requests, their history, receipts, arrangements, proofs and letters."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    Time,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cnam_desk.db.models_base import Base, Versioned, _enum
from cnam_desk.db.models_school import Exam, ExamSession, Student

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
    # What the answer held that could not be read as asked, kept as typed to be shown: the UE
    # cell when a code is unknown or none is recognised, a trip date in words ({"exams": "NFE14"}).
    as_typed: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)
    # The postal address the answer gave; a letter takes the student's record first.
    postal_address: Mapped[str] = mapped_column(Text, default="")
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
