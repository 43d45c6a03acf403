"""Dialogs of the Demandes tab: the preview of a Forms import, a request typed by hand, the refusal reasons."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QDateTime, QModelIndex, QPersistentModelIndex, Qt, QTime
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from cnam_desk import frenchdates
from cnam_desk.db.engine import Database
from cnam_desk.db.models import RequestKind, RequestSource
from cnam_desk.errors import RefusedInput
from cnam_desk.requests import exports, intake, manual, review
from cnam_desk.requests.labels import KIND_LABELS
from cnam_desk.schedule import exam_calendar
from cnam_desk.ui import msgbox, tasks
from cnam_desk.ui.request_models import FIELD_CHOICES, MappingModel
from cnam_desk.ui.table_columns import remember_columns

AUTOMATIC = ""  # session found from the exams each answer names

ERROR_STYLE = "color: #b91c1c;"
WARNING_STYLE = "color: #b45309;"


def to_qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def from_qdate(day: QDate) -> dt.date:
    return dt.date(day.year(), day.month(), day.day())


def ask_change_reason(parent: QWidget | None, message: str) -> str | None:
    """The reason for changing a decision whose letter was printed (None: the clerk gave up)."""
    text, ok = QInputDialog.getText(
        parent, "Motif du changement", message + "\n\nMotif du changement :"
    )
    return text.strip() if ok and text.strip() else None


def session_combo(parent: QWidget, db: Database, *, automatic: bool = False) -> QComboBox:
    combo = QComboBox(parent)
    if automatic:
        combo.addItem("Automatique (d'après les UE de chaque réponse)", AUTOMATIC)
    for view in exam_calendar.list_sessions(db):
        combo.addItem(f"{view.year}, semestre {view.semester}, session {view.number}", view.key)
    return combo


class FieldDelegate(QStyledItemDelegate):
    """Edits the field of a question column with a list of the fields."""

    def createEditor(
        self,
        parent: QWidget,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> QWidget:
        combo = QComboBox(parent)
        for name, label in FIELD_CHOICES:
            combo.addItem(label, name)
        return combo

    def setEditorData(self, editor: QWidget, index: QModelIndex | QPersistentModelIndex) -> None:
        assert isinstance(editor, QComboBox)
        position = editor.findData(index.data(Qt.ItemDataRole.EditRole))
        editor.setCurrentIndex(max(position, 0))

    def setModelData(
        self, editor: QWidget, model: Any, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        assert isinstance(editor, QComboBox)
        model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)


class RequestImportDialog(QDialog):
    """Preview of a Forms export: the clerk checks (and corrects) which question answers which field.

    Every change of the mapping or session runs the import for real and rolls it back, so what the
    preview says (counts, or the wrong answers) is exactly what the import will do.
    """

    def __init__(self, db: Database, export: exports.FormExport, parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.export = export
        self.report: intake.ImportReport | None = None
        self.setWindowTitle(f"Importer des demandes – {export.file_name}")
        self.resize(980, 620)

        origin = {
            "recognised": "reconnue d'après les intitulés des questions",
            "remembered": "celle choisie lors du dernier import de ce formulaire",
            "given": "choisie à la main",
        }[export.mapping_origin]
        language = "anglais" if export.english else "français"
        intro = QLabel(
            f"<b>{export.file_name}</b>, feuille « {export.sheet} » : export Microsoft Forms en {language}, "
            f"{len(export.rows)} réponse{'s' if len(export.rows) > 1 else ''}. Correspondance des colonnes : {origin}. "
            "Corrigez le champ d'une question si besoin (F2 ou double-clic).",
            self,
        )
        intro.setWordWrap(True)

        self.model = MappingModel(export, self)
        self.table = QTableView(self)
        self.table.setObjectName("mappingTable")
        self.table.setModel(self.model)
        self.table.setItemDelegateForColumn(2, FieldDelegate(self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.SelectedClicked
        )
        self.table.verticalHeader().hide()
        remember_columns(self.table, "mappingTable")
        self.model.dataChanged.connect(lambda *_: self.refresh())

        self.session = session_combo(self, db, automatic=True)
        self.session.currentIndexChanged.connect(lambda _i: self.refresh())
        form = QFormLayout()
        form.addRow("Session des demandes", self.session)

        self.status = QLabel(self)
        self.status.setObjectName("importStatus")
        self.status.setWordWrap(True)
        self.problems = QPlainTextEdit(self)
        self.problems.setObjectName("importProblems")
        self.problems.setReadOnly(True)
        self.problems.setMaximumHeight(140)

        self.buttons = msgbox.save_cancel(self, self.start_import, save_text="Importer", ok=True)
        self.import_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(self.problems)
        layout.addWidget(self.buttons)
        self.refresh()

    def session_key(self) -> str | None:
        return self.session.currentData() or None

    def current_export(self) -> exports.FormExport:
        return self.export.with_mapping(self.model.mapping(), "given")

    def refresh(self) -> None:
        """Run the import on trial with the current choices and say what it would do."""
        try:
            report = intake.dry_run(self.db, self.current_export(), self.session_key())
        except intake.ImportRefused as refused:
            count = len(refused.problems)
            self.status.setText(
                f"<span style='{ERROR_STYLE}'>{count} réponse{'s' if count > 1 else ''} à corriger : "
                "rien ne sera importé tant qu'il en reste.</span>"
            )
            self.problems.setPlainText("\n".join(p.describe() for p in refused.problems))
            self.problems.show()
            self.import_button.setEnabled(False)
            return
        except RefusedInput as error:
            self.status.setText(f"<span style='{ERROR_STYLE}'>{error}</span>")
            self.problems.clear()
            self.problems.hide()
            self.import_button.setEnabled(False)
            return
        self.status.setText("À l'import : " + report.summary())
        notes = report.notes()
        if notes:
            # Kept as typed, importable: the clerk sees where to look (an unknown UE, a number).
            self.status.setText(
                f"À l'import : {report.summary()} <span style='{WARNING_STYLE}'>{len(notes)} "
                f"point{'s' if len(notes) > 1 else ''} à vérifier ci-dessous (gardé tel que saisi, "
                "importable).</span>"
            )
            self.problems.setPlainText("\n".join(notes))
            self.problems.show()
        else:
            self.problems.clear()
            self.problems.hide()
        self.import_button.setEnabled(report.added + report.merged > 0)

    def start_import(self) -> None:
        export = self.current_export()
        key = self.session_key()
        self.import_button.setEnabled(False)

        def work():
            steps = intake.import_steps(self.db, export, key)
            while True:
                try:
                    step = next(steps)
                except StopIteration as stop:
                    return stop.value
                yield tasks.Progress(step.done, step.total, step.text)

        tasks.run_with_progress(
            self, "Import des demandes", work, self._done, self._failed,
            on_end=lambda: self.import_button.setEnabled(True),
        )  # fmt: skip

    def _done(self, report: intake.ImportReport) -> None:
        self.report = report
        self.accept()

    def _failed(self, error: BaseException) -> None:
        """Cancelled or refused: said in the dialog, which stays open."""
        if isinstance(error, tasks.Cancelled):
            self.status.setText("Import annulé : rien n'a été importé.")
        else:
            self.status.setText(f"<span style='{ERROR_STYLE}'>{error}</span>")


class NewRequestDialog(QDialog):
    """A request received by mail or at the desk, typed with the same fields as the form."""

    def __init__(self, db: Database, session_key: str | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.request_id: int | None = None
        self.setWindowTitle("Nouvelle demande (courrier, courriel ou accueil)")

        self.session = session_combo(self, db)
        if session_key:
            self.session.setCurrentIndex(max(self.session.findData(session_key), 0))
        self.source = QComboBox(self)
        self.source.addItem("Courrier ou courriel", RequestSource.MAIL.value)
        self.source.addItem("Accueil", RequestSource.DESK.value)
        self.received = QDateTimeEdit(self)
        self.received.setCalendarPopup(True)
        self.received.setDisplayFormat("dd/MM/yyyy HH:mm")
        local = frenchdates.paris(frenchdates.now())
        self.received.setDateTime(
            QDateTime(to_qdate(local.date()), QTime(local.hour, local.minute))
        )
        self.number = QLineEdit(self)
        self.number.setObjectName("studentNumber")
        # A known number fills in the student's name and e-mail from the students' file.
        self.number.editingFinished.connect(self.look_up_student)
        self.student_found = QLabel(self)
        self.student_found.setObjectName("studentFound")
        self.student_found.setWordWrap(True)
        self._looked_up = ""
        self.last_name = QLineEdit(self)
        self.first_name = QLineEdit(self)
        self.email = QLineEdit(self)
        self.kind = QComboBox(self)
        self.kind.addItem("D'après le motif", "")
        for kind in RequestKind:
            self.kind.addItem(KIND_LABELS[kind], kind.value)
        self.reason = QLineEdit(self)
        self.reason.setPlaceholderText(
            "tel que l'auditeur l'écrit ; rien de médical pour une situation de handicap"
        )
        self.codes = QLineEdit(self)
        self.codes.setPlaceholderText("par exemple NFA031, NFA008")
        self.has_trip = QCheckBox("Dates du déplacement", self)
        self.trip_start = QDateEdit(self)
        self.trip_end = QDateEdit(self)
        for edit in (self.trip_start, self.trip_end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd/MM/yyyy")
            edit.setDate(to_qdate(local.date()))
            edit.setEnabled(False)
            self.has_trip.toggled.connect(edit.setEnabled)
        self.comment = QLineEdit(self)
        self.error = QLabel(self)
        self.error.setObjectName("newRequestError")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)

        form = QFormLayout()
        form.addRow("Session", self.session)
        form.addRow("Reçue par", self.source)
        form.addRow("Reçue le (heure de Paris)", self.received)
        form.addRow("N° d'auditeur", self.number)
        form.addRow("", self.student_found)
        form.addRow("Nom", self.last_name)
        form.addRow("Prénom", self.first_name)
        form.addRow("Courriel", self.email)
        form.addRow("Type de demande", self.kind)
        form.addRow("Motif", self.reason)
        form.addRow("UE concernées", self.codes)
        trip = QHBoxLayout()
        trip.addWidget(self.has_trip)
        trip.addWidget(QLabel("du", self))
        trip.addWidget(self.trip_start)
        trip.addWidget(QLabel("au", self))
        trip.addWidget(self.trip_end)
        form.addRow("Déplacement", trip)
        form.addRow("Commentaire", self.comment)
        buttons = msgbox.save_cancel(self, self.save)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def look_up_student(self) -> None:
        typed = self.number.text().strip()
        if typed == self._looked_up:
            return
        self._looked_up = typed
        if not typed:
            self.student_found.clear()
            return
        known = manual.look_up_student(self.db, typed)
        if known is None:
            self.student_found.setText(
                "Numéro inconnu du fichier des auditeurs : saisissez le nom, le prénom et le courriel."
            )
            return
        self.number.setText(known.number)
        self._looked_up = known.number
        self.last_name.setText(known.last_name)
        self.first_name.setText(known.first_name)
        self.email.setText(known.email)
        self.student_found.setText(
            f"Auditeur connu : {known.last_name.upper()} {known.first_name} – nom, prénom et courriel "
            "repris du fichier des auditeurs."
        )

    def typed(self) -> manual.HandTypedRequest:
        value = self.received.dateTime()
        received = frenchdates.paris_instant(
            from_qdate(value.date()), dt.time(value.time().hour(), value.time().minute())
        )
        kind = self.kind.currentData()
        return manual.HandTypedRequest(
            session_key=self.session.currentData(),
            student_number=self.number.text(),
            reason_text=self.reason.text(),
            codes=[self.codes.text()],
            received_at=received,
            source=RequestSource(self.source.currentData()),
            last_name=self.last_name.text(),
            first_name=self.first_name.text(),
            email=self.email.text(),
            kind=RequestKind(kind) if kind else None,
            trip_start=from_qdate(self.trip_start.date()) if self.has_trip.isChecked() else None,
            trip_end=from_qdate(self.trip_end.date()) if self.has_trip.isChecked() else None,
            comment=self.comment.text(),
        )

    def save(self) -> None:
        try:
            self.request_id = manual.add_request(self.db, self.typed())
        except RefusedInput as error:
            self.error.setText(str(error))
            return
        self.accept()


class RefusalReasonsDialog(QDialog):
    """The office's list of refusal reasons, one per line, in the order the decision pane offers them."""

    def __init__(self, db: Database, parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.setWindowTitle("Motifs de refus")
        self.resize(720, 360)
        intro = QLabel(
            "Un motif par ligne, dans l'ordre où ils sont proposés. Un motif retiré reste dans les courriers déjà préparés.",
            self,
        )
        intro.setWordWrap(True)
        self.editor = QPlainTextEdit(self)
        self.editor.setObjectName("refusalReasons")
        self.editor.setPlainText("\n".join(review.refusal_reasons(db)))
        self.error = QLabel(self)
        self.error.setStyleSheet(ERROR_STYLE)
        buttons = msgbox.save_cancel(self, self.save)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.editor)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def save(self) -> None:
        try:
            review.set_refusal_reasons(self.db, self.editor.toPlainText().splitlines())
        except RefusedInput as error:
            self.error.setText(str(error))
            return
        self.accept()


def open_import(parent: QWidget, db: Database, path: Path) -> intake.ImportReport | None:
    """Read an export and show its preview; the report when something was imported."""
    try:
        export = exports.read_export(db, path)
    except RefusedInput as error:
        msgbox.warning(parent, "Importer des demandes", str(error))
        return None
    dialog = RequestImportDialog(db, export, parent)
    if dialog.exec() == QDialog.DialogCode.Accepted and dialog.report is not None:
        return dialog.report
    return None
