"""Publishing from the Résultats tab as a clerk does: what is missing said first, ABI for the others, the filter."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from cnam_desk.db.models import GradeCode
from cnam_desk.grading import entry
from cnam_desk.ui import msgbox
from tests.results_data import grade, seed
from tests.test_ui_results import S1, numbers, saved
from tests.ui_support import results_tab_on




@pytest.fixture
def tab(qtbot, db):
    seed(db)
    return results_tab_on(qtbot, db, S1, "NFA031")


def test_publish_says_what_is_missing_without_asking(qtbot, tab, db, monkeypatch) -> None:
    asked = []
    monkeypatch.setattr(msgbox, "question", lambda _p, _t, text: asked.append(text) or True)
    grade(db, S1, "NFA031", "100", "12")
    tab.load()
    qtbot.mouseClick(tab.publish_button, Qt.MouseButton.LeftButton)
    assert not asked
    assert "5 auditeur(s) sans note sur 6" in tab.message.text() and "Rien n'a été publié" in tab.message.text()
    assert not tab.sheet.published


def test_exam_list_shows_progress_and_publication(qtbot, tab, db, monkeypatch) -> None:
    monkeypatch.setattr(msgbox, "question", lambda *_a: True)
    assert "(0/6 notes, non publiées)" in tab.unit_combo.currentText()
    for number in ("100", "101", "102"):
        grade(db, S1, "NFA031", number, "12")
    tab.load()
    assert "(3/6 notes, non publiées)" in tab.unit_combo.currentText()
    qtbot.mouseClick(tab.absent_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(tab.publish_button, Qt.MouseButton.LeftButton)
    assert tab.sheet.published
    assert "(6/6 notes, publiées)" in tab.unit_combo.currentText()


def test_mark_others_absent_after_a_confirmation_naming_exam_and_count(qtbot, tab, db, monkeypatch) -> None:
    asked = []
    answer = [False]
    monkeypatch.setattr(msgbox, "question", lambda _p, _t, text: asked.append(text) or answer[0])
    grade(db, S1, "NFA031", "100", "12")
    grade(db, S1, "NFA031", "101", "abj")
    tab.load()
    qtbot.mouseClick(tab.absent_button, Qt.MouseButton.LeftButton)
    assert "Marquer 4 auditeur(s) sans note de NFA031" in asked[-1]
    assert saved(db, "102") is None  # refused: nothing written
    answer[0] = True
    qtbot.mouseClick(tab.absent_button, Qt.MouseButton.LeftButton)
    assert "4 auditeur(s) de NFA031 marqué(s) ABI" in tab.message.text()
    assert saved(db, "100") == entry.rules.read_grade("12") and saved(db, "101") == GradeCode.ABJ
    assert all(saved(db, n) == GradeCode.ABI for n in ("102", "103", "104", "105"))


def test_without_grade_only_filter(qtbot, tab, db) -> None:
    grade(db, S1, "NFA031", "100", "12")
    grade(db, S1, "NFA031", "101", "abi")
    tab.load()
    assert len(numbers(tab)) == 6
    qtbot.mouseClick(tab.missing_only, Qt.MouseButton.LeftButton)
    assert tab.missing_only.isChecked()
    assert sorted(numbers(tab)) == ["102", "103", "104", "105"]
    qtbot.mouseClick(tab.missing_only, Qt.MouseButton.LeftButton)
    assert len(numbers(tab)) == 6
