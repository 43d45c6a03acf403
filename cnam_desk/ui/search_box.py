"""The student search box at the right of the menu bar: drawn with the window's frame, greyed until
the database is open (`cnam_desk.ui.student_dialog` then makes it search)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QMainWindow, QWidget

SHORTCUT = "Ctrl+K"


def search_corner(window: QMainWindow) -> QLineEdit:
    """The box, in the menu bar's top-right corner, not yet enabled."""
    box = QLineEdit(window)
    box.setObjectName("studentSearchBox")
    box.setPlaceholderText(f"Auditeur : n° ou nom ({SHORTCUT})")
    box.setClearButtonEnabled(True)
    box.setFixedWidth(max(box.fontMetrics().horizontalAdvance(box.placeholderText()) + 40, 240))
    box.setEnabled(False)
    # In a container: the menu bar places its corner by the size hint, which a bare field keeps small.
    corner = QWidget(window)
    layout = QHBoxLayout(corner)
    layout.setContentsMargins(0, 1, 4, 1)
    layout.addWidget(box)
    window.menuBar().setCornerWidget(corner, Qt.Corner.TopRightCorner)
    return box
