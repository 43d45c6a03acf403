"""The letter preview: the PDF pages exactly as they will print, then Print (any printer) or Save as PDF.

Pages are shown with QtPdf (PySide6-Pdf), which draws the very PDF that is printed or saved.
Printing sends that PDF to the chosen printer through the system's print service, so the printer
gets reportlab's fonts and text; without a print service, the pages are painted on the printer.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPointF,
    Qt,
    Signal,
)
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from cnam_desk import printing
from cnam_desk.db.engine import Database
from cnam_desk.errors import RefusedInput
from cnam_desk.frenchdates import paris, short_date
from cnam_desk.requests import letter_files, letters
from cnam_desk.ui import msgbox, tasks
from cnam_desk.ui.pdf_preview import PdfPages, PrintChoice, ask_print_dialog, paint_pages  # noqa: F401 (PrintChoice: kept here for callers)
from cnam_desk.ui.table_columns import remember_columns

TITLE = "Courriers"

DECISIONS = {
    "accepted": "Acceptée",
    "refused": "Refusée",
    "incomplete": "Incomplète",
    "redirected": "Handi'Cnam",
}
ORDER_LABELS = (("name", "Nom"), ("decision", "Décision"), ("date", "Date de décision"))


# --- the dialogs the clerk answers; tests replace these functions ---------------------------------


def ask_save_path(parent: QWidget, suggested: str) -> str | None:
    chosen = msgbox.save_file(parent, "Enregistrer les courriers en PDF", suggested, "PDF (*.pdf)")
    if chosen is None:
        return None
    path = str(chosen)
    return path if path.lower().endswith(".pdf") else f"{path}.pdf"


# --- the list of letters ----------------------------------------------------------------------------


class LetterListModel(QAbstractTableModel):
    """The letters in the preview, one row each, in print order."""

    REFERENCE, NUMBER, LAST_NAME, FIRST_NAME, DECISION, PRINTED = range(6)
    HEADERS = ("Référence", "N° d'auditeur", "Nom", "Prénom", "Décision", "Imprimé")
    SummaryRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._rows: list[letters.LetterSummary] = []

    def set_rows(self, rows: Sequence[letters.LetterSummary]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def summaries(self) -> list[letters.LetterSummary]:
        return list(self._rows)

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.HEADERS):
            return self.HEADERS[section]
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == self.SummaryRole:
            return row
        if role == Qt.ItemDataRole.ToolTipRole and not row.has_address:
            return "Pas d'adresse postale : ce courrier s'envoie autrement que par la poste."
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        column = index.column()
        if column == self.REFERENCE:
            return row.reference or "(nouveau)"
        if column == self.NUMBER:
            return row.student_number
        if column == self.LAST_NAME:
            return row.last_name
        if column == self.FIRST_NAME:
            return row.first_name
        if column == self.DECISION:
            return DECISIONS[row.decision.value]
        if column == self.PRINTED:
            if not row.print_count or row.printed_at is None:
                return "non"
            times = f" ({row.print_count} fois)" if row.print_count > 1 else ""
            return f"le {short_date(paris(row.printed_at).date())}{times}"
        return None


# --- the dialog -------------------------------------------------------------------------------------


class LetterPreviewDialog(QDialog):
    """Preview, print or save the letters of some requests, or of a session (the batch).

    With request_ids, the letters of those requests in that order. With session_key, the
    session's decided letters (those not yet printed, or all), in the order the clerk picks.
    """

    printed = Signal(list)  # references of the letters just sent to a printer
    saved = Signal(str)  # the PDF file written

    def __init__(
        self,
        db: Database,
        request_ids: Sequence[int] = (),
        parent: QWidget | None = None,
        *,
        session_key: str | None = None,
        pending_only: bool = True,
    ):
        super().__init__(parent)
        self.db = db
        self.session_key = session_key
        self.pool = None  # tests run the long work on their own thread pool
        self._job = None
        self._request_ids = list(request_ids)
        self._pdf_bytes = b""
        self.setWindowTitle("Courriers de décision – aperçu avant impression")
        self.resize(1100, 820)

        self.pages = PdfPages(self)
        self.document = self.pages.document
        self.view = self.pages.view

        self.model = LetterListModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        remember_columns(self.table, "letterList", stretch=LetterListModel.LAST_NAME)
        self.table.clicked.connect(self._show_letter)

        self.order = QComboBox(self)
        for value, label in ORDER_LABELS:
            self.order.addItem(label, value)
        self.pending = QCheckBox("Seulement les courriers pas encore imprimés", self)
        self.pending.setChecked(pending_only)
        self.order.currentIndexChanged.connect(self.reload)
        self.pending.toggled.connect(self.reload)

        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.print_button = QPushButton("Imprimer…", self)
        self.save_button = QPushButton("Enregistrer en PDF…", self)
        self.close_button = QPushButton("Fermer", self)
        self.print_button.setDefault(True)
        self.print_button.clicked.connect(self.print_letters)
        self.save_button.clicked.connect(self.save_pdf)
        self.close_button.clicked.connect(self.reject)

        side = QWidget(self)
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        if session_key:
            side_layout.addWidget(QLabel(f"Session {session_key}", side))
            order_row = QHBoxLayout()
            order_row.addWidget(QLabel("Ordre :", side))
            order_row.addWidget(self.order, 1)
            side_layout.addLayout(order_row)
            side_layout.addWidget(self.pending)
        else:
            self.order.hide()
            self.pending.hide()
        side_layout.addWidget(self.table, 1)
        side_layout.addWidget(self.summary)

        splitter = QSplitter(self)
        splitter.addWidget(side)
        splitter.addWidget(self.view)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addLayout(buttons)
        self.reload()

    # --- loading -----------------------------------------------------------------------------------

    def request_ids(self) -> list[int]:
        return [row.request_id for row in self.model.summaries()]

    def reload(self) -> None:
        """List the letters and draw their preview (nothing is recorded by a preview)."""
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            if self.session_key:
                rows = letters.letters_for_session(
                    self.db, self.session_key, pending_only=self.pending.isChecked(), order=self.order.currentData()
                )
            else:
                rows = letters.summaries_for_requests(self.db, self._request_ids)
            self.model.set_rows(rows)
            data = b""
            if rows:
                buffer = io.BytesIO()
                letter_files.render_for_requests(self.db, [r.request_id for r in rows], buffer, persist=False)
                data = buffer.getvalue()
            self._load_pdf(data)
            self._describe()
        except RefusedInput as error:
            self.model.set_rows([])
            self._load_pdf(b"")
            self.summary.setText(str(error))
        finally:
            QApplication.restoreOverrideCursor()
        has_letters = self.model.rowCount() > 0
        self.print_button.setEnabled(has_letters)
        self.save_button.setEnabled(has_letters)

    def _load_pdf(self, data: bytes) -> None:
        self._pdf_bytes = data
        self.pages.load(data)

    def _describe(self) -> None:
        rows = self.model.summaries()
        if not rows:
            self.summary.setText("Aucun courrier à imprimer." if self.pending.isChecked() else "Aucun courrier.")
            return
        pages = self.document.pageCount()
        text = f"{len(rows)} courrier(s), {pages} page(s)."
        without = sum(1 for row in rows if not row.has_address)
        if without:
            text += f" {without} sans adresse postale (à envoyer autrement)."
        self.summary.setText(text)

    def page_count(self) -> int:
        return self.document.pageCount()

    def _show_letter(self, index: QModelIndex) -> None:
        # One page per letter in the normal case; a longer letter shifts the next ones, so search.
        summary = self.model.data(index, LetterListModel.SummaryRole)
        target = index.row()
        if summary is not None and summary.reference:
            for page in range(self.document.pageCount()):
                if summary.reference in self.document.getAllText(page).text():
                    target = page
                    break
        self.view.pageNavigator().jump(min(target, max(self.document.pageCount() - 1, 0)), QPointF(), 0)

    # --- actions -------------------------------------------------------------------------------

    def _suggested_name(self) -> str:
        rows = self.model.summaries()
        if len(rows) == 1 and rows[0].reference:
            return f"{rows[0].reference}.pdf"
        key = self.session_key or "courriers"
        return f"courriers-{msgbox.session_name(key)}.pdf"

    def save_pdf(self) -> None:
        path = ask_save_path(self, self._suggested_name())
        if not path:
            return
        self._save_to(path)

    def _run(self, title: str, work, on_done) -> None:  # type: ignore[no-untyped-def]
        """Long work (a batch can be hundreds of letters) off the main thread, with a progress dialog."""
        self.print_button.setEnabled(False)
        self.save_button.setEnabled(False)

        def failed(error: BaseException) -> None:
            if isinstance(error, RefusedInput):
                msgbox.warning(self, TITLE, str(error))
            # cancelled: the clerk pressed Annuler, nothing to add

        def done(result) -> None:  # type: ignore[no-untyped-def]
            on_done(result)
            self.reload()

        self._job = tasks.run_with_progress(
            self, title, work, done, failed, pool=self.pool, on_end=self.reload
        )  # fmt: skip

    def _save_to(self, path: str) -> None:
        target = Path(path)
        ids = self.request_ids()
        db = self.db

        def work():  # type: ignore[no-untyped-def]
            yield tasks.Progress(0, len(ids), f"Préparation de {len(ids)} courrier(s)…")
            # Recorded only once the PDF is whole and in place; a failure is said in one French line.
            yield from letter_files.write_for_requests(db, ids, target)
            return str(target)

        def done(written: str) -> None:
            self.saved.emit(written)
            msgbox.information(self, TITLE, f"Courriers enregistrés dans « {written} ».")

        self._run("Enregistrement des courriers", work, done)

    def print_letters(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(self._suggested_name().removesuffix(".pdf"))
        choice = ask_print_dialog(printer, self)
        if choice is None:
            return
        if choice.to_file:
            # "Print to file" in the system dialog: the same PDF, written where asked.
            self._save_to(choice.to_file)
            return
        ids = self.request_ids()
        db = self.db

        def work():  # type: ignore[no-untyped-def]
            yield tasks.Progress(0, len(ids), f"Préparation de {len(ids)} courrier(s)…")
            with tempfile.TemporaryDirectory(prefix="cnam-desk-impression-") as tmp:
                path = Path(tmp) / "courriers.pdf"
                produced = letter_files.render_for_requests(db, ids, path)
                references = [letter.reference for letter in produced]
                if not printing.service_running():
                    # Painted on the printer by the main thread (see done).
                    return references, path.read_bytes(), None
                yield tasks.Progress(len(ids) // 2, len(ids), f"Envoi à l'imprimante « {choice.name} »…")
                title = f"Courrier {references[0]}" if len(references) == 1 else f"Courriers ({len(references)})"
                job = printing.print_pdf(path, choice.name or None, title=title, copies=choice.copies)
                letter_files.record_printed(db, references)
            return references, None, job

        def done(result) -> None:  # type: ignore[no-untyped-def]
            references, pdf, job = result
            if pdf is not None:
                try:
                    paint_pages(choice.printer, pdf)
                except RefusedInput as error:
                    msgbox.warning(self, TITLE, str(error))
                    return
                letter_files.record_printed(self.db, references)
            self.printed.emit(references)
            where = f"à l'imprimante « {choice.name} »" + (f" (travail {job})" if job else "")
            msgbox.information(self, TITLE, f"{len(references)} courrier(s) envoyé(s) {where}.")

        self._run("Impression des courriers", work, done)
