"""Files dropped on a widget: accept local files with the wanted extensions and hand over their paths."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent

SPREADSHEETS = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")


def dropped_files(event: QDropEvent | QDragEnterEvent | QDragMoveEvent, suffixes: Iterable[str]) -> list[Path]:
    mime = event.mimeData()
    if mime is None or not mime.hasUrls():
        return []
    wanted = tuple(s.lower() for s in suffixes)
    paths = [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]
    return [p for p in paths if p.suffix.lower() in wanted]


class FileDropFilter(QObject):
    """Install on any widget: it accepts drags of matching files and calls `on_drop(paths, event)`."""

    def __init__(self, suffixes: Iterable[str], on_drop: Callable[[list[Path], QDropEvent], None], parent: QObject):
        super().__init__(parent)
        self.suffixes = tuple(suffixes)
        self.on_drop = on_drop

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        kind = event.type()
        if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            if dropped_files(event, self.suffixes):  # type: ignore[arg-type]
                event.acceptProposedAction()  # type: ignore[attr-defined]
                return True
        elif kind == QEvent.Type.Drop:
            paths = dropped_files(event, self.suffixes)  # type: ignore[arg-type]
            if paths:
                event.acceptProposedAction()  # type: ignore[attr-defined]
                self.on_drop(paths, event)  # type: ignore[arg-type]
                return True
        return False
