"""The Tableau de bord and the student's file, driven as a clerk does: keys and clicks, offscreen."""

from __future__ import annotations

import datetime as dt

import pytest
from letters_data import SESSION, seed_requests
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from cnam_desk import dashboard
from cnam_desk.db.models import RequestStatus
from cnam_desk.requests import queue, review
from cnam_desk.ui.dashboard_models import DaysChart, nice_step
from cnam_desk.ui.main_window import MainWindow
from cnam_desk.ui.request_models import ROW_ROLE
from tests.ui_support import open_window

S1 = "2023-2024/S1/1"

# The offscreen platform cannot size or raise a window by itself, and says so when a dialog shows.
pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support (propagateSizeHints|raise)\(\)")


def focused():  # type: ignore[no-untyped-def]
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def pressed_in(main: MainWindow):  # type: ignore[no-untyped-def]
    """Where a key typed in the window goes: the focused widget, else the window itself."""
    return QApplication.focusWidget() or main


def queue_statuses(main: MainWindow) -> set[RequestStatus]:
    tab = main.requests_tab
    return {tab.proxy.index(r, 0).data(ROW_ROLE).status for r in range(tab.proxy.rowCount())}


# --- the student's file -----------------------------------------------------------------------


@pytest.mark.parametrize("tab", ["calendrier", "demandes", "resultats", "tableau"])
def test_ctrl_k_a_name_without_accents_then_enter_shows_the_file(qtbot, db, messages, tab) -> None:
    seed_requests(db)
    main = open_window(qtbot, db, tab)
    QTest.keyClick(pressed_in(main), Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    dialog = main.student_search.dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.search)
    QTest.keyClicks(focused(), "nguyen thi")
    QTest.keyClick(focused(), Qt.Key.Key_Return)
    assert dialog.isVisible() and dialog.file is not None and dialog.file.student_number == "100023003"
    text = dialog.view.toPlainText()
    for shown in ("NGUYỄN Thị Minh Khai", "8 avenue Jean-Jaurès", "93100 Montreuil", "Incomplète",
                  "Justificatif de déplacement signé par l'employeur", "à imprimer"):
        assert shown in text
    assert "Aucune note n'est donnée par téléphone" in text
    assert messages == []


def test_several_students_found_arrow_down_then_enter(qtbot, demo_db, messages) -> None:
    main = open_window(qtbot, demo_db, "calendrier")
    QTest.keyClick(pressed_in(main), Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    dialog = main.student_search.dialog
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.search)
    QTest.keyClicks(focused(), "AGAOGLU emilie")
    QTest.keyClick(focused(), Qt.Key.Key_Return)
    assert [hit.number for hit in dialog.hits] == ["10023006", "10023066", "10023181"]
    assert "3 auditeurs trouvés" in dialog.message.text()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.results)  # the list, to choose from
    QTest.keyClick(focused(), Qt.Key.Key_Down)
    QTest.keyClick(focused(), Qt.Key.Key_Return)
    assert dialog.isVisible() and dialog.file is not None and dialog.file.student_number == "10023066"
    assert "Ağaoğlu".upper() in dialog.view.toPlainText()
    # Ctrl+K again: the same dialog, ready for the next call, text selected.
    QTest.keyClick(focused(), Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    main.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is main)
    QTest.keyClick(pressed_in(main), Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert main.student_search.dialog is dialog and dialog.isVisible() and dialog.search.selectedText() == "AGAOGLU emilie"


def test_exams_with_rooms_and_arrangement_in_the_file(qtbot, db, messages) -> None:
    seed_requests(db)
    main = open_window(qtbot, db, "demandes")
    QTest.keyClicks(main.student_search.box, "100023001")
    QTest.keyClick(main.student_search.box, Qt.Key.Key_Return)
    dialog = main.student_search.dialog
    assert dialog.isVisible() and dialog.file.student_number == "100023001"
    text = dialog.view.toPlainText()
    assert "LEFÈVRE-DUPRÉ Zoë" in text and "12 rue des Écoles" in text
    assert "aménagement : mardi 23 janvier 2024, 18h00–21h00, Salle 17.2.04" in text


def test_unknown_name_says_so(qtbot, db, messages) -> None:
    seed_requests(db)
    main = open_window(qtbot, db, "calendrier")
    dialog = main.student_search.open()
    QTest.keyClicks(dialog.search, "durand")
    QTest.keyClick(dialog.search, Qt.Key.Key_Return)
    assert dialog.file is None and "Aucun auditeur ne correspond à « durand »" in dialog.message.text()


def test_names_in_the_file_are_shown_as_text(qtbot, db) -> None:
    seed_requests(db)
    main = open_window(qtbot, db, "calendrier")
    dialog = main.student_search.open("100023005")
    assert "DUPONT <ADMIN> & FILS Jean" in dialog.view.toPlainText()
    assert "5 rue <b>Oberkampf</b> & Cie" in dialog.view.toPlainText()


# --- the dashboard --------------------------------------------------------------------------------


def test_the_board_loads_when_first_shown(qtbot, demo_db, monkeypatch) -> None:
    reads: list[str] = []
    real = dashboard.session_dashboard
    monkeypatch.setattr(dashboard, "session_dashboard", lambda db, key, now=None: reads.append(key) or real(db, key, now))
    main = open_window(qtbot, demo_db, "calendrier")
    assert reads == []  # another tab on screen: nothing read
    QTest.keyClick(pressed_in(main), Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert main.tabs.currentWidget() is main.dashboard_tab and reads == [S1]
    board = main.dashboard_tab
    assert board.requests_figure.button.text() == "30"
    assert board.processing_figure.button.text() == "21 en attente"
    assert "lundi 8 janvier 2024 au dimanche 14 janvier 2024 à 23h59" in board.processing_figure.detail.text()
    assert board.letters_figure.button.text() == str(board.board.letters_to_print)
    assert board.session2_figure.button.text() == str(board.board.session2_size)


def test_waiting_figure_clicked_opens_demandes_filtered(qtbot, demo_db, messages) -> None:
    main = open_window(qtbot, demo_db, "tableau")
    tab = main.requests_tab
    tab.search.setText("zzz")  # a filter left from earlier work is cleared
    qtbot.mouseClick(main.dashboard_tab.processing_figure.button, Qt.MouseButton.LeftButton)
    assert main.tabs.currentWidget() is tab
    assert tab.current_session_key() == S1 and tab.search.text() == ""
    assert queue_statuses(main) == {RequestStatus.PENDING} and tab.proxy.rowCount() == 21
    main.show_tab("tableau")
    qtbot.mouseClick(main.dashboard_tab.processing_figure.extra, Qt.MouseButton.LeftButton)
    assert tab.late_filter.isChecked() and tab.proxy.rowCount() == main.dashboard_tab.board.waiting_late == 1


def test_a_status_bar_clicked_opens_its_requests(qtbot, demo_db, messages) -> None:
    main = open_window(qtbot, demo_db, "tableau")
    chart = main.dashboard_tab.status_chart
    qtbot.mouseClick(chart.viewport(), Qt.MouseButton.LeftButton, pos=chart.bar_point(RequestStatus.ACCEPTED))
    assert main.tabs.currentWidget() is main.requests_tab
    assert queue_statuses(main) == {RequestStatus.ACCEPTED} and main.requests_tab.proxy.rowCount() == 4


def test_a_day_bar_clicked_lists_that_day_and_enter_opens_the_request(qtbot, demo_db, messages) -> None:
    main = open_window(qtbot, demo_db, "tableau")
    board = main.dashboard_tab
    day = dt.date(2024, 1, 5)
    assert board.board.received_by_day[day] == 4
    chart = board.days_chart
    qtbot.mouseClick(chart.viewport(), Qt.MouseButton.LeftButton, pos=chart.bar_point(day, 4))
    dialog = board.day_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.windowTitle() == "Demandes reçues le vendredi 5 janvier 2024"
    assert dialog.model.rowCount() == 4
    wanted = dialog.model.rows[1].id
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    dialog.table.setFocus()
    QTest.keyClick(dialog.table, Qt.Key.Key_Down)
    QTest.keyClick(focused(), Qt.Key.Key_Return)
    assert not dialog.isVisible()
    assert main.tabs.currentWidget() is main.requests_tab and main.requests_tab.current_request_id() == wanted


def test_an_exam_bar_clicked_opens_its_grade_sheet(qtbot, demo_db, messages) -> None:
    main = open_window(qtbot, demo_db, "tableau")
    chart = main.dashboard_tab.exams_chart
    missing = next(e for e in main.dashboard_tab.board.exams if e.missing)
    qtbot.mouseClick(chart.viewport(), Qt.MouseButton.LeftButton, pos=chart.bar_point(missing.ue))
    results = main.results_tab
    assert main.tabs.currentWidget() is results and results.pages.currentIndex() == 0
    assert results.session_key() == S1 and results.unit_code() == missing.ue
    assert results.stat_labels["missing"].text() == str(missing.missing)


def test_session2_figure_opens_the_roster_and_letters_figure_the_preview(qtbot, demo_db, messages) -> None:
    main = open_window(qtbot, demo_db, "tableau")
    board = main.dashboard_tab
    qtbot.mouseClick(board.session2_figure.button, Qt.MouseButton.LeftButton)
    results = main.results_tab
    assert main.tabs.currentWidget() is results and results.pages.currentIndex() == 1
    assert len(results.roster_page.roster.entries) == board.board.session2_size

    main.show_tab("tableau")
    board.letters_figure.button.setFocus()
    QTest.keyClick(board.letters_figure.button, Qt.Key.Key_Space)
    dialog = main.letters_dialog
    assert dialog.isVisible() and dialog.session_key == S1
    assert dialog.model.rowCount() == board.board.letters_to_print
    dialog.reject()


def test_the_board_follows_a_decision_taken_meanwhile(qtbot, db, messages) -> None:
    seed_requests(db)
    main = open_window(qtbot, db, "tableau")
    board = main.dashboard_tab
    board.set_session(SESSION)
    assert board.requests_figure.button.text() == "6"
    assert board.processing_figure.button.text() == "1 en attente"
    assert board.letters_figure.button.text() == "5"
    main.show_tab("calendrier")
    pending = next(r.id for r in queue.list_requests(db, SESSION) if r.status is RequestStatus.PENDING)
    review.decide(db, pending, review.Decision.REDIRECT, reason="Handi'Cnam")  # another workstation
    QTest.keyClick(pressed_in(main), Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert board.processing_figure.button.text() == "0 en attente"
    assert board.letters_figure.button.text() == "6"


def test_day_labels_and_axis_steps() -> None:
    days = [dt.date(2024, 1, 1) + dt.timedelta(days=n) for n in range(20)]
    labels = DaysChart.day_labels(days)
    assert labels[0] == "lun. 1/1" and labels[7] == "lun. 8/1" and len(set(labels)) == 20
    assert DaysChart.day_labels(days[:3]) == ["1/1", "2/1", "3/1"]
    assert [nice_step(n) for n in (0, 4, 21, 35, 197, 1200)] == [1, 1, 5, 10, 50, 500]


def test_the_file_writes_grades_and_their_history_the_french_way(qtbot, db) -> None:
    import results_data

    results_data.seed(db)
    results_data.grade(db, S1, "NFA031", "101", "8,5")
    results_data.grade(db, S1, "NFA031", "101", "9,25", reason="copie revue")
    main = open_window(qtbot, db, "calendrier")
    text = main.student_search.open("101").view.toPlainText()
    assert "8,5 → 9,25 (copie revue)" in text and "— → 8,5" in text and "ajourné" in text


def test_screenshot_of_the_board(cli, demo_db, tmp_path) -> None:
    out = tmp_path / "tableau.png"
    result = cli("screenshot", "--tab", "tableau", "--out", str(out), env={"QT_QPA_PLATFORM": "offscreen"})
    assert result.code == 0, result
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
