"""Demo requests for 2023-2024 S1/1 and S2/1: overlaps, trips with and without proof, late ones, duplicates, disability.

Written through the same intake as a real export, so the checks are the real ones. Idempotent:
the answers carry fixed identities, and decisions are only taken on the first run.
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
from pathlib import Path

from sqlalchemy import select

from cnam_desk import frenchdates
from cnam_desk.db.engine import Database
from cnam_desk.db.models import CourseUnit, Enrolment, Exam, RequestKind, RequestSource, Student
from cnam_desk.errors import RefusedInput
from cnam_desk.requests import checks, columns, detail, intake, manual, queue, review
from cnam_desk.requests.answers import Answer, without_medical_detail
from cnam_desk.schedule import exam_calendar
from cnam_desk.slots import times_overlap

SESSIONS = {"2023-2024/S1/1": 42, "2023-2024/S2/1": 16}

OVERLAP_WORDINGS = [
    "Deux examens le même jour à la même heure",
    "Chevauchement de deux examens",
    "Mes deux épreuves ont lieu au même créneau",
]
TRIP_WORDINGS = [
    "Déplacement professionnel à l'étranger",
    "Mission professionnelle à l'étranger (Munich)",
    "Déplacement professionnel ponctuel à Casablanca",
]
OTHER_WORDINGS = ["Je serai en congés à cette date", "Mariage d'un proche le jour de l'examen"]
TRIP_COMMENTS = [
    "Salon professionnel",
    "Audit chez un client",
    "",
    "Formation à l'étranger demandée par mon employeur",
]


def _paris(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return frenchdates.paris_instant(day, dt.time(hour, minute))


def _demo_answers(db: Database, key: str, count: int, rng: random.Random) -> list[Answer]:
    with db.transaction() as s:
        session = exam_calendar.find_session(s, key)
        exams = {
            code: (date, start, end)
            for code, date, start, end in s.execute(
                select(CourseUnit.code, Exam.date, Exam.start, Exam.end)
                .join(Exam.course_unit)
                .where(Exam.session_id == session.id)
            )
        }
        enrolled: dict[str, list[str]] = {}
        for number, code in s.execute(
            select(Student.number, CourseUnit.code)
            .join(Enrolment, Enrolment.student_id == Student.id)
            .join(CourseUnit, CourseUnit.id == Enrolment.course_unit_id)
            .order_by(Student.number, CourseUnit.code)
        ):
            if code in exams:
                enrolled.setdefault(number, []).append(code)
        names = {
            n: (last, first, email)
            for n, last, first, email in s.execute(
                select(Student.number, Student.last_name, Student.first_name, Student.email)
            )
        }
        deadline = session.request_deadline
        assert deadline is not None
    if not exams or not enrolled:
        return []

    def clash(codes: list[str]) -> tuple[str, str] | None:
        for i, a in enumerate(codes):
            for b in codes[i + 1 :]:
                if times_overlap(*exams[a], *exams[b]):
                    return a, b
        return None

    with_clash = [n for n, codes in enrolled.items() if clash(codes)]
    without_clash = [n for n, codes in enrolled.items() if not clash(codes) and len(codes) >= 2]
    deadline_day = frenchdates.paris(deadline).date()
    answers: list[Answer] = []

    def received(late: bool) -> dt.datetime:
        if late:
            day = deadline_day + dt.timedelta(days=rng.randint(1, 5))
        else:
            day = deadline_day - dt.timedelta(days=rng.randint(0, 30))
        return _paris(day, rng.randint(7, 23), rng.randint(0, 59))

    def add(
        number: str, kind_text: str, codes: list[str], *, late: bool = False, **extra: object
    ) -> None:
        last, first, email = names[number]
        answer = Answer(
            row=len(answers) + 2,
            response_id=f"demo-{key}-{len(answers) + 1}",
            received_at=extra.pop("at", None) or received(late),  # type: ignore[arg-type]
            student_number=number,
            last_name=last,
            first_name=first,
            email=email,
            reason_text=kind_text,
            kind=columns.recognise_kind(kind_text),
            codes=codes,
            trip_start=extra.get("trip_start"),  # type: ignore[arg-type]
            trip_end=extra.get("trip_end"),  # type: ignore[arg-type]
            proof=str(extra.get("proof", "")),
            comment=str(extra.get("comment", "")),
            content_hash=f"demo:{key}:{len(answers) + 1}",
            source=extra.get("source", RequestSource.FORM),  # type: ignore[arg-type]
        )
        answers.append(without_medical_detail(answer))

    rng.shuffle(with_clash)
    rng.shuffle(without_clash)
    overlap_count = max(count // 2, 4)
    for index, number in enumerate(with_clash[:overlap_count]):
        pair = clash(enrolled[number])
        assert pair is not None
        add(number, rng.choice(OVERLAP_WORDINGS), list(pair), late=index % 7 == 3)
        if index % 9 == 1:  # the student sent the form twice
            add(
                number,
                rng.choice(OVERLAP_WORDINGS),
                list(reversed(pair)),
                at=answers[-1].received_at + dt.timedelta(hours=5),
            )
    pool = iter(without_clash)
    # A student who thought two exams overlapped, and one who named an UE they do not take.
    number = next(pool)
    add(number, OVERLAP_WORDINGS[0], enrolled[number][:2])
    number = next(pool)
    other = next(code for code in exams if code not in enrolled[number])
    add(number, OVERLAP_WORDINGS[1], [enrolled[number][0], other])
    for index in range(max(count // 4, 3)):
        number = next(pool)
        code = enrolled[number][0]
        exam_day = exams[code][0]
        covers = index % 4 != 2
        start = (
            exam_day - dt.timedelta(days=rng.randint(0, 2))
            if covers
            else exam_day + dt.timedelta(days=2)
        )
        end = (
            (exam_day + dt.timedelta(days=rng.randint(0, 3)))
            if covers
            else start + dt.timedelta(days=3)
        )
        proof = (
            f"https://cnam.sharepoint.com/forms/ordre-de-mission-{number}.pdf"
            if index % 3 != 1
            else ""
        )
        add(
            number,
            rng.choice(TRIP_WORDINGS),
            [code],
            late=index == 3,
            trip_start=start,
            trip_end=end,
            proof=proof,
            comment=rng.choice(TRIP_COMMENTS),
        )
    for index in range(2):
        number = next(pool)
        add(
            number,
            "Situation de handicap (tiers temps)",
            [enrolled[number][0]],
            late=index == 1,
            comment="Je suis suivi par Handi'Cnam",
        )
    number = next(pool)
    add(number, rng.choice(OTHER_WORDINGS), [enrolled[number][0]])
    number = next(pool)
    add(
        number,
        "Mission professionnelle à l'étranger",
        [enrolled[number][0]],
        source=RequestSource.MAIL,
        trip_start=exams[enrolled[number][0]][0],
        trip_end=exams[enrolled[number][0]][0],
    )
    return answers


def _proof_pdf(folder: Path) -> Path:
    """A one-page « ordre de mission » to show a proof kept in the database."""
    from reportlab.lib.pagesizes import (
        A4,  # deferred on purpose: reportlab only for the demo's proof
    )
    from reportlab.pdfgen import canvas  # deferred on purpose: as above

    path = folder / "ordre-de-mission.pdf"
    page = canvas.Canvas(str(path), pagesize=A4)
    page.setFont("Helvetica-Bold", 16)
    page.drawString(72, 760, "Ordre de mission")
    page.setFont("Helvetica", 11)
    page.drawString(
        72, 730, "Déplacement professionnel à l'étranger, pour le compte de l'employeur."
    )
    page.save()
    return path


def seed_requests(db: Database) -> None:
    rng = random.Random(1794)
    added_any = False
    for key, count in SESSIONS.items():
        answers = _demo_answers(db, key, count, rng)
        if not answers:
            continue
        with db.transaction() as s:
            session = exam_calendar.find_session(s, key)
            steps = intake.store_answers(
                s, answers, session=session, file_name="démonstration", sheet="", clerk=db.clerk
            )
            while True:
                try:
                    next(steps)
                except StopIteration as stop:
                    report: intake.ImportReport = stop.value
                    break
        added_any = added_any or report.added > 0
    if added_any:
        _decide_some(db)


def _decide_some(db: Database) -> None:
    """A morning's work already done in S1/1: a few decisions, one proof kept."""
    clerk = db.as_clerk("marie.durand")
    rows = queue.list_requests(clerk, "2023-2024/S1/1", "pending")
    when = _paris(dt.date(2024, 1, 9), 9, 30)
    reasons = review.refusal_reasons(clerk)
    accepted = refused = incomplete = 0
    for row in rows:
        when += dt.timedelta(minutes=7)
        details = detail.request_details(clerk, row.id)
        if (
            row.kind is RequestKind.OVERLAP
            and row.checks.get("overlap") == checks.CONFIRMED
            and accepted < 4
            and not row.late
        ):
            code = details.exams[-1].code
            proposal = review.suggest_arrangement(details, code)
            if proposal is not None:
                try:
                    review.decide(clerk, row.id, "accept", arrangement=proposal, now=when)
                    accepted += 1
                except RefusedInput:
                    pass
        elif row.late and refused < 2:
            index = review.suggest_refusal_reason(reasons, row.checks, row.kind)
            review.decide(clerk, row.id, "refuse", reason=reasons[index or 0], now=when)
            refused += 1
        elif (
            row.kind is RequestKind.TRIP
            and row.checks.get("proof") == checks.MISSING
            and incomplete < 1
        ):
            review.decide(
                clerk,
                row.id,
                "incomplete",
                reason="l'ordre de mission signé par votre employeur",
                reply_by=dt.date(2024, 1, 15),
                now=when,
            )
            incomplete += 1
    trip = next(
        (
            r
            for r in queue.list_requests(clerk, "2023-2024/S1/1", "pending")
            if r.kind is RequestKind.TRIP and r.checks.get("proof") == checks.MISSING
        ),
        None,
    )
    if trip is not None:
        with tempfile.TemporaryDirectory() as folder:
            manual.attach_proof(clerk, trip.id, _proof_pdf(Path(folder)))
