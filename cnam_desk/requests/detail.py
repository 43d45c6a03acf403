"""One request whole, as the review pane shows it: its exams, proofs, history and arrangements."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select

from cnam_desk.db.engine import Database
from cnam_desk.db.models import (
    AccommodationRequest,
    Arrangement,
    CourseUnit,
    Enrolment,
    Exam,
    Letter,
    Proof,
    RequestEvent,
    RequestReceipt,
    Semester,
)
from cnam_desk.errors import NotFound
from cnam_desk.requests.letter_state import state_of
from cnam_desk.requests.queue import QueueRow


@dataclass(frozen=True)
class ExamLine:
    """An UE the request names, with its exam in the session's schedule when it is there."""

    code: str
    title: str
    date: dt.date | None
    start: dt.time | None
    end: dt.time | None
    room: str
    enrolled: bool


@dataclass(frozen=True)
class ProofLine:
    id: int
    file_name: str
    media_type: str
    size: int
    link: str
    added_at: dt.datetime


@dataclass(frozen=True)
class HistoryLine:
    at: dt.datetime
    clerk: str
    text: str


@dataclass(frozen=True)
class ArrangementLine:
    ue_code: str
    date: dt.date
    start: dt.time
    end: dt.time
    room: str


@dataclass
class RequestDetails:
    """Everything the review pane shows about one request."""

    row: QueueRow
    session_key: str
    session_first_day: dt.date
    session_last_day: dt.date
    deadline: dt.datetime | None
    email: str
    reason_text: str
    comment: str
    trip_start: dt.date | None
    trip_end: dt.date | None
    student_known: bool
    exams: list[ExamLine]
    proofs: list[ProofLine]
    history: list[HistoryLine]
    decision_reason: str
    decision_comment: str
    missing_items: str
    reply_by: dt.date | None
    arrangements: list[ArrangementLine]
    letter_printed_at: dt.datetime | None
    other_exams: list[ExamLine] = field(
        default_factory=list
    )  # the student's other exams that session


def request_details(db: Database, request_id: int) -> RequestDetails:
    with db.transaction(write=False) as s:
        request = s.get(AccommodationRequest, request_id)
        if request is None:
            raise NotFound(f"La demande n° {request_id} n'existe pas.")
        session = request.session
        year_id = s.scalar(select(Semester.year_id).where(Semester.id == session.semester_id))
        enrolled: set[str] = set()
        if request.student_id is not None:
            enrolled = set(
                s.scalars(
                    select(CourseUnit.code)
                    .join(Enrolment, Enrolment.course_unit_id == CourseUnit.id)
                    .where(Enrolment.student_id == request.student_id, Enrolment.year_id == year_id)
                )
            )
        codes = [row.ue_code for row in request.exams]
        slots: dict[str, tuple[str, Exam | None]] = {}
        for unit, exam in s.execute(
            select(CourseUnit, Exam)
            .outerjoin(
                Exam, (Exam.course_unit_id == CourseUnit.id) & (Exam.session_id == session.id)
            )
            .where(CourseUnit.code.in_(set(codes) | enrolled))
            .order_by(Exam.centre, Exam.id)
        ):
            if unit.code not in slots or slots[unit.code][1] is None:
                slots[unit.code] = (unit.title, exam)

        def line(code: str) -> ExamLine:
            title, exam = slots.get(code, ("", None))
            return ExamLine(
                code=code,
                title=title,
                date=exam.date if exam else None,
                start=exam.start if exam else None,
                end=exam.end if exam else None,
                room=exam.room if exam else "",
                enrolled=code in enrolled,
            )

        others = sorted(
            (
                line(code)
                for code in enrolled - set(codes)
                if slots.get(code, ("", None))[1] is not None
            ),
            key=lambda e: (e.date or dt.date.min, e.start or dt.time.min),
        )
        # The request's own events in the order they were written; letters slotted in by date.
        history = [
            HistoryLine(e.at, e.clerk, e.text)
            for e in s.scalars(
                select(RequestEvent)
                .where(RequestEvent.request_id == request.id)
                .order_by(RequestEvent.id)
            )
        ]
        letters = list(
            s.scalars(
                select(Letter).where(Letter.request_id == request.id).order_by(Letter.generated_at)
            )
        )
        printed = [letter.printed_at for letter in letters if letter.printed_at is not None]
        for letter in letters:
            steps = [HistoryLine(letter.generated_at, "", f"Courrier {letter.reference} préparé")]
            if letter.printed_at:
                steps.append(
                    HistoryLine(letter.printed_at, "", f"Courrier {letter.reference} imprimé")
                )
            for step in steps:
                position = next((i for i, h in enumerate(history) if h.at > step.at), len(history))
                history.insert(position, step)
        receipts = (
            s.scalar(select(func.count()).where(RequestReceipt.request_id == request.id)) or 0
        )
        return RequestDetails(
            row=QueueRow(
                id=request.id,
                version=request.version,
                session_id=request.session_id,
                student_number=request.student_number,
                last_name=request.last_name,
                first_name=request.first_name,
                kind=request.kind,
                status=request.status,
                received_at=request.received_at,
                ues=tuple(codes),
                receipts=receipts,
                checks=request.checks or {},
                source=request.source,
                decided_by=request.decided_by,
                decided_at=request.decided_at,
                as_typed=request.as_typed or {},
                letter=state_of(
                    request.status,
                    [(x.id, x.decision, x.reference, x.printed_at, x.print_count) for x in letters],
                ),
            ),
            session_key=session.key,
            session_first_day=session.first_day,
            session_last_day=session.last_day,
            deadline=session.request_deadline,
            email=request.email,
            reason_text=request.reason_text,
            comment=request.comment,
            trip_start=request.trip_start,
            trip_end=request.trip_end,
            student_known=request.student_id is not None,
            exams=[line(code) for code in codes],
            proofs=[
                ProofLine(*row)
                for row in s.execute(
                    # Not the files themselves: they are read only when the clerk opens one.
                    select(
                        Proof.id,
                        Proof.file_name,
                        Proof.media_type,
                        Proof.size,
                        Proof.link,
                        Proof.added_at,
                    )
                    .where(Proof.request_id == request.id)
                    .order_by(Proof.added_at, Proof.id)
                )
            ],
            history=history,
            decision_reason=request.decision_reason,
            decision_comment=request.decision_comment,
            missing_items=request.missing_items,
            reply_by=request.reply_by,
            arrangements=[
                ArrangementLine(a.ue_code, a.date, a.start, a.end, a.room)
                for a in s.scalars(select(Arrangement).where(Arrangement.request_id == request.id))
            ],
            letter_printed_at=max(printed) if printed else None,
            other_exams=others,
        )
