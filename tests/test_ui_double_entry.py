"""Double entry in the Résultats tab offscreen: the second entry typed blind, red disagreements, settling, publication."""

from __future__ import annotations

from decimal import Decimal

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QContextMenuEvent, QGuiApplication
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit

from cnam_desk.db.models import GradeCode
from cnam_desk.grading import double_entry, entry
from cnam_desk.ui import msgbox, results_dialogs
from cnam_desk.ui.results_models import MISMATCH_BACKGROUND, GradeTableModel
from cnam_desk.ui.results_settle import SettleDialog
from cnam_desk.ui.results_tab import ResultsTab
from tests.results_data import grade, seed
from tests.ui_support import results_tab_on

S1 = "2023-2024/S1/1"
FIRST = {"100": "12,5", "101": "8", "102": "ABI", "103": "ABJ", "104": "15", "105": "0"}


@pytest.fixture
def tab(qtbot, db):
    seed(db)
    for number, value in FIRST.items():
        grade(db, S1, "NFA031", number, value)
    return results_tab_on(qtbot, db, S1, "NFA031")


def rows(db) -> dict:
    return {r.student_number: r for r in entry.sheet_by_keys(db, S1, "NFA031").rows}


def numbers(tab) -> list[str]:
    return [tab.proxy.index(r, 0).data() for r in range(tab.proxy.rowCount())]


def go_to(tab, number: str) -> None:
    tab.grid.setFocus()
    tab.grid.setCurrentIndex(tab.proxy.index(numbers(tab).index(number), tab.model.entry_column))


def editor(tab) -> QLineEdit:
    found = [e for e in tab.grid.findChildren(QLineEdit, "gradeEditor") if e.isVisible()]
    assert len(found) == 1
    return found[0]


def type_grade(qtbot, tab, text: str) -> None:
    qtbot.keyClick(tab.grid, text[0])
    qtbot.keyClicks(editor(tab), text[1:])
    qtbot.keyClick(editor(tab), Qt.Key.Key_Return)


def cell(tab, number: str, column: int):
    return tab.proxy.index(numbers(tab).index(number), column)


def second_entry_typed(qtbot, tab, values: dict[str, str]) -> None:
    qtbot.mouseClick(tab.second_button, Qt.MouseButton.LeftButton)
    for number, value in values.items():
        go_to(tab, number)
        type_grade(qtbot, tab, value)
    qtbot.mouseClick(tab.second_button, Qt.MouseButton.LeftButton)


def test_second_entry_typed_at_the_keyboard_without_seeing_the_first(qtmodeltester, qtbot, tab, db) -> None:
    versions = {n: r.version for n, r in rows(db).items()}
    assert tab.grid.isColumnHidden(GradeTableModel.SECOND)  # nothing doubled yet, not required
    qtbot.mouseClick(tab.second_button, Qt.MouseButton.LeftButton)
    assert tab.second_mode and tab.second_action.isChecked()
    assert tab.grid.isColumnHidden(GradeTableModel.GRADE) and tab.grid.isColumnHidden(GradeTableModel.RESULT)
    assert not tab.grid.isColumnHidden(GradeTableModel.SECOND)
    assert not tab.stats_box.isVisible() and not tab.history_box.isVisible() and tab.second_banner.isVisible()
    # Nothing of the first entry is given out, whatever the view asks for.
    for row in range(tab.proxy.rowCount()):
        for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole, Qt.ItemDataRole.ToolTipRole):
            assert tab.proxy.index(row, GradeTableModel.GRADE).data(role) is None
            assert tab.proxy.index(row, GradeTableModel.RESULT).data(role) is None
    qtmodeltester.check(tab.model)
    order = numbers(tab)
    go_to(tab, order[0])
    type_grade(qtbot, tab, "12.50" if order[0] == "100" else "7")
    assert tab.grid.currentIndex().row() == 1 and tab.grid.currentIndex().column() == GradeTableModel.SECOND
    type_grade(qtbot, tab, "abi")
    assert "Enregistré : 2de saisie" in tab.message.text() and "désaccord" not in tab.message.text().lower()
    saved = rows(db)
    assert saved[order[0]].second_entry is not None and saved[order[1]].second_entry == GradeCode.ABI
    assert {n: r.grade for n, r in saved.items()} == {n: r.grade for n, r in rows(db).items()}
    assert {n: r.version for n, r in saved.items()} == versions  # the first entry is untouched
    # No red, no tooltip of a disagreement while typing the second entry.
    for row in range(tab.proxy.rowCount()):
        index = tab.proxy.index(row, GradeTableModel.SECOND)
        assert index.data(Qt.ItemDataRole.BackgroundRole) is None
        assert "Désaccord" not in (index.data(Qt.ItemDataRole.ToolTipRole) or "")
    # Ctrl+Z takes back the last second entry, Suppr clears one.
    qtbot.keyClick(tab.grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert rows(db)[order[1]].second_entry is None
    go_to(tab, order[0])
    qtbot.keyClick(tab.grid, Qt.Key.Key_Delete)
    assert rows(db)[order[0]].second_entry is None


def test_disagreements_in_red_then_settled(qtbot, tab, db, monkeypatch) -> None:
    second_entry_typed(qtbot, tab, {"100": "12,50", "104": "16", "103": "ABI", "101": "8"})
    assert not tab.second_mode and not tab.grid.isColumnHidden(GradeTableModel.GRADE)
    assert not tab.grid.isColumnHidden(GradeTableModel.SECOND)
    assert "2 désaccord(s)" in tab.disagreements.text() and tab.disagreements.isVisible()
    for number in ("104", "103"):
        for column in (GradeTableModel.GRADE, GradeTableModel.SECOND):
            assert cell(tab, number, column).data(Qt.ItemDataRole.BackgroundRole) == MISMATCH_BACKGROUND
    tooltip = cell(tab, "104", GradeTableModel.GRADE).data(Qt.ItemDataRole.ToolTipRole)
    assert "1re saisie 15" in tooltip and "2de saisie 16" in tooltip and "greffier.test" in tooltip
    assert cell(tab, "100", GradeTableModel.GRADE).data(Qt.ItemDataRole.BackgroundRole) is None  # 12,5 = 12,50
    go_to(tab, "100")
    assert not tab.settle_button.isEnabled()
    go_to(tab, "104")
    assert tab.settle_button.isEnabled()

    shown = []

    def keep_second(dialog: SettleDialog) -> int:
        shown.append((dialog.first_choice.text(), dialog.second_choice.text()))
        dialog.settle()
        assert "Choisissez" in dialog.error.text()  # nothing chosen yet: the dialog says so
        dialog.second_choice.setChecked(True)
        dialog.settle()
        return QDialog.DialogCode.Accepted if dialog.result() == QDialog.DialogCode.Accepted else 0

    monkeypatch.setattr(SettleDialog, "exec", keep_second)
    qtbot.keyClick(tab.grid, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert shown == [("1re saisie : 15 (par greffier.test)", "2de saisie : 16 (par greffier.test)")]
    settled = rows(db)["104"]
    assert (settled.grade, settled.second_entry, settled.mismatch) == (Decimal(16), Decimal(16), False)
    assert cell(tab, "104", GradeTableModel.GRADE).data() == "16"
    assert cell(tab, "104", GradeTableModel.GRADE).data(Qt.ItemDataRole.BackgroundRole) is None
    assert "Désaccord tranché" in tab.message.text() and "1 désaccord(s)" in tab.disagreements.text()
    last = tab.history_model.rows[-1]
    assert last.settlement and (last.old, last.second_entry, last.new) == (Decimal(15), Decimal(16), Decimal(16))

    # The other one from the right click, with the grade read on the copy.
    def copy_grade(dialog: SettleDialog) -> int:
        qtbot.keyClicks(dialog.other, "abj")
        assert dialog.other_choice.isChecked()
        dialog.settle()
        return dialog.result()

    monkeypatch.setattr(SettleDialog, "exec", copy_grade)
    popped = []
    monkeypatch.setattr(tab.grid, "popup", lambda menu, where: popped.append(where))
    target = tab.grid.visualRect(cell(tab, "103", GradeTableModel.GRADE)).center()
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, target, tab.grid.viewport().mapToGlobal(target))
    QApplication.sendEvent(tab.grid.viewport(), event)
    menu = tab.grid.last_menu
    assert popped and menu is not None and tab.current_row().student_number == "103"
    (settle,) = [a for a in menu.actions() if a.text().startswith("Trancher")]
    assert settle.isEnabled()
    settle.trigger()
    assert (rows(db)["103"].grade, rows(db)["103"].mismatch) == (GradeCode.ABJ, False)
    assert not tab.disagreements.isVisible() and not tab.settle_button.isVisible()


def test_publish_from_the_window_waits_for_the_settlement(qtbot, tab, db, monkeypatch) -> None:
    monkeypatch.setattr(msgbox, "question", lambda *_a: True)
    second_entry_typed(qtbot, tab, {"104": "16"})
    qtbot.mouseClick(tab.publish_button, Qt.MouseButton.LeftButton)
    assert "désaccord" in tab.message.text() and "(104)" in tab.message.text()
    assert not entry.sheet_by_keys(db, S1, "NFA031").published
    double_entry.settle_by_keys(db, S1, "NFA031", "104", "15")
    tab.load()
    qtbot.mouseClick(tab.publish_button, Qt.MouseButton.LeftButton)
    assert tab.sheet.published and "publiées le" in tab.publication.text()
    qtbot.mouseClick(tab.second_button, Qt.MouseButton.LeftButton)
    go_to(tab, "100")
    type_grade(qtbot, tab, "13")
    assert "double saisie est close" in tab.message.text()


def test_the_office_setting_from_the_menu(qtbot, tab, db, monkeypatch) -> None:
    monkeypatch.setattr(msgbox, "question", lambda *_a: True)
    assert not tab.required_action.isChecked()
    tab.required_action.trigger()
    assert double_entry.required(db) is True
    assert not tab.grid.isColumnHidden(GradeTableModel.SECOND)  # every grade now needs its second entry
    tab.publish_button.click()
    assert "obligatoire" in tab.message.text() and "(100)" in tab.message.text()
    again = ResultsTab(db)
    qtbot.addWidget(again)
    assert again.required_action.isChecked()  # shared by every workstation, read from the database
    tab.required_action.trigger()
    assert double_entry.required(db) is False
    tab.publish_button.click()
    assert tab.sheet.published


def test_second_entry_pasted_and_imported_from_the_window(qtbot, tab, db, tmp_path, monkeypatch) -> None:
    tab.set_second_mode(True)
    assert tab.second_button.isChecked()
    order = numbers(tab)
    go_to(tab, order[0])
    QGuiApplication.clipboard().setText("11\n12\n")
    qtbot.keyClick(tab.grid, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert [rows(db)[n].second_entry for n in order[:2]] == [Decimal(11), Decimal(12)]
    book = openpyxl.Workbook()
    book.active.append(["N° auditeur", "Note"])
    book.active.append(["104", "16"])
    path = tmp_path / "seconde.xlsx"
    book.save(path)
    summaries = []

    def accept(dialog) -> int:
        summaries.append(dialog.preview.summary)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(results_dialogs.ImportPreviewDialog, "exec", accept)
    tab.import_file(path)
    qtbot.waitUntil(lambda: "Import de « seconde.xlsx »" in tab.message.text(), timeout=10_000)
    assert summaries[0].startswith("1 seconde(s) saisie(s) à enregistrer")
    assert "seconde(s) saisie(s) enregistrée(s)" in tab.message.text()
    assert rows(db)["104"].second_entry == Decimal(16) and rows(db)["104"].grade == Decimal(15)
    assert cell(tab, "104", GradeTableModel.SECOND).data() == "16"
    assert cell(tab, "104", GradeTableModel.GRADE).data() is None  # still blind after the import
