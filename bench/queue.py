"""Bench of the Demandes tab: 10,000 requests in one session; time to open the tab, and from one decision to the next request shown.

    python bench/queue.py [--requests 10000] [--db URL] [--decisions 30]

Aim: both under 100 ms on the office's machines. Offscreen; the figures are printed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

# Run as a script, this file's folder comes first on the path, and its name would hide the
# standard library's `queue` (which the PostgreSQL driver imports).
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")
os.environ.setdefault("CNAM_DESK_HOME", tempfile.mkdtemp(prefix="cnam-desk-bench-home-"))

from sqlalchemy import func, insert, select

from cnam_desk import demo, frenchdates
from cnam_desk.database import open_database
from cnam_desk.db import audit
from cnam_desk.db.engine import Database
from cnam_desk.db.models import (
    AccommodationRequest,
    CourseUnit,
    Enrolment,
    RequestedExam,
    RequestEvent,
    RequestKind,
    RequestReceipt,
    RequestSource,
    RequestStatus,
    Student,
)
from cnam_desk.requests import checks
from cnam_desk.schedule import exam_calendar

SESSION = "2023-2024/S1/1"


def fill_requests(db: Database, count: int) -> None:
    """`count` requests in S1/1, written in bulk (as a big import would leave them)."""
    rng = random.Random(10_000)
    with db.transaction() as s:
        session = exam_calendar.find_session(s, SESSION)
        facts = checks.SessionFacts(s, session)
        students = s.execute(
            select(Student.id, Student.number, Student.last_name, Student.first_name)
        ).all()
        enrolled: dict[int, list[str]] = {}
        for student_id, code in s.execute(
            select(Enrolment.student_id, CourseUnit.code).join(
                CourseUnit, CourseUnit.id == Enrolment.course_unit_id
            )
        ):
            if code in facts.slots:
                enrolled.setdefault(student_id, []).append(code)
        codes = sorted(facts.slots)
        first_id = (s.scalar(select(func.max(AccommodationRequest.id))) or 0) + 1
        deadline = session.request_deadline
        assert deadline is not None
        now = frenchdates.now()
        requests, exams, receipts, events = [], [], [], []
        kinds = (
            [RequestKind.OVERLAP] * 5
            + [RequestKind.TRIP] * 3
            + [RequestKind.DISABILITY, RequestKind.OTHER]
        )
        for offset in range(count):
            request_id = first_id + offset
            student_id, number, last, first = rng.choice(students)
            kind = rng.choice(kinds)
            mine = enrolled.get(student_id) or codes[:2]
            named = rng.sample(mine, min(len(mine), 2 if kind is RequestKind.OVERLAP else 1))
            received = deadline - dt.timedelta(minutes=rng.randint(-3000, 60 * 24 * 40))
            trip = (
                (facts.slots[named[0]].date, facts.slots[named[0]].date)
                if kind is RequestKind.TRIP
                else (None, None)
            )
            status = (
                RequestStatus.REDIRECTED
                if kind is RequestKind.DISABILITY
                else RequestStatus.PENDING
            )
            requests.append(
                {
                    "id": request_id,
                    "session_id": session.id,
                    "student_id": student_id,
                    "student_number": number,
                    "last_name": last,
                    "first_name": first,
                    "email": "",
                    "kind": kind,
                    "reason_text": kind.value,
                    "received_at": received,
                    "source": RequestSource.FORM,
                    "trip_start": trip[0],
                    "trip_end": trip[1],
                    "comment": "",
                    "status": status,
                    "version": 1,
                    "decision_reason": "",
                    "decision_comment": "",
                    "missing_items": "",
                    "checks": facts.checks_for(
                        kind=kind,
                        received_at=received,
                        student_id=student_id,
                        codes=named,
                        has_proof=False,
                        trip_start=trip[0],
                        trip_end=trip[1],
                    ),
                }
            )
            exams.extend(
                {"request_id": request_id, "ue_code": code, "exam_id": facts.slots[code].exam_id}
                for code in named
            )
            receipts.append(
                {
                    "request_id": request_id,
                    "received_at": received,
                    "source": RequestSource.FORM,
                    "form_response_id": str(offset),
                    "content_hash": f"bench:{request_id}",
                }
            )
            events.append(
                {
                    "request_id": request_id,
                    "at": now,
                    "clerk": db.clerk,
                    "action": "received",
                    "text": "Reçue (banc d'essai)",
                }
            )
        s.execute(insert(AccommodationRequest), requests)
        s.execute(insert(RequestedExam), exams)
        s.execute(insert(RequestReceipt), receipts)
        s.execute(insert(RequestEvent), events)
        audit.record(s, "import", "accommodation_request", None, None, {"bench": count})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--decisions", type=int, default=30)
    parser.add_argument("--db", help="a database URL (default: a new SQLite file)")
    args = parser.parse_args()

    target = args.db or str(Path(tempfile.mkdtemp(prefix="cnam-desk-bench-")) / "bench.sqlite3")
    db = open_database(target, clerk="banc.essai")
    started = time.perf_counter()
    demo.fill(db)
    fill_requests(db, args.requests)
    with db.transaction() as s:
        total = s.scalar(
            select(func.count())
            .select_from(AccommodationRequest)
            .where(AccommodationRequest.session_id == exam_calendar.find_session(s, SESSION).id)
        )
    print(
        f"base : {db.engine.url.get_backend_name()}, {total} demandes dans {SESSION} "
        f"(préparées en {time.perf_counter() - started:.1f} s)"
    )

    from PySide6.QtWidgets import QApplication

    from cnam_desk.requests.review import Decision
    from cnam_desk.ui.app import application
    from cnam_desk.ui.requests_tab import RequestsTab

    app = application()

    def settle() -> None:
        for _ in range(3):
            app.processEvents()

    # Warm-up: Qt's first widgets and fonts, not the queue.
    warm = RequestsTab(db)
    warm.resize(1280, 760)
    warm.show()
    settle()
    warm.close()
    warm.deleteLater()
    settle()

    openings, openings_cpu = [], []
    for _ in range(5):
        start, cpu = time.perf_counter(), time.process_time()
        tab = RequestsTab(db)
        tab.resize(1280, 760)
        tab.show()
        tab.repaint()
        settle()
        openings.append((time.perf_counter() - start) * 1000)
        openings_cpu.append((time.process_time() - cpu) * 1000)
        assert tab.current_session_key() == SESSION and len(tab.model.ids) == total
        if len(openings) < 5:
            tab.close()
            tab.deleteLater()
            settle()

    switches = []
    for _ in range(3):
        start = time.perf_counter()
        tab.load_session(SESSION)
        tab.repaint()
        settle()
        switches.append((time.perf_counter() - start) * 1000)

    steps, steps_cpu = [], []
    decisions = [Decision.REFUSE, Decision.INCOMPLETE, Decision.ACCEPT]
    for index in range(args.decisions):
        shown = tab.details.row.id if tab.details else None
        decision = decisions[index % 3]
        if tab.details and tab.details.row.kind is RequestKind.DISABILITY:
            decision = Decision.REDIRECT
        tab.choose_decision(decision)
        if decision is Decision.INCOMPLETE:
            tab.decision.incomplete_missing.setText("le justificatif")
        start, cpu = time.perf_counter(), time.process_time()
        tab.save_decision()
        tab.repaint()
        settle()
        elapsed = (time.perf_counter() - start) * 1000
        elapsed_cpu = (time.process_time() - cpu) * 1000
        if tab.decision.error.text():
            # An arrangement the rules refuse (the proposal clashes): not a step of the bench.
            tab.decision.error.clear()
            tab.move(1)
            continue
        assert tab.details is not None and tab.details.row.id != shown
        steps.append(elapsed)
        steps_cpu.append(elapsed_cpu)
    QApplication.processEvents()

    def figures(values: list[float]) -> str:
        return f"médiane {statistics.median(values):.0f} ms, max {max(values):.0f} ms (sur {len(values)})"

    print(
        f"ouverture de l'onglet ({total} demandes) : {figures(openings)} ; temps processeur {figures(openings_cpu)}"
    )
    print(f"rechargement de la session : {figures(switches)}")
    print(
        f"d'une décision à la demande suivante affichée : {figures(steps)} ; temps processeur {figures(steps_cpu)}"
    )

    def verdict(values: list[float]) -> str:
        return "atteint" if statistics.median(values) < 100 else "NON atteint"

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"objectif (< 100 ms, médianes) : temps processeur {verdict(openings_cpu)} à l'ouverture, "
        f"{verdict(steps_cpu)} d'une décision à l'autre ; à l'horloge {verdict(openings)} et {verdict(steps)} "
        f"(charge moyenne de la machine : {load:.1f} pour {os.cpu_count()} processeurs)"
    )
    db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
