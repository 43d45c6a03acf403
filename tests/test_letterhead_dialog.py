"""The letterhead settings dialog: edits saved for every workstation, refusals shown in the dialog."""

from __future__ import annotations

from pathlib import Path

import pytest

from cnam_desk import office
from cnam_desk.documents import Letterhead
from cnam_desk.ui import letterhead_dialog
from cnam_desk.ui.letterhead_dialog import LetterheadDialog


@pytest.fixture
def logo(tmp_path):
    from PIL import Image

    path = tmp_path / "logo.png"
    Image.new("RGB", (300, 120), (190, 0, 30)).save(path)
    return path


def test_the_form_shows_the_defaults_and_a_sample_letter(qtbot, db):
    dialog = LetterheadDialog(db)
    qtbot.addWidget(dialog)
    assert dialog.office_name.text() == "Service des examens"
    assert dialog.address.toPlainText() == "292 rue Saint-Martin\n75003 Paris"
    assert dialog.signatory_title.text() == "La responsable du service des examens"
    assert dialog.document.pageCount() == 1
    assert "Zoë Lefèvre-Dupré" in dialog.document.getAllText(0).text()
    assert dialog.logo.text() == "aucun logo" and not dialog.remove_logo.isEnabled()


def test_edits_and_a_logo_are_saved_for_every_workstation(qtbot, db, logo, monkeypatch):
    monkeypatch.setattr(letterhead_dialog, "ask_logo_path", lambda parent: str(logo))
    dialog = LetterheadDialog(db)
    qtbot.addWidget(dialog)
    dialog.signatory_name.setText("Claire O'Connor")
    dialog.phone.setText("01 40 27 20 00")
    qtbot.mouseClick(dialog.choose_logo, letterhead_dialog.Qt.MouseButton.LeftButton)
    assert dialog.remove_logo.isEnabled() and not dialog.logo.pixmap().isNull()
    dialog.refresh_preview()
    assert "Claire O'Connor" in dialog.document.getAllText(0).text()
    with qtbot.waitSignal(dialog.accepted):
        dialog.save()
    saved = office.get_letterhead(db)
    assert saved.signatory_name == "Claire O'Connor" and saved.phone == "01 40 27 20 00"
    assert saved.logo_path and Path(saved.logo_path).read_bytes() == logo.read_bytes()
    again = LetterheadDialog(db)
    qtbot.addWidget(again)
    qtbot.mouseClick(again.remove_logo, letterhead_dialog.Qt.MouseButton.LeftButton)
    again.save()
    assert office.get_letterhead(db).logo_path is None


def test_a_refused_letterhead_says_why_in_the_dialog_and_saves_nothing(qtbot, db):
    dialog = LetterheadDialog(db)
    qtbot.addWidget(dialog)
    dialog.city.setText("")
    dialog.save()
    assert "la ville" in dialog.error.text()
    assert dialog.result() == 0
    assert office.get_letterhead(db) == Letterhead()
    dialog.city.setText("Paris")
    dialog.refresh_preview()
    assert dialog.error.text() == ""
