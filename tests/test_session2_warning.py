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


def test_session2_page_shows_the_band_and_asks_before_exporting(qtbot, db, tmp_path, monkeypatch) -> None:
    from PySide6.QtCore import Qt

    from cnam_desk.ui import msgbox
    from cnam_desk.ui.results_tab import ResultsTab

    seed(db)
    grade(db, S1, "NFA031", "100", "8")
    tab = ResultsTab(db)
    qtbot.addWidget(tab)
    tab.setMinimumSize(1200, 700)  # as inside the main window: no size hints to pass on
    tab.show()
    qtbot.waitExposed(tab)
    tab.pages.setCurrentIndex(1)
    page = tab.roster_page
    page.show_semester(SEMESTER)
    assert page.warning.isVisible() and "NFA008, NFA031, STA001" in page.warning.text()
    asked = []
    monkeypatch.setattr(msgbox, "question", lambda _p, _t, text: asked.append(text) or False)
    out = tmp_path / "s2.xlsx"
    monkeypatch.setattr(tab, "ask_save_path", lambda *_a: str(out))
    qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    assert asked and "non publiées" in asked[-1] and not out.exists()
    monkeypatch.setattr(msgbox, "question", lambda *_a: True)
    qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    assert out.exists()
