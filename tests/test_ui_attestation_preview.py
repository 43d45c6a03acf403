"""Attestations from the Résultats tab: the pages are previewed first, then saved, printed or closed."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import func, select

from cnam_desk import printing
from cnam_desk.db.models import Attestation
from cnam_desk.grading import attestations, entry
from cnam_desk.ui import msgbox, pdf_preview, results_dialogs
from cnam_desk.ui.pdf_preview import AttestationPreviewDialog
from cnam_desk.ui.results_models import GradeTableModel
from tests.pdf_reading import page_texts
from tests.results_data import grade, seed
from tests.ui_support import results_tab_on

S1 = "2023-2024/S1/1"
pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support (propagateSizeHints|raise)\(\)")  # dialogs shown offscreen


def issued(db) -> int:
    with db.transaction() as s:
        return s.scalar(select(func.count()).select_from(Attestation))


@pytest.fixture
def previews(monkeypatch):
    """The preview is modal in the program; here it opens beside the tab so clicks reach it."""
    opened: list[AttestationPreviewDialog] = []

    def open_preview(dialog):
        opened.append(dialog)
        dialog.open()
        return 0

    monkeypatch.setattr(AttestationPreviewDialog, "exec", open_preview)
    monkeypatch.setattr(msgbox, "information", lambda *_a: None)
    return opened


@pytest.fixture
def tab(qtbot, db):
    seed(db)
    for index, number in enumerate(["100", "101", "102", "103", "104", "105"]):
        grade(db, S1, "NFA031", number, str(7 + index))
    entry.publish_by_keys(db, S1, "NFA031")
    widget = results_tab_on(qtbot, db, S1, "NFA031")
    numbers = [widget.proxy.index(r, 0).data() for r in range(widget.proxy.rowCount())]
    widget.grid.setFocus()
    widget.grid.setCurrentIndex(widget.proxy.index(numbers.index("104"), GradeTableModel.GRADE))  # 11/20
    return widget


def test_the_attestation_is_previewed_then_saved(qtbot, tab, db, tmp_path, previews) -> None:
    out = tmp_path / "attestation.pdf"
    asked: list[str] = []
    tab.ask_save_path = lambda title, suggested, filters: asked.append(suggested) or str(out)
    qtbot.mouseClick(tab.success_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(previews) == 1, timeout=15_000)  # the pages are drawn off the main thread
    assert asked == []  # no save dialog before the preview
    dialog = previews[0]
    assert dialog.page_count() >= 1
    assert issued(db) == 0  # a preview records nothing
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Attestation de réussite" in tab.message.text(), timeout=15_000)
    assert asked == ["attestation-reussite-104-Lukasiewicz-2023-2024.pdf"]
    text = " ".join(page_texts(out))
    assert "NFA031" in text and "Référence : AR-2023-2024-104-1" in text
    assert issued(db) == 1 and not dialog.isVisible()


def test_closing_the_preview_writes_nothing(qtbot, tab, db, tmp_path, previews) -> None:
    folder = tmp_path / "toutes"
    folder.mkdir()
    tab.ask_save_path = lambda *_a: pytest.fail("no save dialog on Fermer")
    tab.ask_folder = lambda *_a: pytest.fail("no folder dialog on Fermer")
    tab.all_success_action.trigger()
    qtbot.waitUntil(lambda: len(previews) == 1, timeout=15_000)  # the pages are drawn off the main thread
    dialog = previews[0]
    assert dialog.page_count() == 3  # 10, 11 and 12 out of 20
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert list(folder.iterdir()) == [] and issued(db) == 0


def test_printing_from_the_preview(qtbot, tab, db, monkeypatch, previews) -> None:
    sent: list[tuple[str, str]] = []

    def print_pdf(path, printer=None, title="", copies=1):
        sent.append((" ".join(page_texts(path)), printer))
        return "7"

    monkeypatch.setattr(pdf_preview, "ask_print_dialog",
                        lambda printer, parent, title="": pdf_preview.PrintChoice(printer, "Bureau-RDC", 1, None))
    monkeypatch.setattr(printing, "service_running", lambda: True)
    monkeypatch.setattr(printing, "print_pdf", print_pdf)
    qtbot.mouseClick(tab.success_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(previews) == 1, timeout=15_000)  # the pages are drawn off the main thread
    qtbot.mouseClick(previews[0].print_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not previews[0].isVisible(), timeout=15_000)  # written and sent off the main thread
    assert len(sent) == 1 and "AR-2023-2024-104-1" in sent[0][0] and sent[0][1] == "Bureau-RDC"
    assert issued(db) == 1


def test_m1_attestation_previewed_then_saved(qtbot, tab, db, tmp_path, previews) -> None:
    attestations.save_programme(db, "Master informatique", ["NFA031"], None)
    dialog = results_dialogs.M1Dialog(db, "105", "2023-2024")  # 12/20 in NFA031
    qtbot.addWidget(dialog)
    out = tmp_path / "m1.pdf"
    dialog.ask_save_path = lambda _suggested: str(out)
    qtbot.mouseClick(dialog.issue_button, Qt.MouseButton.LeftButton)
    assert previews and previews[0].page_count() >= 1 and not out.exists() and issued(db) == 0
    qtbot.mouseClick(previews[0].save_button, Qt.MouseButton.LeftButton)
    assert dialog.written == str(out) and "M1-2023-2024-105-1" in " ".join(page_texts(out))
    assert issued(db) == 1
