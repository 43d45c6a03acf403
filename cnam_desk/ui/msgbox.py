"""Every message box, file dialog and Enregistrer/Annuler box of the program goes through here, so tests can replace them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFileDialog, QMessageBox, QWidget


def information(parent: QWidget | None, title: str, text: str) -> None:
    QMessageBox.information(parent, title, text)


def warning(parent: QWidget | None, title: str, text: str) -> None:
    QMessageBox.warning(parent, title, text)


def error(parent: QWidget | None, title: str, text: str, details: str = "") -> None:
    box = QMessageBox(QMessageBox.Icon.Critical, title, text, QMessageBox.StandardButton.Ok, parent)
    if details:
        box.setDetailedText(details)
    box.exec()


def question(parent: QWidget | None, title: str, text: str) -> bool:
    answer = QMessageBox.question(
        parent, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No
    )
    return answer == QMessageBox.StandardButton.Yes


def open_file(parent: QWidget | None, title: str, filters: str, folder: str = "") -> Path | None:
    """The file the clerk picks, or None when they cancel."""
    path, _filter = QFileDialog.getOpenFileName(parent, title, folder, filters)
    return Path(path) if path else None


def save_file(parent: QWidget | None, title: str, suggested: str, filters: str) -> Path | None:
    path, _filter = QFileDialog.getSaveFileName(parent, title, suggested, filters)
    return Path(path) if path else None


def directory(parent: QWidget | None, title: str) -> Path | None:
    path = QFileDialog.getExistingDirectory(parent, title)
    return Path(path) if path else None


def save_cancel(
    dialog: QDialog, on_save: Callable[[], object], *, save_text: str = "Enregistrer", ok: bool = False
) -> QDialogButtonBox:
    """The dialog's Enregistrer/Annuler box: `on_save` on the first (named `save_text`), Annuler closes.

    `ok=True` makes the first button an Ok button (an action such as Importer rather than saving).
    """
    first = QDialogButtonBox.StandardButton.Ok if ok else QDialogButtonBox.StandardButton.Save
    buttons = QDialogButtonBox(first | QDialogButtonBox.StandardButton.Cancel, dialog)
    buttons.button(first).setText(save_text)
    buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Annuler")
    buttons.accepted.connect(on_save)
    buttons.rejected.connect(dialog.reject)
    return buttons
