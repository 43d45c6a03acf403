"""The session's dashboard: each figure, checked against the lists it stands for, and `cnam-desk dashboard`."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import results_data
from letters_data import SESSION, seed_requests

from cnam_desk import dashboard, frenchdates
from cnam_desk.db.models import RequestStatus
from cnam_desk.errors import NotFound
from cnam_desk.grading import entry, session2
from cnam_desk.requests import letter_files, letters, queue
from cnam_desk.schedule.exam_calendar import SessionState

S1 = "2023-2024/S1/1"
S2 = "2023-2024/S1/2"


def test_requests_by_status_and_day_match_the_queue(demo_db) -> None:
    board = dashboard.session_dashboard(demo_db, S1)
    assert board.requests == queue.status_counts(demo_db, S1)
    rows = queue.list_requests(demo_db, S1)
    assert board.total_requests == len(rows) > 0
    assert sum(board.received_by_day.values()) == len(rows)
    assert list(board.received_by_day) == sorted(board.received_by_day)
    for day, count in board.received_by_day.items():
        listed = dashboard.requests_received_on(demo_db, S1, day)
        assert len(listed) == count
        assert all(frenchdates.paris(row.received_at).date() == day for row in listed)
    assert board.waiting == board.requests[RequestStatus.PENDING]
    assert board.waiting_late == sum(1 for r in rows if r.status is RequestStatus.PENDING and r.late)


def test_the_processing_week_is_the_week_after_the_deadline(db) -> None:
    board = dashboard.session_dashboard(db, S1, now=frenchdates.paris_instant(dt.date(2024, 1, 10), dt.time(9)))
    assert board.state is SessionState.PROCESSING
    assert board.processing_due == frenchdates.paris_instant(dt.date(2024, 1, 14), dt.time(23, 59))
    assert board.processing_text == "du lundi 8 janvier 2024 au dimanche 14 janvier 2024 à 23h59"
    unset = dashboard.session_dashboard(db, "2023-2024/S2/2")
    assert unset.processing_due is None and unset.processing_text == "date limite en cours de planification"
    assert unset.as_json()["processing_due"] is None
    assert board.as_json()["processing_due"] == "2024-01-14T23:59:00+01:00"


def test_letters_to_print_follow_the_letters_printed(db, tmp_path) -> None:
    seed_requests(db)
    due = letters.letters_for_session(db, SESSION, pending_only=True)
    assert dashboard.session_dashboard(db, SESSION).letters_to_print == len(due) == 5
    chosen, _files = _write(db, tmp_path)
    # Generated is not printed: still to print.
    assert dashboard.session_dashboard(db, SESSION).letters_to_print == 5
    letter_files.record_printed(db, [chosen[0].reference, chosen[1].reference])
    assert dashboard.session_dashboard(db, SESSION).letters_to_print == 3
    assert len(letters.letters_for_session(db, SESSION, pending_only=True)) == 3


def _write(db, tmp_path):  # type: ignore[no-untyped-def]
    from cnam_desk.progress import run_to_end

    return run_to_end(letter_files.write_letters(db, SESSION, tmp_path))


def test_grade_entry_per_exam_in_session_1_and_2(db) -> None:
    results_data.seed(db)
    for number, value in (("100", "12"), ("101", "8"), ("102", "ABI")):
        results_data.grade(db, S1, "NFA031", number, value)
    results_data.grade(db, S1, "STA001", "100", "15")
    for number, value in (("100", "11"), ("101", "9"), ("102", "10"), ("103", "ABJ"), ("104", "3"), ("105", "20")):
        results_data.grade(db, S1, "NFA008", number, value)
    entry.publish_by_keys(db, S1, "NFA008")

    first = {e.ue: (e.enrolled, e.entered, e.published) for e in dashboard.session_dashboard(db, S1).exams}
    assert first == {"NFA008": (6, 6, True), "NFA031": (6, 3, False), "STA001": (3, 1, False)}
    for ue, (enrolled, entered, _published) in first.items():
        sheet = entry.sheet_by_keys(db, S1, ue)
        assert len(sheet.rows) == enrolled and sum(r.grade is not None for r in sheet.rows) == entered

    # Session 2: the students sent to it (below 10, absent, or no grade yet), as its grade sheet lists them.
    results_data.grade(db, S2, "NFA008", "101", "12")
    second = {e.ue: (e.enrolled, e.entered, e.published) for e in dashboard.session_dashboard(db, S2).exams}
    assert second == {"NFA008": (3, 1, False), "NFA031": (5, 0, False), "STA001": (2, 0, False)}
    for ue, (enrolled, _entered, _published) in second.items():
        assert len(entry.sheet_by_keys(db, S2, ue).rows) == enrolled


def test_session2_size_is_the_roster(demo_db) -> None:
    roster = session2.session2_roster(demo_db, "2023-2024/S1")
    for key in (S1, S2):
        board = dashboard.session_dashboard(demo_db, key)
        assert board.session2_size == len(roster.entries) > 0
        assert board.session2_students == len({e.student_number for e in roster.entries})


def test_unknown_session_is_refused(db) -> None:
    with pytest.raises(NotFound, match="2031-2032/S1/1 n'existe pas"):
        dashboard.session_dashboard(db, "2031-2032/S1/1")


def test_dashboard_command_json_and_text(cli, demo_db) -> None:
    result = cli("dashboard", "--session", S1, "--json")
    assert result.code == 0, result
    data = json.loads(result.out)
    for key in ("requests", "received_by_day", "processing_due", "letters_to_print", "exams", "session2_size"):
        assert key in data
    board = dashboard.session_dashboard(demo_db, S1)
    assert data["requests"] == {status.value: count for status, count in board.requests.items()}
    assert sum(data["received_by_day"].values()) == board.total_requests
    assert all(dt.date.fromisoformat(day) for day in data["received_by_day"])
    assert data["processing_due"] == "2024-01-14T23:59:00+01:00"
    assert data["letters_to_print"] == board.letters_to_print
    assert data["exams"][0].keys() >= {"ue", "enrolled", "entered", "published"}
    assert data["session2_size"] == board.session2_size

    text = cli("dashboard", "--session", S1)
    assert text.code == 0, text
    assert "Tableau de bord : 2023-2024, semestre 1, session 1" in text.out
    assert "Semaine de traitement : du lundi 8 janvier 2024 au dimanche 14 janvier 2024 à 23h59" in text.out
    assert f"Courriers à imprimer : {board.letters_to_print}" in text.out

    unknown = cli("dashboard", "--session", "2031-2032/S1/1")
    assert unknown.code == 1 and "n'existe pas" in unknown.err and not unknown.out
    usage = cli("dashboard")
    assert usage.code == 2 and "--session" in usage.err
