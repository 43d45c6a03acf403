"""The office's letterhead settings (name, address, logo, signatory), with a sample letter drawn live."""

from __future__ import annotations

import datetime as dt
import io

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt, QTimer
from PySide6.QtGui import QPixmap
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from cnam_desk import office
from cnam_desk.db.engine import Database
from cnam_desk.documents import ArrangementLine, DecisionLetter, ExamLine, Letterhead, render_letter
from cnam_desk.errors import RefusedInput
from cnam_desk.ui import msgbox


def ask_logo_path(parent: QWidget) -> str | None:
    """The clerk picks an image; tests replace this function."""
    path = msgbox.open_file(parent, "Choisir le logo", "Images (*.png *.jpg *.jpeg)")
    return str(path) if path else None


def sample_letter() -> DecisionLetter:
    """A letter to show the letterhead on (nobody's real data)."""
    exam = ExamLine("NFA031", "Programmation avec Java : notions de base", dt.date(2024, 1, 22), dt.time(18), dt.time(21), "Amphi Abbé-Grégoire")
    return DecisionLetter(
        reference="SE-2024-000000",
        decision="accepted",
        student_name="Zoë Lefèvre-Dupré",
        student_number="100000000",
        address_lines=("12 rue des Écoles", "75005 Paris"),
        session_title="semestre 1, session 1 de l'année 2023-2024",
        exams=(exam,),
        letter_date=dt.date.today(),
        arrangements=(ArrangementLine("NFA031", dt.date(2024, 1, 23), dt.time(18), dt.time(21), "Salle 17.2.04"),),
    )


class LetterheadDialog(QDialog):
    """Edit the letterhead every letter and attestation prints; saved for every workstation."""

    def __init__(self, db: Database, parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.setWindowTitle("En-tête des courriers et attestations")
        self.resize(1100, 760)
        current = office.get_letterhead(db)
        self._logo_path: str | None = current.logo_path

        self.institution = QLineEdit(current.institution, self)
        self.office_name = QLineEdit(current.office_name, self)
        self.address = QPlainTextEdit("\n".join(current.address_lines), self)
        self.address.setFixedHeight(72)
        self.city = QLineEdit(current.city, self)
        self.phone = QLineEdit(current.phone, self)
        self.email = QLineEdit(current.email, self)
        self.signatory_name = QLineEdit(current.signatory_name, self)
        self.signatory_title = QLineEdit(current.signatory_title, self)
        self.logo = QLabel(self)
        self.logo.setFixedSize(160, 64)
        self.logo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.logo.setStyleSheet("border: 1px solid palette(mid);")
        self.choose_logo = QPushButton("Choisir…", self)
        self.remove_logo = QPushButton("Retirer", self)
        self.choose_logo.clicked.connect(self._choose_logo)
        self.remove_logo.clicked.connect(self._remove_logo)
        self.error = QLabel(self)
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #a40000;")

        form = QFormLayout()
        form.addRow("Établissement :", self.institution)
        form.addRow("Service :", self.office_name)
        form.addRow("Adresse (une ligne par ligne) :", self.address)
        form.addRow("Ville (« Paris, le … ») :", self.city)
        form.addRow("Téléphone :", self.phone)
        form.addRow("Courriel :", self.email)
        logo_row = QHBoxLayout()
        logo_row.addWidget(self.logo)
        logo_row.addWidget(self.choose_logo)
        logo_row.addWidget(self.remove_logo)
        logo_row.addStretch(1)
        form.addRow("Logo :", logo_row)
        form.addRow("Signataire (nom) :", self.signatory_name)
        form.addRow("Qualité du signataire :", self.signatory_title)

        self.document = QPdfDocument(self)
        self.view = QPdfView(self)
        self.view.setDocument(self.document)
        self.view.setZoomMode(QPdfView.ZoomMode.FitInView)
        self._buffer: QBuffer | None = None

        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.addLayout(form)
        left_layout.addWidget(self.error)
        left_layout.addStretch(1)
        splitter = QSplitter(self)
        splitter.addWidget(left)
        splitter.addWidget(self.view)
        splitter.setStretchFactor(1, 1)

        self.buttons = msgbox.save_cancel(self, self.save)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.buttons)

        # Redraw the sample letter a moment after the clerk stops typing.
        self._redraw = QTimer(self)
        self._redraw.setSingleShot(True)
        self._redraw.setInterval(300)
        self._redraw.timeout.connect(self.refresh_preview)
        for field in (self.institution, self.office_name, self.city, self.phone, self.email,
                      self.signatory_name, self.signatory_title):
            field.textChanged.connect(self._redraw.start)
        self.address.textChanged.connect(self._redraw.start)
        self._show_logo()
        self.refresh_preview()

    def letterhead(self) -> Letterhead:
        """The letterhead as the form shows it (not yet checked nor saved)."""
        return Letterhead(
            office_name=self.office_name.text(),
            institution=self.institution.text(),
            address_lines=tuple(self.address.toPlainText().splitlines()),
            city=self.city.text(),
            phone=self.phone.text(),
            email=self.email.text(),
            logo_path=self._logo_path,
            signatory_name=self.signatory_name.text(),
            signatory_title=self.signatory_title.text(),
        )

    def _show_logo(self) -> None:
        pixmap = QPixmap(self._logo_path) if self._logo_path else QPixmap()
        if pixmap.isNull():
            self.logo.setPixmap(QPixmap())
            self.logo.setText("aucun logo")
        else:
            self.logo.setPixmap(pixmap.scaled(self.logo.size(), Qt.AspectRatioMode.KeepAspectRatio,
                                              Qt.TransformationMode.SmoothTransformation))
        self.remove_logo.setEnabled(bool(self._logo_path))

    def _choose_logo(self) -> None:
        path = ask_logo_path(self)
        if path:
            self._logo_path = path
            self._show_logo()
            self.refresh_preview()

    def _remove_logo(self) -> None:
        self._logo_path = None
        self._show_logo()
        self.refresh_preview()

    def refresh_preview(self) -> None:
        buffer = io.BytesIO()
        try:
            office.validate(self.letterhead())
            render_letter(sample_letter(), self.letterhead(), buffer)
        except RefusedInput as error:
            self.error.setText(str(error))
            return
        self.error.clear()
        self.document.close()
        if self._buffer is not None:
            self._buffer.deleteLater()
        qbuffer = QBuffer(self)
        qbuffer.setData(QByteArray(buffer.getvalue()))
        qbuffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self._buffer = qbuffer
        self.document.load(qbuffer)

    def save(self) -> None:
        try:
            office.set_letterhead(self.db, self.letterhead())
        except RefusedInput as error:
            self.error.setText(str(error))
            return
        self.accept()
