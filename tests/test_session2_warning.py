"""The session 2 list says which session 1 exams are not published yet: the service, the command line."""

from __future__ import annotations

import json

from cnam_desk.grading import entry, session2
from tests.results_data import grade, seed

S1 = "2023-2024/S1/1"
SEMESTER = "2023-2024/S1"


def test_roster_names_the_unpublished_session1_exams(db) -> None:
    seed(db)
    for number, value in (("100", "12"), ("101", "abi"), ("102", "9")):
        grade(db, S1, "STA001", number, value)
    roster = session2.session2_roster(db, SEMESTER)
    assert roster.unpublished == ("NFA008", "NFA031", "STA001")
    assert "3 épreuve(s) (NFA008, NFA031, STA001)" in roster.warning
    entry.publish_by_keys(db, S1, "STA001")
    roster = session2.session2_roster(db, SEMESTER)
    assert roster.unpublished == ("NFA008", "NFA031")
    assert "STA001" not in roster.warning and roster.warning.startswith("Attention : notes de session 1 non publiées")


def test_everything_published_says_nothing(db) -> None:
    seed(db, enrol={"NFA031": ["100"], "NFA008": ["100"], "STA001": ["100"]})
    for ue in ("NFA031", "NFA008", "STA001"):
        grade(db, S1, ue, "100", "8")
        entry.publish_by_keys(db, S1, ue)
    roster = session2.session2_roster(db, SEMESTER)
    assert roster.unpublished == () and roster.warning == ""


def test_cli_warns_on_stderr_and_keeps_the_json_list(db, cli) -> None:
    seed(db)
    grade(db, S1, "NFA031", "100", "8")
    result = cli("session2", "--semester", SEMESTER, "--json")
    assert result.code == 0, result
    data = json.loads(result.out)
    assert isinstance(data, list) and {"student_number": "100", "ue": "NFA031", "outcome": 8.0} in data
    assert "notes de session 1 non publiées" in result.err and "NFA008, NFA031, STA001" in result.err
    text = cli("session2", "--semester", SEMESTER)
    assert text.code == 0 and "non publiées" in text.err and "non publiées" not in text.out
