"""What every PDF preview shares: the pages drawn by QtPdf, the print dialog, printing a PDF.

The letter preview (courriers) and the attestation preview use these pieces; the attestation
preview is here too: the pages, then « Imprimer… », « Enregistrer en PDF… » or « Fermer ».
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRect
from PySide6.QtGui import QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cnam_desk import printing
from cnam_desk.errors import RefusedInput
from cnam_desk.ui import msgbox, tasks


class PrintChoice(NamedTuple):
    """What the clerk chose in the print dialog."""

    printer: QPrinter
    name: str  # the printer's name on the workstation
    copies: int
    to_file: str | None  # "print to file": the PDF path asked for


def ask_print_dialog(printer: QPrinter, parent: QWidget, title: str = "Imprimer les courriers") -> PrintChoice | None:
    """The system print dialog (any printer of the workstation); None when the clerk cancels."""
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(title)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    to_file = None
    if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat and printer.outputFileName():
        to_file = printer.outputFileName()
    return PrintChoice(printer, printer.printerName(), max(1, printer.copyCount()), to_file)


class PdfPages:
    """A QPdfView showing PDF bytes, all pages one under the other, fit to the width."""

    def __init__(self, parent: QWidget):
        self.parent = parent
        self.document = QPdfDocument(parent)
        self.view = QPdfView(parent)
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setPageSpacing(12)
        self.data = b""
        self._buffer: QBuffer | None = None

    def load(self, data: bytes) -> None:
        self.document.close()
        if self._buffer is not None:
            self._buffer.deleteLater()
        self.data = data
        if not data:
            self._buffer = None
            return
        buffer = QBuffer(self.parent)
        buffer.setData(QByteArray(data))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self._buffer = buffer  # QPdfDocument reads from it for as long as it shows the pages
        self.document.load(buffer)

    def page_count(self) -> int:
        return self.document.pageCount()


def paint_pages(printer: QPrinter, pdf: bytes) -> int:
    """Paint the PDF's pages on a printer (when no print service takes the PDF itself)."""
    document = QPdfDocument()
    buffer = QBuffer()
    buffer.setData(QByteArray(pdf))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document.load(buffer)
    pages = document.pageCount()
    painter = QPainter()
    if not painter.begin(printer):
        raise RefusedInput(f"L'imprimante « {printer.printerName()} » n'est pas disponible.")
    try:
        for page in range(pages):
            if page:
                printer.newPage()
            area: QRect = printer.pageLayout().paintRectPixels(printer.resolution())
            size = document.pagePointSize(page).toSize()
            scale = min(area.width() / max(size.width(), 1), area.height() / max(size.height(), 1))
            image = document.render(page, size * scale)
            painter.drawImage(0, 0, image)
    finally:
        painter.end()
        document.close()
    return pages


class AttestationPreviewDialog(QDialog):
    """Attestations as they will print, before anything is recorded.

    `pdf` is the preview (nothing recorded); `save` asks where and writes them (the usual path
    dialog, the usual service); `write(path)` writes the recorded PDF to print it.
    """

    def __init__(
        self, title: str, pdf: bytes, parent: QWidget | None, *,
        save: Callable[[], None], write: Callable[[Path], object],
    ):  # fmt: skip
        super().__init__(parent)
        self.title = title
        self._save = save
        self._write = write
        self.pool = None  # tests run the long work on their own thread pool
        self.setWindowTitle(f"{title} – aperçu avant impression")
        self.resize(900, 820)
        self.pages = PdfPages(self)
        self.pages.load(pdf)
        self.summary = QLabel(f"{self.pages.page_count()} page(s).", self)
        self.print_button = QPushButton("&Imprimer…", self)
        self.save_button = QPushButton("&Enregistrer en PDF…", self)
        self.close_button = QPushButton("&Fermer", self)
        self.print_button.setDefault(True)
        self.print_button.clicked.connect(self.print_pdf)
        self.save_button.clicked.connect(self.save_pdf)
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.summary, 1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages.view, 1)
        layout.addLayout(buttons)

    def page_count(self) -> int:
        return self.pages.page_count()

    def save_pdf(self) -> None:
        self.accept()
        self._save()

    def print_pdf(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(self.title)
        choice = ask_print_dialog(printer, self, f"Imprimer : {self.title}")
        if choice is None:
            return
        title = self.title
        write = self._write

        def work():  # type: ignore[no-untyped-def]
            # A year's batch is hundreds of pages: written and sent off the main thread.
            yield tasks.Progress(0, 0, f"Impression : {title}…")
            if choice.to_file:
                write(Path(choice.to_file))
                return None, None
            with tempfile.TemporaryDirectory(prefix="cnam-desk-impression-") as tmp:
                path = Path(tmp) / "attestations.pdf"
                write(path)
                if not printing.service_running():
                    return path.read_bytes(), None  # painted on the printer by the main thread (see done)
                return None, printing.print_pdf(path, choice.name or None, title=title, copies=choice.copies)

        def done(result) -> None:  # type: ignore[no-untyped-def]
            pdf, job = result
            if pdf is not None:
                try:
                    paint_pages(choice.printer, pdf)
                except RefusedInput as error:
                    msgbox.warning(self, title, str(error))
                    return
            if choice.to_file:
                said = f"{title} : PDF enregistré dans « {choice.to_file} »."
            else:
                said = f"{title} : envoyé à l'imprimante « {choice.name} »" + (f" (travail {job})." if job else ".")
            msgbox.information(self, title, said)
            self.accept()

        def failed(error: BaseException) -> None:
            if isinstance(error, RefusedInput):
                msgbox.warning(self, title, str(error))

        self._job = tasks.run_with_progress(self, title, work, done, failed, pool=self.pool)
