"""One session for the whole window, tabs read when first shown, the focus where a tab's keys work, the Aide pages."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QTextBrowser

from cnam_desk import settings
from cnam_desk.grading import entry
from cnam_desk.requests import queue
from cnam_desk.schedule import planning
from cnam_desk.ui import letter_preview, msgbox
from cnam_desk.ui.main_window import MainWindow
from tests.ui_support import open_window

S1 = "2023-2024/S1/1"
S2 = "2023-2024/S2/1"

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support (propagateSizeHints|raise)\(\)")


def key(main: MainWindow, k: Qt.Key, modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    QTest.keyClick(QApplication.focusWidget() or main, k, modifiers)


def choose_with_keys(combo, wanted: str) -> None:  # type: ignore[no-untyped-def]
    """The clerk tabs to the session picker and presses Down (or Up) until the session shows."""
    combo.setFocus(Qt.FocusReason.TabFocusReason)
    step = Qt.Key.Key_Down if combo.findData(wanted) > combo.currentIndex() else Qt.Key.Key_Up
    for _ in range(combo.count()):
        if combo.currentData() == wanted:
            return
        QTest.keyClick(combo, step)
    assert combo.currentData() == wanted


def test_a_session_chosen_in_demandes_is_the_whole_windows(qtbot, demo_db, messages, monkeypatch) -> None:
    main = open_window(qtbot, demo_db, "demandes")
    assert main.requests_tab.current_session_key() == S1
    assert "2023-2024, semestre 1, session 1" in main.windowTitle()
    choose_with_keys(main.requests_tab.session, S2)
    assert "2023-2024, semestre 2, session 1" in main.windowTitle()
    assert main.session_status.text() == "Session : 2023-2024, semestre 2, session 1"

    key(main, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    assert main.tabs.currentWidget() is main.results_tab and main.results_tab.session_key() == S2
    key(main, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert main.calendar_tab.current_key() == S2
    key(main, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert main.dashboard_tab.current_key() == S2 and main.dashboard_tab.board.session_key == S2

    opened: list[str] = []
    monkeypatch.setattr(letter_preview.LetterPreviewDialog, "exec", lambda dialog: opened.append(dialog.session_key) or 0)
    main.letters_action.trigger()
    assert opened == [S2] and messages == []

    main.close()
    assert settings.workstation()["current_session"] == S2
    again = open_window(qtbot, demo_db, "demandes")
    assert again.requests_tab.current_session_key() == S2
    assert "2023-2024, semestre 2, session 1" in again.windowTitle()


def test_a_session_chosen_in_the_calendar_tree_moves_demandes(qtbot, demo_db, messages) -> None:
    main = open_window(qtbot, demo_db, "calendrier")
    tree = main.calendar_tab.tree
    tree.setFocus()
    for _ in range(12):
        if main.calendar_tab.current_key() == S2:
            break
        QTest.keyClick(tree, Qt.Key.Key_Down)
    assert main.calendar_tab.current_key() == S2
    key(main, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert main.requests_tab.current_session_key() == S2


def test_a_tab_not_shown_has_read_nothing(qtbot, demo_db, messages, monkeypatch) -> None:
    reads: list[str] = []
    for module, name in ((queue, "queue_ids"), (entry, "unit_choices"), (planning, "exam_rows")):
        real = getattr(module, name)
        monkeypatch.setattr(module, name, lambda *a, _real=real, _name=name, **k: reads.append(_name) or _real(*a, **k))
    main = open_window(qtbot, demo_db, "tableau")
    assert reads == []
    key(main, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert reads == ["queue_ids"]
    reads.clear()
    key(main, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    assert "unit_choices" in reads and "queue_ids" not in reads and "exam_rows" not in reads
    reads.clear()
    choose_with_keys(main.results_tab.session_combo, S2)  # Demandes, hidden, waits to be shown
    assert "queue_ids" not in reads
    key(main, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert "queue_ids" in reads and main.requests_tab.current_session_key() == S2


def test_after_ctrl_3_the_demandes_keys_work_without_a_click(qtbot, demo_db, messages) -> None:
    main = open_window(qtbot, demo_db, "tableau")
    key(main, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    tab = main.requests_tab
    assert QApplication.focusWidget() is tab.table
    first = tab.current_request_id()
    key(main, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)  # Demande suivante
    assert tab.current_request_id() not in (None, first)
    key(main, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is main.results_tab.grid


def test_aide_lists_every_shortcut_and_the_guide(qtbot, demo_db, messages) -> None:
    main = open_window(qtbot, demo_db, "tableau")
    labels = [a.text().replace("&", "") for a in main.help_menu.actions() if not a.isSeparator()]
    assert labels == ["Raccourcis clavier…", "Guide du service des examens…", "À propos de Cnam Desk"]
    main.shortcuts_action.trigger()
    page = main.help_dialog.findChild(QTextBrowser, "shortcutsHelpText").toPlainText()
    accept = QKeySequence("Ctrl+Shift+A").toString(QKeySequence.SequenceFormat.NativeText)  # « Maj » once in French
    assert "Accepter" in page and accept in page and "Ctrl+3" in page and "Ctrl+K" in page
    assert "Nouvelle session" in page  # a tab's action, gathered from the window, not a kept list
    main.help_dialog.reject()
    key(main, Qt.Key.Key_F1)
    guide = main.help_dialog.findChild(QTextBrowser, "guideHelpText").toPlainText()
    for task in ("Planifier une session", "Importer le planning", "demandes", "courriers", "Publier", "Session 2",
                 "Attestations"):
        assert task in guide
    main.help_dialog.reject()


def test_alt_letter_and_a_click_on_the_tab_put_the_focus_in_the_tab(qtbot, demo_db, messages) -> None:
    main = open_window(qtbot, demo_db, "calendrier")
    key(main, Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)
    assert main.tabs.currentWidget() is main.requests_tab and QApplication.focusWidget() is main.requests_tab.table
    bar = main.tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(3).center())
    assert main.tabs.currentWidget() is main.results_tab and QApplication.focusWidget() is main.results_tab.grid


def test_a_calendar_key_pressed_in_demandes_acts_on_the_windows_session(qtbot, demo_db, messages, monkeypatch) -> None:
    main = open_window(qtbot, demo_db, "demandes")
    choose_with_keys(main.requests_tab.session, S2)
    main.requests_tab.table.setFocus()
    asked: list[str | None] = []
    monkeypatch.setattr(msgbox, "open_file", lambda *_a, **_k: asked.append(main.calendar_tab.current_key()))
    key(main, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)  # Fichier › Importer un planning…
    assert asked == [S2] and messages == []
