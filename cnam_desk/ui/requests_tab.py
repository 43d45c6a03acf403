"""The Demandes tab: the queue of requests, reviewed one by one."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from cnam_desk.db.engine import Database
from cnam_desk.ui.placeholder import ComingSoon


class RequestsTab(QWidget):
    def __init__(self, db: Database, parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        layout = QVBoxLayout(self)
        layout.addWidget(
            ComingSoon("La file des demandes d'aménagement n'est pas encore disponible dans cette version.", self)
        )
