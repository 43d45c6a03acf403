"""Dialogs of the Résultats tab: a grades import's preview, the M1 check of a student, the M1 programmes."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from html import escape
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from cnam_desk import paths
from cnam_desk.db.engine import Database
from cnam_desk.errors import RefusedInput
from cnam_desk.grading import attestations, rules
from cnam_desk.grading.attestations import M1Check, ProgrammeView
from cnam_desk.grading.importing import GradeImportPreview
from cnam_desk.ui import msgbox
from cnam_desk.ui.results_models import PlannedModel, ProblemModel, _TableModel
from cnam_desk.ui.table_columns import remember_columns

ERROR_STYLE = "color: #b91c1c;"


def _table(model: Any, parent: QWidget, name: str) -> QTableView:
    view = QTableView(parent)
    view.setObjectName(name)
    view.setModel(model)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setAlternatingRowColors(True)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(22)
    remember_columns(view, name)
    return view


class ImportPreviewDialog(QDialog):
    """What an import would write, and every problem by sheet, row and column; all or nothing."""

    def __init__(self, preview: GradeImportPreview, parent: QWidget | None = None):
        super().__init__(parent)
        self.preview = preview
        self.setWindowTitle(f"Import des notes – {preview.file_name}")
        self.resize(860, 520)
        summary = QLabel(preview.summary + ".", self)
        summary.setObjectName("importSummary")
        summary.setWordWrap(True)
        if preview.problems:
            summary.setStyleSheet(ERROR_STYLE)
        self.problems = ProblemModel(self)
        self.problems.set_rows(preview.problems)
        self.planned = PlannedModel(self)
        self.planned.set_rows(preview.changes)
        pages = QTabWidget(self)
        problems_view = _table(self.problems, self, "importProblems")
        pages.addTab(problems_view, f"Problèmes ({len(preview.problems)})")
        pages.addTab(_table(self.planned, self, "importPlanned"), f"Notes à enregistrer ({len(preview.changes)})")
        if not preview.problems:
            pages.setCurrentIndex(1)
        buttons = msgbox.save_cancel(self, self.accept, save_text="Enregistrer les notes")
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setEnabled(preview.ok and bool(preview.changes))
        note = QLabel(
            "Rien n'est enregistré tant que vous ne confirmez pas ; un fichier qui a un problème n'est pas "
            "enregistré du tout : corrigez-le puis importez-le de nouveau.",
            self,
        )
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(summary)
        layout.addWidget(pages, 1)
        layout.addWidget(note)
        layout.addWidget(buttons)


def check_html(check: M1Check) -> str:
    head = f"<h3>{escape(check.programme.name)}</h3><p>{escape(check.programme.rule_text)}</p>"
    if check.met:
        units = "".join(
            f"<li>{escape(u.ue_code)} – {escape(u.ue_title)} : {escape(rules.grade_text(u.grade))}/20 "
            f"({escape(u.year_label)}, {escape(u.session_label)})</li>"
            for u in check.counted_units
        )
        return head + f"<p style='color:#15803d'><b>Conditions remplies.</b></p><ul>{units}</ul>"
    missing = "".join(f"<li>{escape(line)}</li>" for line in check.missing_lines())
    return head + f"<p style='color:#b91c1c'><b>Il manque :</b></p><ul>{missing}</ul>"


class CheckModel(_TableModel):
    HEADERS = ("Programme", "Conditions")

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        check: M1Check | None = self.row_at(index)
        if check is None or role != Qt.ItemDataRole.DisplayRole:
            return None
        if index.column() == 0:
            return check.programme.name
        return "remplies" if check.met else f"{len(check.missing_lines())} manque(s)"


class M1Dialog(QDialog):
    """A student against every programme: the one met gives the attestation, the others say what is missing."""

    def __init__(self, db: Database, student_number: str, year_label: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.year_label = year_label
        self.written = ""
        self.setWindowTitle("Attestation de M1")
        self.resize(760, 460)
        self.checks = attestations.m1_checks(db, student_number, year_label)
        self.model = CheckModel(self)
        self.model.set_rows(self.checks)
        self.view = _table(self.model, self, "m1Programmes")
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.details = QTextBrowser(self)
        self.details.setObjectName("m1Details")
        self.error = QLabel(self)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        title = QLabel(self)
        if self.checks:
            student = self.checks[0].student
            title.setText(f"<b>{student.name}</b> ({student.number}), résultats publiés jusqu'à {year_label}")
        else:
            title.setText("Aucun programme de M1 n'est défini : définissez-les (Édition > Programmes de M1…).")
        self.issue_button = QPushButton("Produire l'attestation de M1…", self)
        self.issue_button.setEnabled(False)
        close = QPushButton("Fermer", self)
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.issue_button)
        buttons.addWidget(close)
        body = QHBoxLayout()
        body.addWidget(self.view, 2)
        body.addWidget(self.details, 3)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(body, 1)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.view.selectionModel().currentRowChanged.connect(lambda current, _p: self._show(current))
        self.issue_button.clicked.connect(self.issue)
        if self.checks:
            self.view.setCurrentIndex(self.model.index(0, 0))

    def current(self) -> M1Check | None:
        return self.model.row_at(self.view.currentIndex())

    def _show(self, index: QModelIndex) -> None:
        check = self.model.row_at(index)
        self.details.setHtml(check_html(check) if check else "")
        self.issue_button.setEnabled(bool(check and check.met))

    def ask_save_path(self, suggested: str) -> str:
        return str(msgbox.save_file(self, "Attestation de M1", suggested, "PDF (*.pdf)") or "")

    def issue(self) -> None:
        check = self.current()
        if check is None or not check.met:
            return
        from cnam_desk.grading import paper  # deferred: reportlab, when the attestation is written

        number, programme = check.student.number, check.programme.name
        try:
            data = paper.m1_pdf(self.db, number, programme, self.year_label)
        except RefusedInput as refused:
            self.error.setText(str(refused))
            return

        def save() -> None:
            path = self.ask_save_path(paths.safe_file_name(f"attestation-m1-{number}-{check.student.last_name}.pdf"))
            if not path:
                return
            try:
                paper.write_m1(self.db, number, programme, self.year_label, path)
            except RefusedInput as refused:
                self.error.setText(str(refused))
                return
            self.written = path
            self.accept()

        # deferred on purpose: QtPdf loads when the preview opens
        from cnam_desk.ui.pdf_preview import AttestationPreviewDialog

        self.last_preview = AttestationPreviewDialog(
            "Attestation de M1", data, self, save=save,
            write=lambda path: paper.write_m1(self.db, number, programme, self.year_label, path),
        )
        self.last_preview.exec()


class ProgrammeModel(_TableModel):
    HEADERS = ("Programme", "Exigences")

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        programme: ProgrammeView | None = self.row_at(index)
        if programme is None or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        return programme.name if index.column() == 0 else programme.rule_text


class ProgrammesDialog(QDialog):
    """The office's M1 programmes: a name, the UEs required, or a number of ECTS credits (or both)."""

    def __init__(self, db: Database, parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.setWindowTitle("Programmes de M1")
        self.resize(820, 420)
        self.model = ProgrammeModel(self)
        self.view = _table(self.model, self, "programmes")
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.name = QLineEdit(self)
        self.units = QLineEdit(self)
        self.units.setPlaceholderText("codes séparés par des virgules, par exemple NFA031, NFA008")
        self.ects = QLineEdit(self)
        self.ects.setPlaceholderText("par exemple 60 (vide : pas d'exigence de crédits)")
        self.error = QLabel(self)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Nom", self.name)
        form.addRow("UE requises", self.units)
        form.addRow("Crédits ECTS requis", self.ects)
        self.new_button = QPushButton("Nouveau", self)
        self.save_button = QPushButton("Enregistrer", self)
        self.delete_button = QPushButton("Supprimer…", self)
        close = QPushButton("Fermer", self)
        buttons = QHBoxLayout()
        for button in (self.new_button, self.save_button, self.delete_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        right = QVBoxLayout()
        right.addLayout(form)
        right.addWidget(self.error)
        right.addStretch(1)
        body = QHBoxLayout()
        body.addWidget(self.view, 1)
        body.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addLayout(buttons)
        self.editing: ProgrammeView | None = None
        self.view.selectionModel().currentRowChanged.connect(lambda current, _p: self._edit(self.model.row_at(current)))
        self.new_button.clicked.connect(lambda: self._edit(None))
        self.save_button.clicked.connect(self.save)
        self.delete_button.clicked.connect(self.delete)
        close.clicked.connect(self.accept)
        self.reload()

    def reload(self, select: str | None = None) -> None:
        self.model.set_rows(attestations.list_programmes(self.db))
        for row, programme in enumerate(self.model.rows):
            if programme.name == select:
                self.view.setCurrentIndex(self.model.index(row, 0))
                return
        self._edit(None)

    def _edit(self, programme: ProgrammeView | None) -> None:
        self.editing = programme
        self.error.setText("")
        self.name.setText(programme.name if programme else "")
        self.units.setText(", ".join(code for code, _ in programme.units) if programme else "")
        ects = programme.required_ects if programme else None
        self.ects.setText(rules.grade_text(ects) if ects is not None else "")
        self.delete_button.setEnabled(programme is not None)

    def save(self) -> None:
        text = self.ects.text().strip().replace(",", ".")
        try:
            ects = Decimal(text) if text else None
        except InvalidOperation:
            self.error.setText(f"Crédits ECTS « {self.ects.text()} » : attendu un nombre, par exemple 60.")
            return
        codes = [c for c in self.units.text().replace(";", ",").replace(" ", ",").split(",") if c.strip()]
        try:
            saved = attestations.save_programme(
                self.db, self.name.text(), codes, ects,
                original_name=self.editing.name if self.editing else None,
                expect_version=self.editing.version if self.editing else None,
            )
        except RefusedInput as refused:
            self.error.setText(str(refused))
            return
        self.reload(saved.name)

    def delete(self) -> None:
        if self.editing is None:
            return
        if not msgbox.question(self, "Supprimer le programme", f"Supprimer le programme « {self.editing.name} » ?"):
            return
        try:
            attestations.delete_programme(self.db, self.editing.name)
        except RefusedInput as refused:
            self.error.setText(str(refused))
            return
        self.reload()

