"""The Demandes tab after a decision, from the keyboard: what is said, the letter's state, Ctrl+Z, Escape."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from cnam_desk.db.models import Letter, RequestStatus
from cnam_desk.requests import intake, queue
from cnam_desk.ui import request_dialogs
from cnam_desk.ui.request_models import COLUMNS
from tests.requests_support import answer, seed_office, write_export
from tests.ui_support import open_window

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
LETTER = [column.title for column in COLUMNS].index("Courrier")


@pytest.fixture
def office(db, tmp_path):
    """Request 1: two exams at the same time, on time, all checks good; request 2: late."""
    seed_office(db)
    late = dt.datetime(2024, 1, 8, 9, 0)
    path = write_export(
        tmp_path / "f.xlsx",
        [answer(), answer("100003", "Chevauchement", "NFP107, RSX101", response_id=2, completed=late)],
    )
    intake.import_requests(db, path)
    return db


@pytest.fixture
def window(qtbot, office, messages):
    return open_window(qtbot, office, "demandes")


def focused():
    return QApplication.focusWidget()


def letter_cell(tab, request_id: int) -> str:
    return tab.model.index(tab.model.row_of(request_id), LETTER).data()


def accept_first(tab, qtbot) -> None:
    tab.table.setFocus()
    qtbot.waitUntil(lambda: tab.table.hasFocus())
    assert tab.details.row.id == 1
    QTest.keyClick(focused(), Qt.Key.Key_A, CTRL_SHIFT)
    QTest.keyClick(focused(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert queue.get_row(tab.db, 1).status is RequestStatus.ACCEPTED


def print_letter(db, request_id: int, status: RequestStatus) -> None:
    with db.transaction() as s:
        at = dt.datetime(2024, 1, 15, 23, 30, tzinfo=dt.UTC)  # 16 January in Paris
        s.add(
            Letter(
                request_id=request_id,
                reference=f"DA-{request_id}",
                decision=status,
                generated_at=at,
                printed_at=at,
                print_count=1,
            )
        )


def test_a_saved_decision_is_said_and_its_letter_is_to_print(window, qtbot) -> None:
    tab = window.requests_tab
    assert letter_cell(tab, 1) == "—"
    accept_first(tab, qtbot)
    assert window.statusBar().currentMessage() == "Décision enregistrée – courrier à imprimer"
    assert letter_cell(tab, 1) == "à imprimer"
    tab.select_request(1)
    assert "Courrier : " in tab.pane.toPlainText() and "à imprimer" in tab.pane.toPlainText()


def test_ctrl_z_takes_back_the_last_decision(window, qtbot) -> None:
    tab = window.requests_tab
    accept_first(tab, qtbot)
    QTest.keyClick(focused(), Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    row = queue.get_row(tab.db, 1)
    assert row.status is RequestStatus.PENDING and row.decided_at is None
    assert letter_cell(tab, 1) == "—"
    assert "de nouveau en attente" in window.statusBar().currentMessage()
    assert tab.details.row.id == 1 and tab.details.arrangements == []
    assert "Décision « acceptée » annulée" in tab.pane.toPlainText()


def test_ctrl_z_is_refused_once_the_letter_is_printed(window, qtbot, messages) -> None:
    tab = window.requests_tab
    accept_first(tab, qtbot)
    print_letter(tab.db, 1, RequestStatus.ACCEPTED)
    QTest.keyClick(focused(), Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert queue.get_row(tab.db, 1).status is RequestStatus.ACCEPTED
    title, text = messages[-1]
    assert title == "Annuler la décision"
    assert "imprimé le mardi 16 janvier 2024 à 0h30" in text
    assert letter_cell(tab, 1) == "imprimé le 16/01/2024"


def test_a_clean_request_gets_no_reason_and_saving_asks_for_one(window, qtbot) -> None:
    tab = window.requests_tab
    tab.table.setFocus()
    qtbot.waitUntil(lambda: tab.table.hasFocus())
    assert tab.details.row.id == 1  # on time, both exams found at the same time
    QTest.keyClick(focused(), Qt.Key.Key_R, CTRL_SHIFT)
    assert tab.decision.refuse_reason.currentIndex() == -1
    assert tab.decision.refuse_reason.currentText() == ""
    QTest.keyClick(focused(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert queue.get_row(tab.db, 1).status is RequestStatus.PENDING
    assert tab.decision.error.text() == "Choisissez le motif du refus dans la liste."
    assert focused() is tab.decision.refuse_reason


def test_a_late_request_gets_the_deadline_reason(window, qtbot) -> None:
    tab = window.requests_tab
    tab.select_request(2)  # received after the deadline
    tab.table.setFocus()
    qtbot.waitUntil(lambda: tab.table.hasFocus())
    QTest.keyClick(focused(), Qt.Key.Key_R, CTRL_SHIFT)
    assert "date limite" in tab.decision.refuse_reason.currentText()


def test_escape_closes_the_decision_form_without_saving(window, qtbot) -> None:
    tab = window.requests_tab
    tab.table.setFocus()
    qtbot.waitUntil(lambda: tab.table.hasFocus())
    QTest.keyClick(focused(), Qt.Key.Key_I, CTRL_SHIFT)
    assert focused() is tab.decision.incomplete_missing
    QTest.keyClicks(focused(), "une piece")
    QTest.keyClick(focused(), Qt.Key.Key_Escape)
    assert tab.decision.chosen() is None
    assert tab.decision.pages.currentIndex() == 0
    assert not tab.decision.save_button.isEnabled()
    assert focused() is tab.table
    assert queue.get_row(tab.db, 1).status is RequestStatus.PENDING


@pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints\(\)")  # a dialog shown offscreen
def test_new_request_fills_in_a_known_student(qtbot, office) -> None:
    dialog = request_dialogs.NewRequestDialog(office, "2023-2024/S1/1")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.number.setFocus()
    qtbot.waitUntil(lambda: dialog.number.hasFocus())
    QTest.keyClicks(dialog.number, "100001")
    QTest.keyClick(dialog.number, Qt.Key.Key_Tab)
    assert (dialog.last_name.text(), dialog.first_name.text(), dialog.email.text()) == (
        "Dupont", "Camille", "100001@exemple.fr"
    )
    assert dialog.student_found.text().startswith("Auditeur connu : DUPONT Camille")
    # An unknown number leaves the fields to fill (what was there stays as typed).
    dialog.number.setFocus()
    dialog.number.selectAll()
    QTest.keyClicks(dialog.number, "999999")
    QTest.keyClick(dialog.number, Qt.Key.Key_Tab)
    assert dialog.student_found.text().startswith("Numéro inconnu du fichier des auditeurs")


def test_the_courrier_column_sorts_letters_to_print_first(window, qtbot) -> None:
    tab = window.requests_tab
    tab.select_request(2)
    tab.table.setFocus()
    qtbot.waitUntil(lambda: tab.table.hasFocus())
    QTest.keyClick(focused(), Qt.Key.Key_R, CTRL_SHIFT)  # late: the deadline reason is proposed
    QTest.keyClick(focused(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert queue.get_row(tab.db, 2).status is RequestStatus.REFUSED
    header = tab.table.horizontalHeader()
    tab.table.scrollTo(tab.proxy.index(0, LETTER))
    position = QPoint(header.sectionViewportPosition(LETTER) + 5, header.height() // 2)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=position)
    if header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder:
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=position)
    assert header.sortIndicatorSection() == LETTER
    order = [tab.proxy.index(r, 0).data() for r in range(tab.proxy.rowCount())]
    assert order == ["2", "1"]  # to print first, undecided last
