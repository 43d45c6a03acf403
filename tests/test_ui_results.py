"""The Résultats tab offscreen: typing grades, refusals on the spot, undo, paste, lock, conflicts, import, session 2."""

from __future__ import annotations

from decimal import Decimal

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QLineEdit

from cnam_desk.database import open_database
from cnam_desk.db.models import GradeCode
from cnam_desk.grading import attestations, entry
from cnam_desk.ui import msgbox, results_dialogs
from cnam_desk.ui.pdf_preview import AttestationPreviewDialog
from cnam_desk.ui.results_models import GradeTableModel
from tests.results_data import grade, seed
from tests.ui_support import results_tab_on

S1 = "2023-2024/S1/1"


@pytest.fixture
def tab(qtbot, db):
    seed(db)
    return results_tab_on(qtbot, db, S1, "NFA031")


def saved(db, number, key=S1, ue="NFA031"):
    return {r.student_number: r.grade for r in entry.sheet_by_keys(db, key, ue).rows}[number]


def numbers(tab):
    return [tab.proxy.index(r, 0).data() for r in range(tab.proxy.rowCount())]


def go_to(tab, row):
    tab.grid.setFocus()
    tab.grid.setCurrentIndex(tab.proxy.index(row, GradeTableModel.GRADE))


def editor(tab) -> QLineEdit:
    found = [e for e in tab.grid.findChildren(QLineEdit, "gradeEditor") if e.isVisible()]
    assert len(found) == 1
    return found[0]


def type_grade(qtbot, tab, text: str) -> None:
    qtbot.keyClick(tab.grid, text[0])  # any key opens the editor and goes into it
    qtbot.keyClicks(editor(tab), text[1:])
    qtbot.keyClick(editor(tab), Qt.Key.Key_Return)


def test_models_pass_the_model_tester(qtmodeltester, tab, db) -> None:
    grade(db, S1, "NFA031", "100", "12")
    tab.load()
    qtmodeltester.check(tab.model)
    qtmodeltester.check(tab.proxy)
    go_to(tab, numbers(tab).index("100"))
    qtmodeltester.check(tab.history_model)
    tab.roster_page.show_semester("2023-2024/S1")
    qtmodeltester.check(tab.roster_page.model)
    qtmodeltester.check(tab.roster_page.proxy)


def test_typing_grades_with_the_keyboard(qtbot, tab, db) -> None:
    order = numbers(tab)
    assert order[:3] == ["103", "105", "102"]
    go_to(tab, 0)
    type_grade(qtbot, tab, "12,5")
    assert tab.grid.currentIndex().row() == 1  # Enter: saved, next student
    type_grade(qtbot, tab, "12.5")
    type_grade(qtbot, tab, "abi")
    assert tab.grid.currentIndex().row() == 3
    assert saved(db, "103") == Decimal("12.5") and saved(db, "105") == Decimal("12.5")
    assert saved(db, "102") == GradeCode.ABI
    assert tab.proxy.index(2, GradeTableModel.RESULT).data() == "ABI"
    assert tab.stat_labels["entered"].text() == "3" and tab.stat_labels["absent"].text().startswith("1")
    assert sum(tab.histogram.bins) == 2 and tab.histogram.bins[12] == 2
    assert "Enregistré" in tab.message.text()


@pytest.mark.parametrize("bad", ["25", "12,555", "20.001", "douze"])
def test_invalid_grades_are_refused_on_the_spot(qtbot, tab, db, monkeypatch, bad) -> None:
    boxes = []
    monkeypatch.setattr(msgbox, "warning", lambda *a: boxes.append(a))
    go_to(tab, 0)
    type_grade(qtbot, tab, bad)
    field = editor(tab)  # still open, the value selected for retyping
    assert field.selectedText() == bad
    assert "Note refusée" in tab.message.text() and "Note refusée" in field.toolTip()
    assert tab.grid.currentIndex().row() == 0
    assert saved(db, "103") is None and not boxes
    qtbot.keyClicks(field, "14")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert saved(db, "103") == Decimal("14")


def test_delete_clears_and_undo_redo(qtbot, tab, db) -> None:
    go_to(tab, 0)
    type_grade(qtbot, tab, "15")
    go_to(tab, 0)
    type_grade(qtbot, tab, "16")
    assert saved(db, "103") == Decimal("16")
    tab.undo_stack.undo()
    assert saved(db, "103") == Decimal("15")
    assert tab.proxy.index(0, GradeTableModel.GRADE).data() == "15"
    tab.undo_stack.undo()
    assert saved(db, "103") is None
    tab.undo_stack.redo()
    assert saved(db, "103") == Decimal("15")
    go_to(tab, 0)
    qtbot.keyClick(tab.grid, Qt.Key.Key_Delete)
    assert saved(db, "103") is None
    history = [(h.old, h.new) for h in entry.grade_history(db, entry.exam_ref(db, S1, "NFA031"), tab.current_row().student_id)]
    assert history[-1] == (Decimal("15"), None) and len(history) == 6


def test_undo_refused_when_another_clerk_changed_the_grade(qtbot, tab, db, database_url) -> None:
    go_to(tab, 0)
    type_grade(qtbot, tab, "15")
    other = open_database(database_url, clerk="marie.curie")
    entry.set_grade(other, S1, "NFA031", "103", "17")
    other.dispose()
    tab.undo_stack.undo()
    assert "marie.curie" in tab.message.text()
    assert saved(db, "103") == Decimal("17")
    assert tab.undo_stack.count() == 0  # the command that cannot be undone is dropped


def test_paste_a_column(qtbot, tab, db) -> None:
    go_to(tab, 1)
    QGuiApplication.clipboard().setText("12\tx\n13,5\nabj\n")
    qtbot.keyClick(tab.grid, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    order = numbers(tab)
    assert [saved(db, n) for n in order[1:4]] == [Decimal("12"), Decimal("13.5"), GradeCode.ABJ]
    assert saved(db, order[0]) is None
    tab.undo_stack.undo()
    assert [saved(db, n) for n in order[1:4]] == [None, None, None]
    QGuiApplication.clipboard().setText("11\n25\n9")
    tab.paste()
    assert "ligne 2 du collage" in tab.message.text() and "rien n'a été enregistré" in tab.message.text()
    assert [saved(db, n) for n in order[1:4]] == [None, None, None]
    QGuiApplication.clipboard().setText("\n".join(["10"] * 10))
    tab.paste()
    assert "Collage refusé" in tab.message.text()


def test_publication_locks_and_asks_a_reason(qtbot, tab, db, monkeypatch) -> None:
    asked = []
    monkeypatch.setattr(msgbox, "question", lambda _p, _t, text: asked.append(text) or True)
    tab.publish_button.click()
    assert "sans note" in tab.message.text()
    for index, number in enumerate(numbers(tab)):
        grade(db, S1, "NFA031", number, str(8 + index))
    tab.load()
    qtbot.mouseClick(tab.publish_button, Qt.MouseButton.LeftButton)
    assert asked and "verrouillées" in asked[-1]
    assert tab.sheet.published and not tab.publish_button.isEnabled()
    assert "publiées le" in tab.publication.text()
    assert tab.reason.isVisible()
    go_to(tab, 0)
    type_grade(qtbot, tab, "19")
    assert "indiquez le motif" in tab.message.text()
    assert saved(db, "103") == Decimal("8")
    tab.reason.setText("double correction")
    go_to(tab, 0)
    type_grade(qtbot, tab, "19")
    assert saved(db, "103") == Decimal("19")
    go_to(tab, 0)
    history = tab.history_model.rows
    assert (history[-1].old, history[-1].new, history[-1].reason) == (Decimal("8"), Decimal("19"), "double correction")
    assert tab.history_model.index(len(history) - 1, 4).data() == "double correction"


def test_conflict_shows_who_and_when(qtbot, tab, db, database_url) -> None:
    other = open_database(database_url, clerk="marie.curie")
    entry.set_grade(other, S1, "NFA031", "103", "11")
    other.dispose()
    go_to(tab, 0)
    type_grade(qtbot, tab, "4")
    assert "marie.curie" in tab.message.text() and "rien n'a été enregistré" in tab.message.text()
    assert saved(db, "103") == Decimal("11")
    assert tab.proxy.index(0, GradeTableModel.GRADE).data() == "11"
    type_grade(qtbot, tab, "4")  # now seen: the clerk may change it
    assert saved(db, "103") == Decimal("4")


def test_search_and_sort(qtbot, tab, db) -> None:
    tab.search.setText("lukas")
    assert numbers(tab) == ["104"]
    tab.search.setText("10")
    assert len(numbers(tab)) == 6
    tab.search.clear()
    grade(db, S1, "NFA031", "100", "15")
    grade(db, S1, "NFA031", "101", "9")
    grade(db, S1, "NFA031", "102", "abi")
    tab.load()
    tab.grid.sortByColumn(GradeTableModel.GRADE, Qt.SortOrder.AscendingOrder)
    assert numbers(tab)[:3] == ["101", "100", "102"]
    before = numbers(tab)
    go_to(tab, 0)
    type_grade(qtbot, tab, "19")  # the row typed into does not jump to the end
    assert numbers(tab) == before and tab.grid.currentIndex().row() == 1


def test_import_from_the_window(qtbot, tab, db, tmp_path, monkeypatch) -> None:
    book = openpyxl.Workbook()
    book.active.append(["N° auditeur", "Note"])
    book.active.append(["100", "13"])
    book.active.append(["101", "abj"])
    path = tmp_path / "notes.xlsx"
    book.save(path)
    shown = []

    def accept(dialog) -> int:
        shown.append((dialog.preview.summary, dialog.save_button.isEnabled()))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(results_dialogs.ImportPreviewDialog, "exec", accept)
    monkeypatch.setattr(tab, "ask_open_path", lambda *_a: str(path))
    tab.import_action.trigger()
    qtbot.waitUntil(lambda: "Import de « notes.xlsx »" in tab.message.text(), timeout=10_000)
    assert shown and shown[0][1] and shown[0][0].startswith("2 note(s) à enregistrer")
    assert saved(db, "100") == Decimal("13") and saved(db, "101") == GradeCode.ABJ
    assert tab.proxy.index(numbers(tab).index("100"), GradeTableModel.GRADE).data() == "13"

    book.active.append(["999", "30"])
    book.save(path)

    def refuse(dialog) -> int:
        shown.append((dialog.preview.summary, dialog.save_button.isEnabled()))
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(results_dialogs.ImportPreviewDialog, "exec", refuse)
    tab.import_file(path)
    qtbot.waitUntil(lambda: "Import abandonné" in tab.message.text(), timeout=10_000)
    assert shown[-1][1] is False and "2 problème(s)" in shown[-1][0]


def test_teachers_sheet_from_the_menu_filled_and_imported_back(qtbot, tab, db, tmp_path, monkeypatch) -> None:
    out = tmp_path / "feuille.xlsx"
    monkeypatch.setattr(tab, "ask_save_path", lambda *_a: str(out))
    tab.grade_sheet_action.trigger()
    qtbot.waitUntil(lambda: "Feuille de notes de NFA031" in tab.message.text(), timeout=15_000)
    book = openpyxl.load_workbook(out)
    sheet = book.worksheets[0]
    header = next(row for row in sheet.iter_rows() if any(cell.value == "Note" for cell in row))
    note_column = next(cell.column for cell in header if cell.value == "Note")
    number_column = next(cell.column for cell in header if str(cell.value).startswith("N°"))
    filled = {"100": "12,5", "101": "ABI"}
    for row in sheet.iter_rows(min_row=header[0].row + 1):
        number = row[number_column - 1].value
        if number in filled:
            sheet.cell(row[0].row, note_column, filled[number])
    book.save(out)

    def accept(dialog) -> int:
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(results_dialogs.ImportPreviewDialog, "exec", accept)
    monkeypatch.setattr(tab, "ask_open_path", lambda *_a: str(out))
    tab.import_action.trigger()
    qtbot.waitUntil(lambda: "Import de « feuille.xlsx »" in tab.message.text(), timeout=15_000)
    assert saved(db, "100") == Decimal("12.5") and saved(db, "101") == GradeCode.ABI


def test_import_dialog_models(qtmodeltester, qtbot, db, tmp_path) -> None:
    from cnam_desk.grading import importing

    seed(db)
    book = openpyxl.Workbook()
    for row in (["numéro", "note"], ["100", "12"], ["999", "8"]):
        book.active.append(row)
    book.save(tmp_path / "n.xlsx")
    dialog = results_dialogs.ImportPreviewDialog(importing.preview_import(db, tmp_path / "n.xlsx", S1, "NFA031"))
    qtbot.addWidget(dialog)
    qtmodeltester.check(dialog.problems)
    qtmodeltester.check(dialog.planned)
    assert dialog.problems.index(0, 3).data() == "auditeur inconnu"
    assert not dialog.save_button.isEnabled()


def test_session2_page_and_export(qtbot, tab, db, tmp_path, monkeypatch) -> None:
    page = tab.roster_page
    page.show_semester("2023-2024/S1")
    grade(db, S1, "NFA031", "100", "8")
    grade(db, S1, "NFA031", "101", "12")
    tab.pages.setCurrentIndex(1)  # shown again: read again
    rows = [(page.proxy.index(r, 0).data(), page.proxy.index(r, 2).data(), page.proxy.index(r, 5).data())
            for r in range(page.proxy.rowCount())]
    assert ("NFA031", "100", "8") in rows and not any(n == "101" and u == "NFA031" for u, n, _ in rows)
    assert "Pas de convocation" in page.summary.text()
    page.search.setText("nfa031")
    assert page.proxy.rowCount() == 5
    out = tmp_path / "s2.xlsx"
    monkeypatch.setattr(tab, "ask_save_path", lambda *_a: str(out))
    monkeypatch.setattr(msgbox, "question", lambda *_a: True)  # session 1 not published: exported knowingly
    page.export_button.click()
    assert out.exists() and "Liste de session 2 écrite" in tab.message.text()


def test_best_of_two_setting(tab, db) -> None:
    tab.best_action.setChecked(True)
    assert entry.best_of_two(db) is True
    tab.best_action.setChecked(False)
    assert entry.best_of_two(db) is False


def test_programmes_dialog(qtmodeltester, qtbot, db, monkeypatch) -> None:
    seed(db)
    dialog = results_dialogs.ProgrammesDialog(db)
    qtbot.addWidget(dialog)
    dialog.name.setText("Master informatique")
    dialog.units.setText("nfa031, NFA008")
    dialog.save_button.click()
    assert [p.name for p in attestations.list_programmes(db)] == ["Master informatique"]
    dialog.new_button.click()
    dialog.name.setText("Crédits")
    dialog.ects.setText("douze")
    dialog.save_button.click()
    assert "attendu un nombre" in dialog.error.text()
    dialog.ects.setText("12,5")
    dialog.save_button.click()
    qtmodeltester.check(dialog.model)
    assert [p.required_ects for p in attestations.list_programmes(db)] == [Decimal("12.5"), None]
    monkeypatch.setattr(msgbox, "question", lambda *_a: True)
    dialog.delete_button.click()
    assert [p.name for p in attestations.list_programmes(db)] == ["Master informatique"]


def test_m1_dialog_lists_what_is_missing(qtmodeltester, qtbot, db) -> None:
    seed(db)
    attestations.save_programme(db, "Master informatique", ["NFA031", "NFA008"], None)
    grade(db, S1, "NFA031", "100", "12")
    dialog = results_dialogs.M1Dialog(db, "100", "2023-2024")
    qtbot.addWidget(dialog)
    qtmodeltester.check(dialog.model)
    text = dialog.details.toPlainText()
    assert "Il manque" in text and "UE NFA008 (Bases de données) : pas encore réussie" in text
    assert not dialog.issue_button.isEnabled()


def test_keyboard_undo_and_menus_in_the_main_window(qtbot, db) -> None:
    from PySide6.QtWidgets import QApplication

    from cnam_desk.ui.main_window import MainWindow

    seed(db)
    window = MainWindow(db)
    qtbot.addWidget(window)
    window.show()
    window.show_tab("resultats")
    qtbot.waitExposed(window)
    tab = window.results_tab
    tab.select(S1, "NFA031")
    files = [a.text() for a in window.file_menu.actions()]
    assert "Importer des notes (.xlsx)…" in files and "Exporter les résultats publiés pour le portail…" in files
    assert files[-1].replace("&", "") == "Quitter"
    edits = [a.text() for a in window.edit_menu.actions()]
    assert "Annuler la saisie" in edits and "Programmes de M1…" in edits
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)  # shortcuts act in the active window
    go_to(tab, 0)
    type_grade(qtbot, tab, "13")
    assert tab.undo_action.isEnabled() and tab.undo_action.text().startswith("Annuler : Note de")
    go_to(tab, 0)
    qtbot.keyClick(tab.grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert saved(db, "103") is None
    tab.redo_action.trigger()
    assert saved(db, "103") == Decimal("13")


def test_dropping_a_spreadsheet_imports_it(qtbot, tab, tmp_path, monkeypatch) -> None:
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDropEvent
    from PySide6.QtWidgets import QApplication

    dropped = []
    monkeypatch.setattr(tab, "import_file", lambda path: dropped.append(path))
    tab.drops.on_drop = lambda paths, _event: tab.import_file(paths[0])
    path = tmp_path / "notes.xlsx"
    path.write_bytes(b"")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    target = tab.grid.viewport()
    point = QPointF(20, 20)
    enter = QDragEnterEvent(point, Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, enter)
    assert enter.isAccepted()
    drop = QDropEvent(point, Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, drop)
    assert dropped == [path]


def _publish_all(db) -> None:
    for index, number in enumerate(["100", "101", "102", "103", "104", "105"]):
        grade(db, S1, "NFA031", number, str(7 + index))
    entry.publish_by_keys(db, S1, "NFA031")


def _stub_previews(monkeypatch) -> list[AttestationPreviewDialog]:
    """The attestation preview is modal: here its exec only keeps it, the test presses its buttons."""
    previews: list[AttestationPreviewDialog] = []
    monkeypatch.setattr(AttestationPreviewDialog, "exec", lambda dialog: previews.append(dialog) or 0)
    return previews


def test_paperwork_from_the_window(qtbot, tab, db, tmp_path, monkeypatch) -> None:
    _publish_all(db)
    tab.load()
    go_to(tab, numbers(tab).index("104"))  # 11/20
    out = tmp_path / "attestation.pdf"
    monkeypatch.setattr(tab, "ask_save_path", lambda *_a: str(out))
    previews = _stub_previews(monkeypatch)
    tab.success_button.click()
    qtbot.waitUntil(lambda: len(previews) == 1, timeout=15_000)  # the pages are drawn off the main thread
    assert not out.exists()  # the preview first
    previews[-1].save_button.click()
    qtbot.waitUntil(lambda: "Attestation de réussite" in tab.message.text(), timeout=15_000)
    assert out.read_bytes()[:5] == b"%PDF-"
    portal = tmp_path / "portail.xlsx"
    monkeypatch.setattr(tab, "ask_save_path", lambda *_a: str(portal))
    tab.export_action.trigger()
    qtbot.waitUntil(lambda: "résultat(s) publiés écrits" in tab.message.text(), timeout=15_000)
    assert openpyxl.load_workbook(portal).active.max_row == 7
    sheets = tmp_path / "emargement.pdf"
    monkeypatch.setattr(tab, "ask_save_path", lambda *_a: str(sheets))
    monkeypatch.setattr(msgbox, "question", lambda *_a: True)  # NFA008 and STA001 not published: go on
    tab.roster_page.show_semester("2023-2024/S1")
    tab.roster_page.sheets_button.click()
    qtbot.waitUntil(lambda: "Feuilles d'émargement écrites" in tab.message.text(), timeout=15_000)
    assert sheets.read_bytes()[:5] == b"%PDF-"
    folder = tmp_path / "toutes"
    folder.mkdir()
    monkeypatch.setattr(tab, "ask_folder", lambda *_a: str(folder))
    tab.all_success_action.trigger()
    qtbot.waitUntil(lambda: len(previews) == 2, timeout=15_000)  # the pages are drawn off the main thread
    assert previews[-1].page_count() == 3 and list(folder.iterdir()) == []
    previews[-1].save_button.click()
    qtbot.waitUntil(lambda: "attestation(s) de réussite écrite(s)" in tab.message.text(), timeout=15_000)
    assert len(list(folder.glob("*.pdf"))) == 3  # 10, 11 and 12 out of 20


def test_m1_attestation_from_the_dialog(qtbot, db, tmp_path, monkeypatch) -> None:
    seed(db)
    _publish_all(db)
    attestations.save_programme(db, "Master informatique", ["NFA031"], None)
    attestations.save_programme(db, "Master gestion", ["NFA008"], None)
    dialog = results_dialogs.M1Dialog(db, "105", "2023-2024")  # 12/20 in NFA031
    qtbot.addWidget(dialog)
    assert dialog.current().programme.name == "Master informatique" and dialog.issue_button.isEnabled()
    out = tmp_path / "m1.pdf"
    monkeypatch.setattr(dialog, "ask_save_path", lambda _suggested: str(out))
    previews = _stub_previews(monkeypatch)
    dialog.issue_button.click()
    assert not out.exists()  # the preview first
    previews[-1].save_button.click()
    assert dialog.written == str(out) and out.read_bytes()[:5] == b"%PDF-"
