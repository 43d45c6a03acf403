"""The Résultats tab: grade entry, session 2, publication and attestations."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from cnam_desk.db.engine import Database
from cnam_desk.ui.placeholder import ComingSoon


class ResultsTab(QWidget):
    def __init__(self, db: Database, parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        layout = QVBoxLayout(self)
        layout.addWidget(ComingSoon("La saisie des notes et les résultats ne sont pas encore disponibles dans cette version.", self))
