"""The calendar service: default sessions, deadline wording, states, and the session rules."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from cnam_desk import frenchdates
from cnam_desk.db.models import AuditEvent
from cnam_desk.errors import NotFound, RefusedInput
from cnam_desk.frenchdates import PARIS, paris_instant
from cnam_desk.schedule import exam_calendar
from cnam_desk.schedule.exam_calendar import SessionState


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=PARIS)


def test_default_calendar_matches_the_office_page(db) -> None:
    sessions = {v.key: v for v in exam_calendar.list_sessions(db)}
    assert list(sessions) == ["2023-2024/S1/1", "2023-2024/S1/2", "2023-2024/S2/1", "2023-2024/S2/2"]
    s11 = sessions["2023-2024/S1/1"]
    assert (s11.first_day, s11.last_day) == (dt.date(2024, 1, 22), dt.date(2024, 2, 3))
    assert s11.deadline_text == "dimanche 7 janvier 2024 à 23h59"
    assert s11.as_json()["deadline"] == "2024-01-07T23:59:00+01:00"
    assert sessions["2023-2024/S1/2"].deadline_text == "dimanche 24 mars 2024 à 23h59"
    assert sessions["2023-2024/S2/1"].as_json()["deadline"] == "2024-05-26T23:59:00+02:00"
    assert sessions["2023-2024/S2/2"].deadline is None
    assert sessions["2023-2024/S2/2"].deadline_text == "en cours de planification"


@pytest.mark.parametrize(
    ("now", "state"),
    [
        ("2024-01-07T23:59:00", SessionState.OPEN),
        ("2024-01-08T00:00:00", SessionState.PROCESSING),
        ("2024-01-14T23:59:00", SessionState.PROCESSING),
        ("2024-01-15T00:00:00", SessionState.CLOSED),
        ("2023-10-01T12:00:00", SessionState.OPEN),
    ],
)
def test_state_around_the_deadline(db, now: str, state: SessionState) -> None:
    assert exam_calendar.get_session(db, "2023-2024/S1/1", now=at(now)).state is state


def test_session_without_deadline_is_not_open_until_it_ends(db) -> None:
    assert exam_calendar.get_session(db, "2023-2024/S2/2", now=at("2024-07-01T10:00")).state is SessionState.NOT_OPEN
    assert exam_calendar.get_session(db, "2023-2024/S2/2", now=at("2024-09-15T00:00")).state is SessionState.CLOSED


def test_processing_due_is_a_week_after_the_deadline(db) -> None:
    view = exam_calendar.get_session(db, "2023-2024/S1/1")
    assert view.processing_due == at("2024-01-14T23:59")


def test_processing_week_keeps_the_hour_across_the_change_to_summer_time(db) -> None:
    # Deadline Sunday 24 March 2024 at 23h59 (winter time); summer time starts on 31 March.
    view = exam_calendar.get_session(db, "2023-2024/S1/2")
    assert view.processing_due == at("2024-03-31T23:59")
    assert frenchdates.paris(view.processing_due).strftime("%d/%m %H:%M") == "31/03 23:59"


def test_set_session_creates_year_and_semester(db) -> None:
    view = exam_calendar.set_session(
        db, "2024-2025/S1/1", dt.date(2025, 1, 20), dt.date(2025, 2, 1), paris_instant(dt.date(2025, 1, 5), dt.time(23, 59))
    )
    assert view.key == "2024-2025/S1/1"
    assert view.deadline_text == "dimanche 5 janvier 2025 à 23h59"
    assert exam_calendar.list_years(db) == ["2023-2024", "2024-2025"]


@pytest.mark.parametrize(
    ("first", "last", "deadline", "message"),
    [
        ("2024-02-03", "2024-01-22", None, "doit être après"),
        ("2024-01-22", "2024-01-22", None, "doit être après"),
        ("2024-01-22", "2024-02-03", "2024-01-22T00:00", "doit précéder"),
        ("2024-04-01", "2024-04-10", None, "chevauchent la session 2023-2024/S1/2"),
    ],
)
def test_set_session_rules(db, first: str, last: str, deadline: str | None, message: str) -> None:
    with pytest.raises(RefusedInput, match=message):
        exam_calendar.set_session(
            db, "2023-2024/S1/1", dt.date.fromisoformat(first), dt.date.fromisoformat(last),
            at(deadline) if deadline else None,
        )
    assert exam_calendar.get_session(db, "2023-2024/S1/1").first_day == dt.date(2024, 1, 22)


def test_set_session_is_audited(db) -> None:
    exam_calendar.set_session(db, "2023-2024/S2/2", dt.date(2024, 9, 9), dt.date(2024, 9, 14), at("2024-08-25T23:59"))
    with db.transaction() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.entity == "exam_session").order_by(AuditEvent.id.desc())).first()
    assert event.action == "update"
    assert event.clerk == "greffier.test"
    assert event.before == {"request_deadline": None}
    assert dt.datetime.fromisoformat(event.after["request_deadline"]) == at("2024-08-25T23:59")


def test_edit_conflict_on_stale_version(db) -> None:
    view = exam_calendar.get_session(db, "2023-2024/S2/2")
    exam_calendar.set_session(db, view.key, view.first_day, view.last_day, at("2024-08-25T23:59"), expect_version=view.version)
    with pytest.raises(RefusedInput, match="modifiée par ailleurs"):
        exam_calendar.set_session(db, view.key, view.first_day, view.last_day, None, expect_version=view.version)


@pytest.mark.parametrize("key", ["2023/S1/1", "2023-2025/S1/1", "2023-2024/S3/1", "2023-2024/S1/3", ""])
def test_bad_keys(db, key: str) -> None:
    with pytest.raises(RefusedInput):
        exam_calendar.get_session(db, key)


def test_unknown_session(db) -> None:
    with pytest.raises(NotFound, match="2030-2031/S1/1"):
        exam_calendar.get_session(db, "2030-2031/S1/1")


# --- command line -------------------------------------------------------------------------


def test_cli_calendar_json(cli) -> None:
    result = cli("calendar", "--json")
    assert result.code == 0, result
    rows = json.loads(result.out)
    assert rows[0] == {
        "key": "2023-2024/S1/1", "first_day": "2024-01-22", "last_day": "2024-02-03",
        "deadline": "2024-01-07T23:59:00+01:00", "state": "closed",
    }
    assert rows[3]["deadline"] is None
    assert result.err == ""


def test_cli_set_session_and_refusals(cli) -> None:
    ok = cli("calendar", "set-session", "2023-2024/S2/2", "--from", "2024-09-09", "--to", "2024-09-14",
             "--deadline", "2024-08-25 23:59")
    assert ok.code == 0, ok
    rows = {r["key"]: r for r in json.loads(cli("calendar", "--json").out)}
    assert rows["2023-2024/S2/2"]["deadline"] == "2024-08-25T23:59:00+02:00"
    bad = cli("calendar", "set-session", "2023-2024/S2/2", "--from", "2024-09-09", "--to", "2024-09-01")
    assert bad.code == 1
    assert "doit être après" in bad.err and len(bad.err.strip().splitlines()) == 1
    usage = cli("calendar", "set-session", "2023-2024/S2/2")
    assert usage.code == 2
    cleared = cli("calendar", "set-session", "2023-2024/S2/2", "--from", "2024-09-09", "--to", "2024-09-14", "--no-deadline")
    assert cleared.code == 0
    assert {r["key"]: r for r in json.loads(cli("calendar", "--json").out)}["2023-2024/S2/2"]["deadline"] is None


def test_cli_demo_is_idempotent(cli) -> None:
    first = cli("demo", "--json")
    assert first.code == 0, first
    counts = json.loads(first.out)
    assert counts["course_units"] == 40 and counts["students"] == 300 and counts["exams"] > 0
    second = json.loads(cli("demo", "--json").out)
    assert set(second.values()) == {0}


def test_cli_commands_import_no_qt(database_url: str) -> None:
    import subprocess
    import sys

    from tests.conftest import ROOT

    probe = (
        "import sys; from cnam_desk.cli import main; code = main(['--db', sys.argv[1], 'calendar']); "
        "assert code == 0; assert not any(m.startswith('PySide6') for m in sys.modules), 'Qt imported'"
    )
    result = subprocess.run([sys.executable, "-c", probe, database_url], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr


def test_clerk_is_registered_on_open(db) -> None:
    from cnam_desk.db.models import Clerk

    with db.transaction() as s:
        assert s.scalar(select(Clerk.login)) == "greffier.test"
