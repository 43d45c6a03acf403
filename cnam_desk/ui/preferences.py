"""This workstation's preferences: the clerk's name and the database to open."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from cnam_desk import settings
from cnam_desk.db.engine import current_clerk
from cnam_desk.ui import msgbox


class PreferencesDialog(QDialog):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Préférences du poste")
        values = settings.workstation()
        self.clerk = QLineEdit(values.get("clerk", ""), self)
        self.clerk.setPlaceholderText(current_clerk())
        self.database = QLineEdit(values.get("database", ""), self)
        self.database.setPlaceholderText("base locale de l'utilisateur")
        form = QFormLayout()
        form.addRow("Nom de l'agent (journal des modifications)", self.clerk)
        form.addRow("Base de données (fichier ou URL PostgreSQL)", self.database)
        note = QLabel(
            "Le nom de l'agent est celui de la session de l'ordinateur tant qu'il n'est pas renseigné ici. "
            "Un changement de base prend effet au prochain démarrage.",
            self,
        )
        note.setWordWrap(True)
        buttons = msgbox.save_cancel(self, self.save)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def save(self) -> None:
        settings.save_workstation(
            {"clerk": self.clerk.text().strip(), "database": self.database.text().strip()}
        )
        self.accept()
