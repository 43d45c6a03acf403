"""The Calendrier tab's widgets and their layout: the sessions on the left, the schedule on the right."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from cnam_desk.ui.calendar_sessions import SessionDetails, SessionTreeModel
from cnam_desk.ui.schedule_view import SchedulePanel
from cnam_desk.ui.table_columns import remember_columns


class CalendarView(QWidget):
    """The tab as the clerk sees it; what each widget does is wired by the controller."""

    session_selected = Signal(str)
    schedule_changed = Signal(str)  # a session's exams were imported

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = SessionTreeModel(self)
        self.tree = QTreeView(self)
        self.tree.setObjectName("sessionTree")
        self.tree.setModel(self.model)
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        remember_columns(self.tree, "sessionTree", stretch=0)

        self.details = SessionDetails(self)
        self.new_button = QPushButton("Nouvelle session…", self)
        self.edit_button = QPushButton("Modifier la session…", self)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.edit_button)
        buttons.addStretch(1)
        self.drop_hint = QLabel("Déposez ici un planning ou des inscriptions (.xlsx) : un aperçu s'affiche avant tout enregistrement.", self)
        self.drop_hint.setObjectName("dropHint")
        self.drop_hint.setWordWrap(True)
        self.drop_hint.setStyleSheet("color: #4b5563;")

        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.tree, 3)
        left_layout.addLayout(buttons)
        left_layout.addWidget(self.details)
        left_layout.addWidget(self.drop_hint)

        self.schedule = SchedulePanel(self)
        self.right = QWidget(self)
        self.right_layout = QVBoxLayout(self.right)
        self.right_layout.setContentsMargins(0, 0, 0, 0)
        self.right_layout.addWidget(self.schedule)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.right)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([470, 800])
        layout = QVBoxLayout(self)
        layout.addWidget(self.splitter)
