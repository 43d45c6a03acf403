"""File dialogs: Qt's own words in French, the next dialog in the folder of the last choice, safe suggested names."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QFileDialog, QLabel, QPushButton

from cnam_desk import settings
from cnam_desk.schedule import planning
from cnam_desk.ui import app, msgbox
from cnam_desk.ui.main_window import MainWindow
from tests.schedule_files import SESSION, plain_schedule, write_book

ROWS = [["NFA031", "Java", "22/01/2024", "18h", "21h", "Amphi A", "Paris"]]


class Dialogs:
    """Qt's file dialogs replaced: what each was opened on, and the clerk's answer."""

    def __init__(self) -> None:
        self.opened: list[tuple[str, str]] = []  # (kind, folder or suggested path)
        self.answers: list[str] = []

    def answer(self, kind: str, start: str) -> str:
        self.opened.append((kind, start))
        return self.answers.pop(0) if self.answers else ""


@pytest.fixture
def dialogs(monkeypatch) -> Dialogs:
    seen = Dialogs()
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda _p, _t, start, _f: (seen.answer("open", start), ""))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda _p, _t, start, _f: (seen.answer("save", start), ""))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda _p, _t, start: seen.answer("folder", start))
    for kind in ("information", "warning"):
        monkeypatch.setattr(msgbox, kind, lambda *_args: None)
    return seen


def test_qt_words_are_french(qapp) -> None:
    app.application()
    assert QCoreApplication.translate("QFileDialog", "Look in:") == "Voir dans\N{NO-BREAK SPACE}:"
    dialog = QFileDialog(None, "Choisir")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    labels = [label.text() for label in dialog.findChildren(QLabel) if label.text()]
    assert labels == ["&Voir dans\N{NO-BREAK SPACE}:", "&Nom de fichier\N{NO-BREAK SPACE}:", "Fichiers de &type\N{NO-BREAK SPACE}:"]
    assert "Annuler" in [button.text() for button in dialog.findChildren(QPushButton)]
    dialog.deleteLater()


def test_next_dialog_opens_in_the_last_folder(qtbot, db, dialogs, tmp_path) -> None:
    planning.import_schedule(db, write_book(tmp_path / "p.xlsx", plain_schedule(ROWS)), SESSION)
    window = MainWindow(db)
    qtbot.addWidget(window)
    window.show_tab("calendrier")  # a tab reads its data when first shown
    window.show()
    window.calendar_tab.select_session(SESSION)
    chosen = tmp_path / "exports" / "planning.ics"
    chosen.parent.mkdir()
    dialogs.answers.append(str(chosen))
    window.calendar_tab.export_action.trigger()
    kind, suggested = dialogs.opened[0]
    assert kind == "save" and Path(suggested).name == "planning-S1-1-2023-2024.ics"
    assert Path(suggested).parent != Path.cwd()  # never the program's folder
    assert chosen.exists()

    window.calendar_tab.import_schedule_action.trigger()  # the clerk cancels this one
    assert dialogs.opened[1] == ("open", str(chosen.parent))
    window.calendar_tab.attendance_action.trigger()
    assert dialogs.opened[2] == ("folder", str(chosen.parent))
    assert settings.workstation()["last_folder"] == str(chosen.parent)


def test_suggested_names_are_safe_everywhere(tmp_path) -> None:
    settings.save_workstation({"last_folder": str(tmp_path)})
    assert msgbox.session_name("2024-2025/S1/1") == "S1-1-2024-2025"
    assert msgbox.suggested_path("attestation-104-Lefèvre d'Ormesson.pdf") == str(tmp_path / "attestation-104-Lefevre-d-Ormesson.pdf")
    assert msgbox.suggested_path(str(tmp_path / "déjà là.sqlite3")) == str(tmp_path / "déjà là.sqlite3")  # a full path is kept
    settings.save_workstation({"last_folder": str(tmp_path / "gone")})
    assert Path(msgbox.suggested_path("x.pdf")).parent != tmp_path / "gone"  # a folder since removed is not offered
