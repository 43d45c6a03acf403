"""The Calendrier tab's import preview when the file removes exams: in red, counted on Importer, confirmed once."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox

from cnam_desk.schedule import exam_calendar, planning
from cnam_desk.ui import msgbox
from cnam_desk.ui.import_dialogs import REMOVAL_COLOUR, SchedulePreviewDialog
from cnam_desk.ui.main_window import MainWindow
from tests.schedule_files import SESSION, plain_schedule, write_book, write_sheet
from tests.test_planning_office_files import OFFICE_MERGED, OFFICE_SHEET, THREE, seed_requests
from tests.test_ui_schedule import drop


def _preview(db, path):
    view = exam_calendar.get_session(db, SESSION)
    schedule = planning.read_schedule(path, view)
    dialog = SchedulePreviewDialog(schedule, planning.preview_schedule(db, schedule), view)
    dialog.setFixedSize(900, 560)  # fixed before showing: the offscreen platform cannot pass size hints on
    return dialog


def test_the_preview_shows_removals_in_red_and_asks_once(qtbot, db, tmp_path, monkeypatch) -> None:
    seed_requests(db, tmp_path)
    dialog = _preview(db, write_book(tmp_path / "moins.xlsx", plain_schedule([THREE[1]])))
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.import_button.text() == "Importer (2 suppressions)"
    assert not dialog.import_button.isDefault()
    assert dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel).isDefault()
    removed = dialog.models["removed"]
    assert removed.rowCount() == 2
    assert removed.data(removed.index(0, 0), Qt.ItemDataRole.ForegroundRole) == REMOVAL_COLOUR
    rests = {removed.data(removed.index(r, 0)): removed.data(removed.index(r, 5)) for r in range(2)}
    assert rests == {"NFA031": "1 demande, 1 aménagement", "RSX101": "1 note"}
    index = list(dialog.models).index("removed")
    assert dialog.tabs.tabBar().tabTextColor(index) == REMOVAL_COLOUR
    assert dialog.tabs.tabText(index) == "Suppressions (2)"

    asked: list[tuple[str, str]] = []
    answer = {"yes": False}

    def question(_parent, title: str, text: str) -> bool:
        asked.append((title, text))
        return answer["yes"]

    monkeypatch.setattr(msgbox, "question", question)
    dialog.import_button.click()
    assert dialog.result() != QDialog.DialogCode.Accepted and dialog.isVisible()  # « Non »: back to the preview
    (title, text), = asked
    assert title == "Supprimer des épreuves"
    assert "L'import supprimera 2 épreuves du planning de la session 2023-2024/S1/1" in text
    assert "NFA031 (Paris) du 22/01/2024 : 1 demande, 1 aménagement" in text
    assert "RSX101 (Paris) du 24/01/2024 : 1 note" in text
    assert "« à revoir »" in text
    answer["yes"] = True
    dialog.import_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted and len(asked) == 2


def test_a_preview_that_removes_nothing_keeps_importer_as_the_default(qtbot, db, tmp_path, monkeypatch) -> None:
    dialog = _preview(db, write_sheet(tmp_path / "planning.xlsx", OFFICE_SHEET, merged=OFFICE_MERGED))
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.import_button.text() == "Importer"
    assert dialog.import_button.isDefault()
    skipped = dialog.models["skipped"]
    texts = [skipped.data(skipped.index(r, 2)) for r in range(skipped.rowCount())]
    assert "Document non contractuel, sous réserve de modifications." in texts and "Total 3 épreuves" in texts
    monkeypatch.setattr(msgbox, "question", lambda *_a: (_ for _ in ()).throw(AssertionError("asked")))
    dialog.import_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted


def test_a_drop_that_removes_exams_is_confirmed_then_imported(qtbot, db, tmp_path, monkeypatch) -> None:
    seed_requests(db, tmp_path)
    said: list[str] = []
    monkeypatch.setattr(msgbox, "information", lambda _p, _title, text: said.append(text))
    monkeypatch.setattr(msgbox, "question", lambda *_a: True)

    def exec_(dialog: QDialog) -> int:
        dialog.import_button.click()  # the clerk presses Importer, then Oui
        return dialog.result()

    monkeypatch.setattr(SchedulePreviewDialog, "exec", exec_)
    window = MainWindow(db)
    qtbot.addWidget(window)
    window.show_tab("calendrier")  # each tab reads its data when first shown
    window.show()
    window.calendar_tab.select_session(SESSION)
    drop(qtbot, window.calendar_tab, write_book(tmp_path / "moins.xlsx", plain_schedule([THREE[1]])))
    qtbot.waitUntil(lambda: bool(said), timeout=20_000)
    assert "2 supprimées" in said[-1] and "1 demande à revoir" in said[-1]
    assert [e.ue for e in planning.list_exams(db, SESSION)] == ["NFA008"]
