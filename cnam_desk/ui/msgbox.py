"""Every message box, file dialog and Enregistrer/Annuler box of the program goes through here, so tests can replace them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFileDialog, QMessageBox, QWidget

from cnam_desk import paths, settings


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


def last_folder() -> Path:
    """Where the next file dialog opens: the folder of the last file chosen, else the documents folder."""
    last = settings.workstation()["last_folder"]
    if last and Path(last).is_dir():
        return Path(last)
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(documents) if documents and Path(documents).is_dir() else Path.home()


def _remember(chosen: Path, *, is_folder: bool = False) -> Path:
    settings.save_workstation({"last_folder": str(chosen if is_folder else chosen.parent)})
    return chosen


def session_name(key: str) -> str:
    """A session key as a file name gives it: « 2024-2025/S1/1 » → « S1-1-2024-2025 » (session first, then the year)."""
    year, _slash, rest = key.partition("/")
    return paths.safe_file_name("-".join(filter(None, (rest.replace("/", "-"), year))) or key)


def suggested_path(suggested: str) -> str:
    """A bare suggested name, made safe on every system, in the last folder; a full path is kept."""
    if not suggested:
        return str(last_folder())
    path = Path(suggested)
    if path.is_absolute():
        return suggested
    return str(last_folder() / paths.safe_file_name(suggested))


def open_file(parent: QWidget | None, title: str, filters: str, folder: str = "") -> Path | None:
    """The file the clerk picks, or None when they cancel; opens in `folder` or the last folder used."""
    path, _filter = QFileDialog.getOpenFileName(parent, title, folder or str(last_folder()), filters)
    return _remember(Path(path)) if path else None


def save_file(parent: QWidget | None, title: str, suggested: str, filters: str) -> Path | None:
    """Where the clerk saves; `suggested` is a file name (put in the last folder used) or a full path."""
    path, _filter = QFileDialog.getSaveFileName(parent, title, suggested_path(suggested), filters)
    return _remember(Path(path)) if path else None


def directory(parent: QWidget | None, title: str) -> Path | None:
    path = QFileDialog.getExistingDirectory(parent, title, str(last_folder()))
    return _remember(Path(path), is_folder=True) if path else None


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
