"""Catalogue des UE, offscreen: typing titles and credits, saving them together, a refusal, a conflict, the import."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QDialog, QLineEdit

from cnam_desk.database import open_database
from cnam_desk.db.models import CourseUnit
from cnam_desk.schedule import unit_catalogue
from cnam_desk.schedule.unit_catalogue import UnitEdit
from cnam_desk.ui import msgbox
from cnam_desk.ui.import_dialogs import UnitsPreviewDialog
from cnam_desk.ui.main_window import MainWindow
from cnam_desk.ui.units_dialog import UnitsDialog, UnitsModel
from tests.schedule_files import write_book


class Said(list):
    """The message boxes shown, as (title, text); `answers` are the clerk's answers to the questions, in turn."""

    def __init__(self) -> None:
        super().__init__()
        self.answers: list[bool] = []


@pytest.fixture
def said(monkeypatch):
    """Message boxes are recorded, never shown; questions are answered from `said.answers`."""
    shown = Said()
    for name in ("information", "warning", "error"):
        monkeypatch.setattr(msgbox, name, lambda _parent, title, text, *_a, **_k: shown.append((title, text)))
    monkeypatch.setattr(msgbox, "question", lambda _parent, title, text: shown.append((title, text)) or shown.answers.pop(0))
    return shown


@pytest.fixture
def catalogue(db):
    with db.transaction() as s:
        s.add_all([CourseUnit(code="NFA031", title="Java", ects=None), CourseUnit(code="NFA008", title="Bases", ects=6),
                   CourseUnit(code="STA001", title="Statistique", ects=4)])  # fmt: skip
    return db


@pytest.fixture
def dialog(qtbot, catalogue, said):
    widget = UnitsDialog(catalogue)
    qtbot.addWidget(widget)
    widget.setFixedSize(900, 560)  # fixed before showing: the offscreen platform cannot pass size hints on
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.model.pending.clear()  # closed at the end of the test without asking


def held(db) -> dict[str, tuple[str, Decimal | None]]:
    return {u.code: (u.title, u.ects) for u in unit_catalogue.list_units(db)}


def row_of(dialog, code: str) -> int:
    return next(r for r in range(dialog.proxy.rowCount()) if dialog.proxy.index(r, UnitsModel.CODE).data() == code)


def type_into(qtbot, dialog, code: str, column: int, text: str) -> None:
    dialog.table.setFocus()
    dialog.table.setCurrentIndex(dialog.proxy.index(row_of(dialog, code), column))
    qtbot.keyClick(dialog.table, Qt.Key.Key_F2)  # the editor opens on the cell, with its text
    editors = [e for e in dialog.table.findChildren(QLineEdit) if e.isVisible()]
    assert len(editors) == 1
    editors[0].selectAll()
    qtbot.keyClicks(editors[0], text)
    qtbot.keyClick(editors[0], Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.table.state() != QAbstractItemView.State.EditingState)  # committed, closed


def test_the_model_passes_the_model_tester(qtmodeltester, dialog) -> None:
    qtmodeltester.check(dialog.model)
    qtmodeltester.check(dialog.proxy)


def test_the_catalogue_lists_codes_titles_and_credits(dialog) -> None:
    rows = [[dialog.proxy.index(r, c).data() for c in range(3)] for r in range(dialog.proxy.rowCount())]
    assert rows == [["NFA008", "Bases", "6"], ["NFA031", "Java", "non renseignés"], ["STA001", "Statistique", "4"]]
    assert "3 UE dans le catalogue ; 1 UE aux crédits non renseignés" in dialog.status.text()
    assert not dialog.save_button.isEnabled()
    dialog.search.setText("stat")
    assert dialog.proxy.rowCount() == 1


def test_titles_and_credits_typed_are_saved_together(qtbot, dialog, catalogue) -> None:
    type_into(qtbot, dialog, "NFA031", UnitsModel.ECTS, "6 ECTS")
    type_into(qtbot, dialog, "NFA031", UnitsModel.TITLE, "Programmation avec Java")
    type_into(qtbot, dialog, "STA001", UnitsModel.ECTS, "4,5")
    assert held(catalogue)["NFA031"] == ("Java", None)  # nothing written before Enregistrer
    assert dialog.save_button.text() == "Enregistrer (2 UE)"
    index = dialog.proxy.index(row_of(dialog, "STA001"), UnitsModel.ECTS)
    assert index.data() == "4,5" and index.data(Qt.ItemDataRole.BackgroundRole) is not None
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert held(catalogue) == {"NFA008": ("Bases", Decimal(6)), "NFA031": ("Programmation avec Java", Decimal(6)),
                               "STA001": ("Statistique", Decimal("4.5"))}  # fmt: skip
    assert "2 UE enregistrées" in dialog.status.text() and not dialog.save_button.isEnabled()


def test_what_cannot_be_kept_is_refused_on_the_spot(qtbot, dialog) -> None:
    type_into(qtbot, dialog, "NFA008", UnitsModel.ECTS, "six")
    assert "UE NFA008 : crédits ECTS « six » illisibles" in dialog.status.text()
    type_into(qtbot, dialog, "NFA008", UnitsModel.TITLE, "  ")
    assert "l'intitulé ne peut pas être vide" in dialog.status.text()
    assert dialog.model.pending == {}
    # Typing the old value back leaves nothing to save.
    type_into(qtbot, dialog, "NFA008", UnitsModel.ECTS, "7")
    type_into(qtbot, dialog, "NFA008", UnitsModel.ECTS, "6")
    assert dialog.model.pending == {} and not dialog.save_button.isEnabled()


def test_a_change_by_another_clerk_meanwhile_is_not_overwritten(qtbot, dialog, catalogue, database_url, said) -> None:
    type_into(qtbot, dialog, "NFA031", UnitsModel.ECTS, "6")
    other = open_database(database_url, clerk="greffier.b")
    try:
        version = next(u.version for u in unit_catalogue.list_units(other) if u.code == "NFA031")
        unit_catalogue.save_units(other, [UnitEdit("NFA031", "Java", Decimal(3), version)])
    finally:
        other.dispose()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert said and "modifiée par greffier.b" in said[-1][1]
    assert held(catalogue)["NFA031"] == ("Java", Decimal(3))
    assert dialog.proxy.index(row_of(dialog, "NFA031"), UnitsModel.ECTS).data() == "3"  # reloaded


def test_closing_with_changes_not_saved_asks_first(qtbot, dialog, said) -> None:
    type_into(qtbot, dialog, "NFA031", UnitsModel.ECTS, "6")
    said.answers.append(False)
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "1 UE modifiée n’est pas enregistrée" in said[-1][1]
    said.answers.append(True)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_the_import_is_previewed_then_written(qtbot, dialog, catalogue, tmp_path, monkeypatch, said) -> None:
    path = write_book(tmp_path / "catalogue.xlsx", [["Code UE", "Intitulé", "Crédits"], ["NFA031", "Java", "6"],
                                                   ["NFA008", "Bases", "3"], ["RSX101", "Réseaux", "6"],
                                                   ["UTC501", "Maths", "beaucoup"]])  # fmt: skip
    monkeypatch.setattr(msgbox, "open_file", lambda *_args: path)
    previews: list[tuple[dict[str, int], str]] = []

    def exec_(preview: UnitsPreviewDialog) -> int:  # what the clerk sees, then Importer
        previews.append(({name: model.rowCount() for name, model in preview.models.items()}, preview.import_button.text()))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(UnitsPreviewDialog, "exec", exec_)
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(said), timeout=20_000)
    [(tabs, button)] = previews
    assert tabs == {"created": 1, "updated": 2, "errors": 1, "skipped": 0}
    assert button == "Importer sans les lignes en erreur (2 UE modifiées)"
    assert said[-1][0] == "Import terminé" and "1 UE créée, 2 UE modifiées" in said[-1][1]
    assert held(catalogue)["NFA008"] == ("Bases", Decimal(3)) and held(catalogue)["RSX101"] == ("Réseaux", Decimal(6))
    assert dialog.model.rowCount() == 4


def test_the_catalogue_is_in_the_edit_menu_of_the_window(qtbot, catalogue, monkeypatch) -> None:
    window = MainWindow(catalogue)
    qtbot.addWidget(window)
    opened: list[UnitsDialog] = []
    monkeypatch.setattr(UnitsDialog, "exec", lambda self: opened.append(self) or 0)
    [action] = [a for a in window.menu("Édition").actions() if a.text().startswith("Catalogue des UE")]
    action.trigger()
    assert len(opened) == 1 and opened[0].model.rowCount() == 3
