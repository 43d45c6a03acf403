"""Preview dialogs of the imports: what the file says, what would change, each row in error; nothing written yet."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTabWidget, QVBoxLayout, QWidget

from cnam_desk import frenchdates
from cnam_desk.importing import RowError, count
from cnam_desk.schedule.enrolments import EnrolmentFile, EnrolmentPreview
from cnam_desk.schedule.exam_calendar import SessionView
from cnam_desk.schedule.planning import ScheduleFile, SchedulePreview
from cnam_desk.schedule.unit_catalogue import credits_text
from cnam_desk.schedule.units import FIELD_LABELS, UnitFile, UnitPreview
from cnam_desk.ui import msgbox
from cnam_desk.ui.schedule_models import Column, RowsModel, slot_text
from cnam_desk.ui.schedule_view import read_only_table
from cnam_desk.ui.table_columns import remember_columns

ERROR_COLUMNS = (
    Column("Feuille", lambda e: e.sheet or ""),
    Column("Ligne", lambda e: "" if e.row is None else str(e.row), key=lambda e: (e.sheet or "", e.row or 0)),
    Column("Colonne", lambda e: e.column or ""),
    Column("Raison", lambda e: e.message),
)


def _where(row: Any) -> str:
    return f"{row.sheet}, ligne {row.row}"


class ImportPreviewDialog(QDialog):
    """The common frame: a heading, counts, one tab per kind of change, Importer / Annuler."""

    def __init__(self, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(900, 560)
        self.heading = QLabel(self)
        self.heading.setObjectName("previewHeading")
        self.heading.setWordWrap(True)
        self.counts = QLabel(self)
        self.counts.setObjectName("previewCounts")
        self.counts.setWordWrap(True)
        self.warning = QLabel(self)
        self.warning.setObjectName("previewWarning")
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #991b1b;")
        self.warning.hide()
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("previewTabs")
        self.models: dict[str, RowsModel] = {}
        self.error_rows = 0
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.import_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.import_button.setText("Importer")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Annuler")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.counts)
        layout.addWidget(self.warning)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.buttons)

    def add_tab(
        self, name: str, title: str, columns: Sequence[Column], rows: Sequence[Any], model_class: type[RowsModel] = RowsModel
    ) -> None:
        model = model_class(columns, self)
        model.set_rows(rows)
        view = read_only_table(self, f"preview_{name}")
        view.setModel(model)
        view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # the file's order first
        view.setSortingEnabled(True)
        remember_columns(view, f"preview_{name}")
        self.models[name] = model
        self.tabs.addTab(view, f"{title} ({len(rows)})")

    def set_errors(self, errors: Sequence[RowError], consequence: str) -> None:
        self.add_tab("errors", "Erreurs", ERROR_COLUMNS, errors)
        self.error_rows = len({(error.sheet, error.row) for error in errors})
        if errors:
            rows = len({(error.sheet, error.row) for error in errors})  # a row may have several errors
            self.warning.setText(
                f"{count(rows, 'ligne en erreur ne sera pas importée', 'lignes en erreur ne seront pas importées')}"
                f" ; {consequence} Corrigez le fichier et déposez-le à nouveau pour les importer."
            )
            self.warning.show()
            self.import_button.setText("Importer sans les lignes en erreur")

    def open_first_filled_tab(self) -> None:
        """Open on the first tab with something in it, so the clerk sees at once what would happen."""
        for index, model in enumerate(self.models.values()):
            if model.rowCount():
                self.tabs.setCurrentIndex(index)
                break

    def nothing_to_do(self, text: str, *, rows_read: int = 0) -> None:
        if rows_read and self.error_rows >= rows_read:
            # Every row is in error: « already up to date » would hide that nothing could be read.
            text = "Aucune ligne à importer : les lignes lues sont toutes en erreur."
        self.counts.setText(self.counts.text() + f"<br><b>{text}</b>")
        self.import_button.setEnabled(False)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Fermer")


REMOVAL_COLOUR = QColor("#b91c1c")
SKIPPED_COLUMNS = (
    Column("Feuille", lambda line: line.sheet),
    Column("Ligne", lambda line: str(line.row), key=lambda line: (line.sheet, line.row)),
    Column("Texte", lambda line: line.text),
)


class RemovalsModel(RowsModel):
    """The exams an import removes, in red."""

    def data(self, index: Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole and index.isValid():
            return REMOVAL_COLOUR
        return super().data(index, role)


def _resting_text(preview: SchedulePreview) -> dict[int, str]:
    return {item.exam.id: item.what() for item in preview.resting}


def removal_question(preview: SchedulePreview, session_key: str) -> str:
    """The one confirmation the clerk answers before exams are removed: what rests on them."""
    removed = len(preview.removed)
    text = f"L'import supprimera {count(removed, 'épreuve', 'épreuves')} du planning de la session {session_key}."
    if preview.resting:
        lines = "\n".join(f"• {item.describe()}" for item in preview.resting[:15])
        if len(preview.resting) > 15:
            lines += f"\n• … et {len(preview.resting) - 15} autres"
        text += (
            f"\n\nSur {count(len(preview.resting), 'l’une d’elles reposent', 'certaines reposent')} des demandes, "
            f"des aménagements ou des notes :\n{lines}\n\nLes demandes concernées seront marquées « à revoir »."
        )
    else:
        text += " Aucune demande, aucun aménagement ni aucune note n'en dépend."
    return text + "\n\nSupprimer ces épreuves et importer le fichier ?"


class SchedulePreviewDialog(ImportPreviewDialog):
    def __init__(
        self, schedule: ScheduleFile, preview: SchedulePreview, session: SessionView, parent: QWidget | None = None
    ):
        super().__init__("Aperçu de l'import du planning", parent)
        self.schedule = schedule
        self.preview = preview
        sheets = ", ".join(f"« {name} »" for name in schedule.sheets)
        self.heading.setText(
            f"Fichier <b>{schedule.file_name}</b> → session <b>{session.key}</b> "
            f"({session.title.lower()} de {session.year}, du {frenchdates.short_date(session.first_day)} "
            f"au {frenchdates.short_date(session.last_day)})<br>"
            f"{count(schedule.rows_read, 'ligne lue', 'lignes lues')} "
            f"({count(len(schedule.sheets), 'feuille', 'feuilles')} : {sheets})"
        )
        counts = preview.counts()
        text = (
            f"À ajouter : <b>{counts['added']}</b> &nbsp;·&nbsp; à modifier : <b>{counts['updated']}</b> "
            f"&nbsp;·&nbsp; à supprimer : <b>{counts['removed']}</b> &nbsp;·&nbsp; inchangées : {counts['unchanged']}"
        )
        if preview.new_units:
            shown = ", ".join(preview.new_units[:12]) + (" …" if len(preview.new_units) > 12 else "")
            text += f"<br>UE inconnues, créées avec l'intitulé du fichier : {shown}"
        self.counts.setText(text)
        self.add_tab(
            "added", "Ajouts",
            (Column("UE", lambda e: e.ue), Column("Intitulé", lambda e: e.title),
             Column("Date", lambda e: frenchdates.short_date(e.date), key=lambda e: (e.date, e.start)),
             Column("Horaire", slot_text, key=lambda e: (e.start, e.end)), Column("Salle", lambda e: e.room),
             Column("Centre", lambda e: e.centre), Column("Ligne", _where, key=lambda e: (e.sheet, e.row))),
            preview.added,
        )  # fmt: skip
        self.add_tab(
            "changed", "Modifications",
            (Column("UE", lambda c: c.held.ue), Column("Centre", lambda c: c.held.centre),
             Column("Changements", lambda c: ", ".join(f.describe() for f in c.changes)),
             Column("Ligne", lambda c: _where(c.new), key=lambda c: (c.new.sheet, c.new.row))),
            preview.changed,
        )  # fmt: skip
        resting = _resting_text(preview)
        self.add_tab(
            "removed", "Suppressions",
            (Column("UE", lambda e: e.ue), Column("Centre", lambda e: e.centre),
             Column("Date", lambda e: frenchdates.short_date(e.date), key=lambda e: (e.date, e.start)),
             Column("Horaire", slot_text, key=lambda e: (e.start, e.end)), Column("Salle", lambda e: e.room),
             Column("Repose dessus", lambda e: resting.get(e.id, ""))),
            preview.removed, RemovalsModel,
        )  # fmt: skip
        self.set_errors(
            preview.errors, "les épreuves déjà enregistrées pour les UE de ces lignes sont conservées telles quelles."
        )
        self.add_tab("skipped", "Lignes ignorées", SKIPPED_COLUMNS, preview.skipped)
        self.session_key = session.key
        if preview.removed:
            self._warn_removals()
        if not preview.has_changes and not preview.new_units:
            self.nothing_to_do("Le planning de la session est déjà à jour : rien à changer.", rows_read=schedule.rows_read)
        self.open_first_filled_tab()

    def _warn_removals(self) -> None:
        """Removals in red, counted on Importer, which is then not the button Entrée presses."""
        removed = len(self.preview.removed)
        index = list(self.models).index("removed")
        self.tabs.tabBar().setTabTextColor(index, REMOVAL_COLOUR)
        self.import_button.setText(
            f"{self.import_button.text()} ({count(removed, 'suppression', 'suppressions')})"
        )
        self.import_button.setDefault(False)
        self.import_button.setAutoDefault(False)
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAutoDefault(True)
        cancel.setDefault(True)
        self.counts.setText(
            self.counts.text().replace(
                f"à supprimer : <b>{removed}</b>", f"<span style='color: #b91c1c'>à supprimer : <b>{removed}</b></span>"
            )
        )

    def accept(self) -> None:
        """Importer: exams to remove are confirmed once, naming what rests on them."""
        if self.preview.removed and not msgbox.question(
            self, "Supprimer des épreuves", removal_question(self.preview, self.session_key)
        ):
            return
        super().accept()


class EnrolmentPreviewDialog(ImportPreviewDialog):
    def __init__(self, file: EnrolmentFile, preview: EnrolmentPreview, parent: QWidget | None = None):
        super().__init__("Aperçu de l'import des inscriptions", parent)
        self.file = file
        self.preview = preview
        self.heading.setText(
            f"Fichier <b>{file.file_name}</b> → inscriptions de l'année <b>{file.year}</b><br>"
            f"{count(file.rows_read, 'ligne lue', 'lignes lues')}, "
            f"{count(len(file.students), 'auditeur', 'auditeurs')}"
        )
        counts = preview.counts()
        text = (
            f"Auditeurs à ajouter : <b>{counts['students_added']}</b> &nbsp;·&nbsp; à mettre à jour : "
            f"<b>{counts['students_updated']}</b> &nbsp;·&nbsp; inscriptions à ajouter : "
            f"<b>{counts['enrolments_added']}</b> &nbsp;·&nbsp; lignes inchangées : {counts['unchanged']}"
        )
        if preview.new_units:
            text += f"<br>UE inconnues, créées : {', '.join(preview.new_units[:12])}"
        self.counts.setText(text)
        self.add_tab(
            "students_added", "Auditeurs ajoutés",
            (Column("N° d'auditeur", lambda s: s.number), Column("Nom", lambda s: s.last_name),
             Column("Prénom", lambda s: s.first_name), Column("Email", lambda s: s.email),
             Column("Ligne", _where, key=lambda s: (s.sheet, s.row))),
            preview.students_added,
        )  # fmt: skip
        labels = {"last_name": "nom", "first_name": "prénom", "email": "email", "postal_address": "adresse"}
        self.add_tab(
            "students_updated", "Auditeurs mis à jour",
            (Column("N° d'auditeur", lambda u: u[0].number), Column("Nom", lambda u: u[0].last_name),
             Column("Changements", lambda u: ", ".join(
                 f"{labels[name]} : {getattr(u[0], name) or '—'} → {value}".replace("\n", " ") for name, value in u[1].items()
             ))),
            preview.students_updated,
        )  # fmt: skip
        self.add_tab(
            "enrolments_added", "Inscriptions ajoutées",
            (Column("N° d'auditeur", lambda p: p[0]), Column("UE", lambda p: p[1])),
            preview.enrolments_added,
        )  # fmt: skip
        self.set_errors(preview.errors, "les auditeurs de ces lignes ne sont ni créés ni modifiés par elles.")
        if not preview.has_changes and not preview.new_units:
            self.nothing_to_do("Les inscriptions sont déjà à jour : rien à changer.", rows_read=file.rows_read)
        self.open_first_filled_tab()


class UnitsPreviewDialog(ImportPreviewDialog):
    """The UE catalogue read from a file: the UEs created, every title and credits changed (old → new)."""

    def __init__(self, file: UnitFile, preview: UnitPreview, parent: QWidget | None = None):
        super().__init__("Aperçu de l'import du catalogue des UE", parent)
        self.file = file
        self.preview = preview
        self.heading.setText(
            f"Fichier <b>{file.file_name}</b> → catalogue des UE<br>"
            f"{count(file.rows_read, 'ligne lue', 'lignes lues')}, {count(len(file.units), 'UE', 'UE')}"
        )
        counts = preview.counts()
        self.counts.setText(
            f"UE à créer : <b>{counts['created']}</b> &nbsp;·&nbsp; à modifier : <b>{counts['updated']}</b> "
            f"&nbsp;·&nbsp; inchangées : {counts['unchanged']}"
        )
        self.add_tab(
            "created", "UE créées",
            (Column("UE", lambda u: u.code), Column("Intitulé", lambda u: u.title),
             Column("Crédits ECTS", lambda u: credits_text(u.ects) or "non renseignés"),
             Column("Ligne", _where, key=lambda u: (u.sheet, u.row))),
            preview.created,
        )  # fmt: skip
        self.add_tab(
            "updated", "Modifications",
            (Column("UE", lambda c: c.code), Column("Champ", lambda c: FIELD_LABELS[c.field]),
             Column("Avant", lambda c: _value(c.field, c.old)), Column("Après", lambda c: _value(c.field, c.new))),
            preview.updated,
        )  # fmt: skip
        self.set_errors(file.errors, "les UE de ces lignes ne sont ni créées ni modifiées par elles.")
        self.add_tab("skipped", "Lignes ignorées", SKIPPED_COLUMNS, file.skipped)
        if preview.updated:
            self.import_button.setText(
                f"{self.import_button.text()} ({count(counts['updated'], 'UE modifiée', 'UE modifiées')})"
            )
        if not preview.has_changes:
            self.nothing_to_do("Le catalogue des UE est déjà à jour : rien à changer.", rows_read=file.rows_read)
        self.open_first_filled_tab()


def _value(field: str, value: Any) -> str:
    if field == "ects":
        return credits_text(value) or "non renseignés"
    return value or "(vide)"
