"""Two workstations writing at once: no lost update, no "database is locked" shown, conflicts explained."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from cnam_desk.database import open_database
from cnam_desk.db import engine as engine_module
from cnam_desk.db.engine import Database
from cnam_desk.db.locking import WRITER_LOCK_KEY
from cnam_desk.db.models import AuditEvent, ExamSession
from cnam_desk.errors import DatabaseBusy, EditConflict
from cnam_desk.schedule import exam_calendar
from tests.conftest import ROOT

ROUNDS = 12


def _write_lock_taken(url: str) -> bool:
    """Whether another connection holds the write lock now: a probe that does not wait tries to take it."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        connection = sqlite3.connect(parsed.database, timeout=0, isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            return "locked" in str(error).lower()
        finally:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            connection.close()
        return False
    probe = create_engine(url)
    try:
        with probe.connect() as connection:
            taken = connection.exec_driver_sql(f"SELECT pg_try_advisory_xact_lock({WRITER_LOCK_KEY})").scalar()
            connection.rollback()
            return not taken
    finally:
        probe.dispose()


def _holding(holder: subprocess.Popen[str], url: str) -> None:
    """The other workstation says it holds the write lock, and it really does."""
    assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
    assert _write_lock_taken(url)


def test_the_probe_sees_a_free_database(database_url: str, db: Database) -> None:
    assert not _write_lock_taken(database_url)


def _worker(private_home: Path, *arguments: str, clerk: str = "greffier.test") -> subprocess.Popen[str]:
    env = dict(os.environ) | {"PYTHONPATH": str(ROOT), "CNAM_DESK_HOME": str(private_home), "CNAM_DESK_CLERK": clerk}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.workers", *arguments],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def test_set_session_from_two_processes(db: Database, database_url: str, private_home: Path) -> None:
    with db.transaction() as s:
        shared_id = exam_calendar.find_session(s, "2023-2024/S1/1").id
    workers = [
        _worker(private_home, "set-session-loop", database_url, "A", str(ROUNDS), "2030"),
        _worker(private_home, "set-session-loop", database_url, "B", str(ROUNDS), "2060"),
    ]
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err
        results.append(json.loads(out))
    for result in results:
        assert result["errors"] == []
        assert set(result["codes"]) == {0}
    with db.transaction(write=False) as s:
        # Every new session of both workstations is there: nothing was lost.
        assert s.scalar(select(func.count()).select_from(ExamSession)) == 4 + 2 * ROUNDS
        # Every change of the shared session was applied and audited, one after the other.
        updates = s.scalar(
            select(func.count()).select_from(AuditEvent).where(
                AuditEvent.entity == "exam_session", AuditEvent.entity_id == str(shared_id), AuditEvent.action == "update"
            )
        )
        assert updates == 2 * ROUNDS
        deadline = exam_calendar.find_session(s, "2023-2024/S1/1").request_deadline
        assert deadline is not None and deadline.minute in (ROUNDS - 1, 30 + ROUNDS - 1)


def test_demo_fill_from_two_processes(cli, db: Database) -> None:
    env = dict(os.environ)
    commands = [
        subprocess.Popen(
            [sys.executable, "-m", "cnam_desk", "--db", db.url, "demo", "--json"],
            cwd=ROOT, env=env | {"PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for _ in range(2)
    ]
    outputs = [command.communicate(timeout=300) for command in commands]
    assert [command.returncode for command in commands] == [0, 0], outputs
    added = [json.loads(out) for out, _err in outputs]
    # One of them filled the year; the other found it in place.
    assert sorted(a["students"] for a in added) == [0, 300]
    for _out, err in outputs:
        assert "locked" not in err.lower() and "verrouill" not in err.lower()
    with db.transaction(write=False) as s:
        assert s.execute(text("select count(*) from student")).scalar_one() == 300


def test_a_writer_waits_for_another_then_goes_on(db: Database, database_url: str, private_home: Path) -> None:
    holder = _worker(private_home, "hold-write-lock", database_url, "2")
    _holding(holder, database_url)
    started = time.monotonic()
    exam_calendar.set_session(db, "2023-2024/S2/2", dt.date(2024, 9, 9), dt.date(2024, 9, 14), None)
    waited = time.monotonic() - started
    holder.communicate(timeout=60)
    assert holder.returncode == 0
    assert waited >= 1.0  # it waited for the other workstation instead of failing


def test_a_writer_gives_up_with_a_french_message(
    database_url: str, private_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "SQLITE_BUSY_TIMEOUT_MS", 100)
    monkeypatch.setattr(engine_module, "BUSY_GIVE_UP_SECONDS", 1.0)
    db = open_database(database_url)
    holder = _worker(private_home, "hold-write-lock", database_url, "6")
    try:
        _holding(holder, database_url)
        with pytest.raises(DatabaseBusy) as refused:
            with db.transaction() as s:
                s.execute(text("select 1"))
        assert "occupée par un autre poste" in str(refused.value)
        assert "locked" not in str(refused.value)
        # Reading is never held up by a writer.
        with db.transaction(write=False) as s:
            assert s.execute(text("select count(*) from exam_session")).scalar_one() == 4
    finally:
        holder.kill()
        holder.communicate()
        db.dispose()


def test_busy_retry_gets_through_once_the_other_is_done(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "SQLITE_BUSY_TIMEOUT_MS", 50)
    first = open_database(database_url, clerk="premier")
    second = open_database(database_url, clerk="second")
    holding = threading.Event()

    def hold() -> None:
        with first.transaction() as s:
            s.execute(text("select 1"))
            holding.set()
            time.sleep(0.8)

    thread = threading.Thread(target=hold)
    thread.start()
    assert holding.wait(10)
    assert _write_lock_taken(database_url)
    with second.transaction() as s:  # retried past the 50 ms busy timeout until the lock is free
        s.execute(text("select 1"))
    thread.join()
    first.dispose()
    second.dispose()


def test_stale_row_is_an_edit_conflict(db: Database, database_url: str) -> None:
    other = open_database(database_url, clerk="autre.poste")
    with db.transaction() as s:
        session = exam_calendar.find_session(s, "2023-2024/S1/1")
    # The other workstation changes the row after we read it.
    exam_calendar.set_session(other, "2023-2024/S1/1", session.first_day, session.last_day, None)
    with pytest.raises(EditConflict) as conflict:
        with db.transaction() as s:
            s.add(session)  # still at the version we read
            session.first_day = session.first_day.replace(day=23)
    assert "Un autre poste" in str(conflict.value)
    other.dispose()


# --- the features' own writes, as they land on main ------------------------------------------------

def _workstation(private_home: Path, url: str, items: list[str], *template: str, clerk: str) -> subprocess.Popen[str]:
    return _worker(private_home, "cli-each", url, ",".join(items), *template, clerk=clerk)


def _results(workers: list[subprocess.Popen[str]]) -> list[dict[str, list]]:
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=600)
        assert worker.returncode == 0, err
        results.append(json.loads(out))
    return results


def test_two_clerks_enter_the_same_grades(demo_db: Database, private_home: Path) -> None:
    """The same students' grades typed on two workstations at once: both entries in the history, the grade
    equal to the last of them (no lost update), no "database is locked"."""
    from cnam_desk.db.models import CourseUnit, Enrolment, Grade, GradeChange, Publication, Student

    session_key = "2023-2024/S2/1"
    with demo_db.transaction(write=False) as s:
        session = exam_calendar.find_session(s, session_key)
        published = set(s.scalars(select(Publication.course_unit_id).where(Publication.session_id == session.id)))
        unit = s.scalars(
            select(CourseUnit).where(CourseUnit.code.in_(["NFA032", "NFA035", "NFP121"])).order_by(CourseUnit.code)
        ).first()
        assert unit is not None and unit.id not in published  # grades can change without a reason
        numbers = list(s.scalars(
            select(Student.number).join(Enrolment, Enrolment.student_id == Student.id)
            .where(Enrolment.course_unit_id == unit.id).order_by(Student.number).limit(10)
        ))
    clerks = {"anne.poste1": "12,5", "paul.poste2": "14"}
    workers = [
        _workstation(private_home, demo_db.url, numbers, "set-grade", "--session", session_key, "--exam", unit.code,
                     "--student", "{item}", value, clerk=clerk)
        for clerk, value in clerks.items()
    ]
    for result in _results(workers):
        assert set(result["codes"]) == {0}, result
        for err in result["errors"]:
            assert "locked" not in err.lower() and "Traceback" not in err
    with demo_db.transaction(write=False) as s:
        for number in numbers:
            grade = s.scalars(
                select(Grade).join(Student, Grade.student_id == Student.id)
                .where(Grade.session_id == session.id, Grade.course_unit_id == unit.id, Student.number == number)
            ).one()
            changes = list(s.scalars(
                select(GradeChange).where(GradeChange.grade_id == grade.id, GradeChange.changed_by.in_(clerks))
                .order_by(GradeChange.changed_at, GradeChange.id)
            ))
            assert sorted(c.changed_by for c in changes) == sorted(clerks), number  # both entries kept
            assert grade.value is not None and changes[-1].new is not None
            assert Decimal(changes[-1].new.replace(",", ".")) == grade.value, number  # the grade is the last entry


def test_two_clerks_decide_the_same_requests(db: Database, private_home: Path) -> None:
    """Two workstations decide the same pending requests at once: one decision each, the other refused and told who."""
    from cnam_desk.db.models import AccommodationRequest, RequestKind, RequestSource, RequestStatus

    with db.transaction() as s:
        session = exam_calendar.find_session(s, "2023-2024/S1/1")
        requests = [
            AccommodationRequest(session=session, student_number=f"1009{n:04d}", last_name="Martin", first_name="Léa",
                                 kind=RequestKind.OTHER, received_at=dt.datetime(2024, 1, 5, 10, tzinfo=dt.UTC),
                                 source=RequestSource.DESK, status=RequestStatus.PENDING)
            for n in range(8)
        ]
        s.add_all(requests)
        s.flush()
        ids = [r.id for r in requests]
    decisions = (["refuse", "--reason", "6"], ["incomplete", "--reason", "Justificatif manquant"])
    workers = [
        _workstation(private_home, db.url, [str(i) for i in ids], "decide", "{item}", *decision, "--expect-version", "1",
                     clerk=clerk)
        for decision, clerk in zip(decisions, ("anne.poste1", "paul.poste2"))
    ]
    first, second = _results(workers)
    for index in range(len(ids)):
        codes = sorted([first["codes"][index], second["codes"][index]])
        assert codes == [0, 1], (first, second)  # exactly one decision went through
        refused = first["errors"][index] or second["errors"][index]
        assert "locked" not in refused.lower() and "Traceback" not in refused and refused.count("\n") == 1
        winner = "paul.poste2" if first["codes"][index] == 1 else "anne.poste1"
        assert winner in refused, refused  # the clerk is told who decided
    with db.transaction(write=False) as s:
        statuses = {r.status for r in s.scalars(select(AccommodationRequest).where(AccommodationRequest.id.in_(ids)))}
        assert statuses <= {RequestStatus.REFUSED, RequestStatus.INCOMPLETE}
