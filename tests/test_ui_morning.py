"""A clerk's morning on the demo year, with the keyboard only: ten requests reviewed, their letters
printed, one exam's grades published. Every key is counted and the count printed."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from cnam_desk import printing
from cnam_desk.db.models import RequestKind, RequestStatus
from cnam_desk.grading import entry
from cnam_desk.requests import queue
from cnam_desk.requests.letter_state import LetterState
from cnam_desk.ui import letter_preview, msgbox
from cnam_desk.ui.main_window import MainWindow

# Dialogs shown offscreen: the platform cannot size or raise them.
pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support (propagateSizeHints|raise)\(\)")

CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
NONE = Qt.KeyboardModifier.NoModifier


class Keyboard:
    """Keys sent where the focus is, as the clerk types them; each one counted."""

    def __init__(self) -> None:
        self.count = 0

    def press(self, key: Qt.Key, modifiers: Qt.KeyboardModifier = NONE) -> None:
        widget = QApplication.focusWidget() or QApplication.activeModalWidget() or QApplication.activeWindow()
        assert widget is not None, "nothing has the focus: the clerk's key would go nowhere"
        self.count += 1
        QTest.keyClick(widget, key, modifiers)

    def type(self, text: str) -> None:
        for character in text:
            widget = QApplication.focusWidget()
            assert widget is not None
            self.count += 1
            QTest.keyClicks(widget, character)


@pytest.fixture
def morning(qtbot, demo_db, monkeypatch):
    said: list[str] = []
    keys = Keyboard()
    # A message box the clerk reads and closes: one key (Entrée).
    for name in ("information", "warning", "error"):
        def shown(_parent, title, text, *_args, _said=said, **_kwargs):
            _said.append(f"{title} : {text}")
            keys.count += 1
        monkeypatch.setattr(msgbox, name, shown)

    def confirm(_parent, title, text, *_args, **_kwargs):
        said.append(f"{title} : {text}")
        keys.count += 1  # Entrée on the default answer
        return True

    monkeypatch.setattr(msgbox, "question", confirm)

    # The system's print dialog: the office printer is already chosen, Entrée prints.
    def print_dialog(printer, _parent):
        keys.count += 1
        return letter_preview.PrintChoice(printer, "Bureau-RDC", 1, None)

    monkeypatch.setattr(letter_preview, "ask_print_dialog", print_dialog)
    jobs: list[str] = []
    monkeypatch.setattr(printing, "service_running", lambda: True)
    monkeypatch.setattr(printing, "print_pdf", lambda path, printer=None, title="", copies=1: jobs.append(title) or "1")
    # The preview is modal in the program; here it is opened beside the window so keys reach it.
    previews: list[letter_preview.LetterPreviewDialog] = []

    def open_preview(dialog):
        previews.append(dialog)
        dialog.open()
        return 0

    monkeypatch.setattr(letter_preview.LetterPreviewDialog, "exec", open_preview)

    window = MainWindow(demo_db)
    qtbot.addWidget(window)
    window.show_tab("tableau")
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    return window, keys, said, jobs, previews


def decide(keys: Keyboard, tab, qtbot) -> RequestStatus:
    """What the clerk does with the request shown: the keys depend on what the sheet says."""
    row = tab.details.row
    if row.kind is RequestKind.DISABILITY:
        keys.press(Qt.Key.Key_H, CTRL | SHIFT)
    elif row.late:
        keys.press(Qt.Key.Key_R, CTRL | SHIFT)  # the late reason is proposed: its check failed
    else:
        keys.press(Qt.Key.Key_A, CTRL | SHIFT)  # the arrangement is proposed
    keys.press(Qt.Key.Key_Return, CTRL)
    return queue.get_row(tab.db, row.id).status


def test_a_morning_with_the_keyboard_only(qtbot, morning, demo_db, capsys) -> None:
    window, keys, said, jobs, previews = morning
    session = window.session_state.key()
    assert session is not None

    # 1. Ten requests reviewed, each opened by itself after the one before.
    keys.press(Qt.Key.Key_3, CTRL)
    tab = window.requests_tab
    qtbot.waitUntil(lambda: tab.details is not None)
    assert QApplication.focusWidget() is tab.table
    decided = []
    for _ in range(10):
        before = tab.details.row
        assert before.status is RequestStatus.PENDING
        status = decide(keys, tab, qtbot)
        assert status is not RequestStatus.PENDING, said[-1:] or tab.decision.error.text()
        decided.append(before.id)
    assert "courrier à imprimer" in window.statusBar().currentMessage()

    # 2. Their letters printed from the session's batch: preview, Entrée, the print dialog, Entrée.
    keys.press(Qt.Key.Key_P, CTRL)
    assert previews, "Ctrl+P opens the session's letters"
    preview = previews[-1]
    qtbot.waitUntil(lambda: set(decided) <= set(preview.request_ids()))
    qtbot.waitUntil(lambda: QApplication.activeWindow() is preview)
    with qtbot.waitSignal(preview.printed, timeout=60_000):
        keys.press(Qt.Key.Key_Return)
    keys.press(Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not preview.isVisible())
    window.activateWindow()  # what the window manager does when the dialog closes
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    assert jobs
    for request_id in decided:
        assert queue.get_row(demo_db, request_id).letter.state is LetterState.PRINTED

    # 3. One exam published: the students still without a grade marked ABI, then Publier.
    keys.press(Qt.Key.Key_4, CTRL)
    results = window.results_tab
    assert results.session_combo.currentData() == session or results.session_combo.currentText().startswith(session)
    keys.press(Qt.Key.Key_U, ALT)
    assert QApplication.focusWidget() is results.unit_combo
    keys.type("SEC101")
    qtbot.waitUntil(lambda: results.sheet is not None and results.sheet.ref.ue_code == "SEC101")
    ref = results.sheet.ref
    assert not entry.load_sheet(demo_db, ref).published
    keys.press(Qt.Key.Key_B, ALT)  # « Marquer les autres ABI… », confirmed with Entrée
    # A button's Alt key clicks it as a click shows, a moment later.
    qtbot.waitUntil(lambda: "ABI" in results.message.text() or "ABI" in window.statusBar().currentMessage())
    keys.press(Qt.Key.Key_P, ALT)  # « Publier les notes… », confirmed with Entrée
    qtbot.waitUntil(lambda: entry.load_sheet(demo_db, ref).published)
    assert "SEC101" in results.unit_combo.currentText() and "publiées" in results.unit_combo.currentText()

    with capsys.disabled():
        print(f"\nMatinée au clavier : {len(decided)} demandes décidées, les courriers de la session imprimés, "
              f"1 épreuve publiée en {keys.count} touches")
    # 2 keys a request, 4 for the letters, 6 plus the code typed for the exam: a regression shows here.
    assert keys.count <= 10 * 2 + 1 + 4 + 10 + 4
