"""The main window and the Calendrier tab, offscreen."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from PySide6.QtCore import QDate, QDateTime, QTime
from PySide6.QtGui import QFontInfo
from PySide6.QtWidgets import QApplication, QDialog

from cnam_desk.schedule import exam_calendar
from cnam_desk.ui import calendar_tab
from cnam_desk.ui.calendar_tab import SESSION_KEY_ROLE, SessionDialog
from cnam_desk.ui.main_window import MainWindow


@pytest.fixture
def window(qtbot, db):
    main = MainWindow(db)
    qtbot.addWidget(main)
    main.show_tab("calendrier")  # each tab reads its data when first shown
    main.show()
    return main


def test_fonts_are_available(qapp) -> None:
    assert QFontInfo(QApplication.font()).family()


def test_four_tabs_in_french(window) -> None:
    labels = [window.tabs.tabText(i).replace("&", "") for i in range(window.tabs.count())]
    assert labels == ["Tableau de bord", "Calendrier", "Demandes", "Résultats"]
    menus = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert menus[:2] == ["Fichier", "Édition"]
    assert "greffier.test" in window.clerk_status.text()


def test_session_tree_model(qtmodeltester, window) -> None:
    qtmodeltester.check(window.calendar_tab.model)


def test_tree_shows_sessions_and_deadlines(window) -> None:
    model = window.calendar_tab.model
    texts = []
    index = model.index_of("2023-2024/S1/1")
    assert index.isValid()
    row = [model.data(index.siblingAtColumn(c)) for c in range(4)]
    texts.append(row)
    assert row[1] == "du 22/01/2024 au 03/02/2024"
    assert row[2] == "dimanche 7 janvier 2024 à 23h59"
    unset = model.index_of("2023-2024/S2/2")
    assert model.data(unset.siblingAtColumn(2)) == "en cours de planification"


def test_selecting_a_session_shows_details(window) -> None:
    tab = window.calendar_tab
    tab.select_session("2023-2024/S1/1")
    assert tab.current_key() == "2023-2024/S1/1"
    assert tab.details.deadline.text() == "dimanche 7 janvier 2024 à 23h59"
    assert "14 janvier 2024 à 23h59" in tab.details.processing.text()


def test_edit_dialog_refuses_then_saves(qtbot, db) -> None:
    view = exam_calendar.get_session(db, "2023-2024/S2/2")
    dialog = SessionDialog(db, view, ["2023-2024"])
    qtbot.addWidget(dialog)
    dialog.last_day.setDate(QDate(2024, 9, 1))
    dialog.save()
    assert "doit être après" in dialog.error.text()
    assert dialog.result() != QDialog.DialogCode.Accepted
    dialog.last_day.setDate(QDate(2024, 9, 14))
    dialog.has_deadline.setChecked(True)
    dialog.deadline.setDateTime(QDateTime(QDate(2024, 8, 25), QTime(23, 59)))
    dialog.save()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert exam_calendar.get_session(db, "2023-2024/S2/2").deadline_text == "dimanche 25 août 2024 à 23h59"


def test_edit_from_tab_reloads(window, monkeypatch) -> None:
    tab = window.calendar_tab
    tab.select_session("2023-2024/S2/2")

    def fake_exec(dialog: SessionDialog) -> int:
        dialog.has_deadline.setChecked(True)
        dialog.deadline.setDateTime(QDateTime(QDate(2024, 8, 25), QTime(23, 59)))
        dialog.save()
        return dialog.result()

    monkeypatch.setattr(calendar_tab.SessionDialog, "exec", fake_exec)
    tab.edit_session()
    index = tab.model.index_of("2023-2024/S2/2")
    assert tab.model.data(index.siblingAtColumn(2)) == "dimanche 25 août 2024 à 23h59"
    assert index.data(SESSION_KEY_ROLE) == "2023-2024/S2/2"


def test_new_session_from_dialog(qtbot, db) -> None:
    dialog = SessionDialog(db, None, ["2023-2024"])
    qtbot.addWidget(dialog)
    dialog.year.setCurrentText("2024-2025")
    dialog.first_day.setDate(QDate(2025, 1, 20))
    dialog.last_day.setDate(QDate(2025, 2, 1))
    dialog.deadline.setDateTime(QDateTime(QDate(2025, 1, 5), QTime(23, 59)))
    dialog.save()
    assert dialog.saved is not None and dialog.saved.key == "2024-2025/S1/1"
    assert exam_calendar.get_session(db, "2024-2025/S1/1").first_day == dt.date(2025, 1, 20)


def test_geometry_and_last_tab_are_remembered(qtbot, db) -> None:
    first = MainWindow(db)
    qtbot.addWidget(first)
    first.show()
    first.show_tab("resultats")
    first.resize(1000, 700)
    first.close()
    second = MainWindow(db)
    qtbot.addWidget(second)
    assert second.tabs.currentWidget() is second.results_tab


def test_screenshot_command(cli, tmp_path) -> None:
    out = tmp_path / "calendrier.png"
    result = cli("screenshot", "--tab", "calendrier", "--out", str(out), env={"QT_QPA_PLATFORM": "offscreen"})
    assert result.code == 0, result
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_screenshot_of_the_demo_shows_the_demo_year(cli, tmp_path) -> None:
    """`--demo screenshot` fills the demo database on first use, as the window does: the README's pictures."""
    out = tmp_path / "demandes.png"
    result = cli("--demo", "screenshot", "--tab", "demandes", "--out", str(out), db=False, env={"QT_QPA_PLATFORM": "offscreen"})
    assert result.code == 0, result
    listed = cli("--demo", "requests", "--session", "2023-2024/S1/1", "--json", db=False)
    assert listed.code == 0, listed
    assert len(json.loads(listed.out)) >= 10


def test_preferences_set_the_clerk(qtbot, window, monkeypatch) -> None:
    from cnam_desk import settings
    from cnam_desk.ui import preferences

    def fake_exec(dialog) -> int:
        dialog.clerk.setText("m.dupont")
        dialog.save()
        return dialog.result()

    monkeypatch.setattr(preferences.PreferencesDialog, "exec", fake_exec)
    window._preferences()
    assert settings.workstation()["clerk"] == "m.dupont"
    assert window.db.clerk == "m.dupont"
    assert "m.dupont" in window.clerk_status.text()


def test_workstation_settings_are_one_store_with_declared_defaults(private_home) -> None:
    from cnam_desk import settings

    assert settings.workstation() == settings.WORKSTATION
    settings.save_workstation({"clerk": "m.dupont"})
    assert settings.workstation() == settings.WORKSTATION | {"clerk": "m.dupont"}
    with pytest.raises(KeyError):
        settings.save_workstation({"colour": "bleu"})
    assert not list(private_home.rglob("*.ini"))
