"""The student's file from any tab: Ctrl+K (or the box at the right of the menu bar), a number or a
name typed without accents, Entrée, and the file is on screen.

One search finds the students; a single match (or an exact number) opens its file at once, several
are listed to choose from with the arrows and Entrée.
"""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import QModelIndex, QStringListModel, Qt, QTimer
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListView,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from cnam_desk import frenchdates, student_file
from cnam_desk.db.engine import Database
from cnam_desk.errors import RefusedInput
from cnam_desk.grading import rules
from cnam_desk.requests.labels import KIND_LABELS, STATUS_LABELS
from cnam_desk.requests.letter_state import LetterState
from cnam_desk.student_file import StudentFile, StudentHit
from cnam_desk.ui.search_box import SHORTCUT

NO_GRADE_BY_PHONE = "Aucune note n'est donnée par téléphone ni par courriel : le portail des auditeurs les publie."


def _slot(day: Any, start: Any, end: Any, room: str) -> str:
    where = f", {escape(room)}" if room else ""
    return f"{escape(frenchdates.long_date(day))}, {frenchdates.hour(start)}–{frenchdates.hour(end)}{where}"


def _token(token: str | None) -> str:
    """A grade as the history keeps it (« 16.25 », « ABI »), written the French way."""
    return escape(rules.grade_text(rules.from_token(token)) or "—")


def _table(headers: tuple[str, ...], rows: list[tuple[str, ...]], none: str) -> str:
    if not rows:
        return f"<p><i>{none}</i></p>"
    head = "".join(f"<th align='left'>{h}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table cellspacing='0' cellpadding='3' width='100%'><tr>{head}</tr>{body}</table>"


def file_html(file: StudentFile) -> str:
    """The file as the dialog shows it; every value from the database is escaped."""
    parts = [f"<h2>{escape(file.name)} <small>n° {escape(file.student_number)}</small></h2>"]
    if not file.on_record:
        parts.append("<p><i>Connu seulement par ses demandes : aucun fichier d'inscriptions ne l'a encore donné.</i></p>")
    address = "<br>".join(escape(line) for line in file.postal_address.splitlines()) or "<i>aucune adresse</i>"
    parts.append(f"<p><b>Adresse postale</b><br>{address}</p>")
    years: dict[str, list[str]] = {}
    for ue, title, year in file.enrolments:
        years.setdefault(year, []).append(f"{escape(ue)} <small>{escape(title)}</small>")
    parts.append("<h3>Inscriptions</h3>" + (
        "".join(f"<p><b>{escape(year)}</b> : {' ; '.join(ues)}</p>" for year, ues in years.items())
        or "<p><i>aucune inscription</i></p>"))

    exams = []
    for line in file.exams:
        granted = ""
        if line.arrangement is not None:
            granted = f"<b style='color:#15803d'>aménagement : {_slot(*line.arrangement)}</b>"
        exams.append((escape(line.ue), escape(line.session), _slot(line.date, line.start, line.end, line.room), granted))
    parts.append("<h3>Examens</h3>" + _table(("UE", "Session", "Date, horaire, salle", "Aménagement"), exams, "aucun examen"))

    requests = []
    for request in file.requests:
        decision = escape(STATUS_LABELS[request.status])
        if request.decided_at is not None:
            decision += f" le {frenchdates.paris(request.decided_at):%d/%m/%Y}"
        if request.decision_reason:
            decision += f"<br><small>{escape(request.decision_reason)}</small>"
        if request.missing_items:
            decision += f"<br><small>à fournir : {escape(' ; '.join(request.missing_items.splitlines()))}</small>"
        letter = escape(request.letter.text)
        if request.letter.state is LetterState.TO_PRINT:
            letter = f"<b style='color:#b45309'>{letter}</b>"
        requests.append((str(request.id), escape(request.session), escape(KIND_LABELS[request.kind]),
                         escape(", ".join(request.ues)), f"{frenchdates.paris(request.received_at):%d/%m/%Y}",
                         decision, letter))
    parts.append("<h3>Demandes d'aménagement</h3>" + _table(
        ("N°", "Session", "Motif", "UE", "Reçue le", "Décision", "Courrier"), requests, "aucune demande"))

    letters = [
        (escape(letter.reference), str(letter.request_id), escape(STATUS_LABELS[letter.decision]),
         f"{frenchdates.paris(letter.generated_at):%d/%m/%Y}",
         f"{frenchdates.paris(letter.printed_at):%d/%m/%Y} ({letter.print_count} fois)" if letter.printed_at else "non")
        for letter in file.letters
    ]
    parts.append("<h3>Courriers</h3>" + _table(("Référence", "Demande", "Décision", "Préparé le", "Imprimé"), letters,
                                               "aucun courrier préparé"))

    grades = []
    for grade in file.grades:
        history = "<br>".join(
            f"{frenchdates.paris(c.at):%d/%m/%Y %H:%M} {escape(c.by)} : {_token(c.old)} → {_token(c.new)}"
            + (f" ({escape(c.reason)})" if c.reason else "")
            for c in grade.history
        )
        grades.append((escape(grade.ue), escape(grade.session), escape(rules.grade_text(grade.grade) or "sans note"),
                       escape(grade.result.label if grade.result else "—"), "publiée" if grade.published else "non publiée",
                       f"<small>{history}</small>"))
    parts.append("<h3>Notes</h3>" + _table(("UE", "Session", "Note", "Résultat", "Publication", "Historique"), grades,
                                           "aucune note") + f"<p><small>{NO_GRADE_BY_PHONE}</small></p>")

    attestations = [
        ("attestation de M1" if a.kind == "m1" else "attestation de réussite", escape(a.year), escape(a.reference),
         f"{frenchdates.paris(a.issued_at):%d/%m/%Y}")
        for a in file.attestations
    ]
    parts.append("<h3>Attestations</h3>" + _table(("Attestation", "Année", "Référence", "Délivrée le"), attestations,
                                                  "aucune attestation"))
    return "".join(parts)


class _SearchField(QLineEdit):
    """The search line: ↓ goes to the list of students found."""

    def __init__(self, dialog: StudentDialog):
        super().__init__(dialog)
        self.dialog = dialog

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Down and self.dialog.hits:
            self.dialog.results.setFocus()
            self.dialog.results.setCurrentIndex(self.dialog.results.model().index(0, 0))
            return
        super().keyPressEvent(event)


class StudentDialog(QDialog):
    """Search a student, read the file: identity, exams, requests and letters, grades, attestations."""

    def __init__(self, db: Database, parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.hits: list[StudentHit] = []
        self.file: StudentFile | None = None
        self.setWindowTitle("Dossier d'un auditeur")
        self.resize(1000, 720)

        self.search = _SearchField(self)
        self.search.setObjectName("studentSearch")
        self.search.setPlaceholderText("Numéro d'auditeur ou nom (sans accents), puis Entrée")
        self.search.setClearButtonEnabled(True)
        self.message = QLabel(self)
        self.message.setObjectName("studentMessage")
        self.results_model = QStringListModel(self)
        self.results = QListView(self)
        self.results.setObjectName("studentResults")
        self.results.setModel(self.results_model)
        self.results.setEditTriggers(QListView.EditTrigger.NoEditTriggers)
        self.view = QTextBrowser(self)
        self.view.setObjectName("studentFile")
        self.view.setOpenLinks(False)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.results)
        splitter.addWidget(self.view)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([240, 760])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        # Entrée searches or opens a file; it never closes the dialog (Échap does).
        for button in buttons.buttons():
            button.setAutoDefault(False)
            button.setDefault(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.message)
        layout.addWidget(splitter, 1)
        layout.addWidget(buttons)

        # The list follows the typing after a short pause; Entrée searches at once.
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(250)
        self.timer.timeout.connect(lambda: self.find(open_single=False))
        self.search.textEdited.connect(lambda _text: self.timer.start())
        self.search.returnPressed.connect(lambda: self.find(open_single=True))
        self.results.activated.connect(self._chosen)
        self.results.selectionModel().currentChanged.connect(lambda current, _previous: self._chosen(current))
        self.view.setHtml("<p><i>Tapez un numéro d'auditeur ou un nom, puis Entrée.</i></p>")

    def start(self, text: str = "") -> None:
        """Ready for a new search: the field focused, its text selected (or the text given)."""
        if text:
            self.search.setText(text)
        if self.isVisible():  # behind the window: brought back to the front
            self.raise_()
            self.activateWindow()
        else:
            self.show()
            self.activateWindow()
        self.search.setFocus()
        self.search.selectAll()
        if text:
            self.find(open_single=True)

    def find(self, open_single: bool = True) -> None:
        self.timer.stop()
        text = self.search.text().strip()
        if not text:
            return
        self.hits = student_file.search_students(self.db, text)
        self.results_model.setStringList([hit.label for hit in self.hits])
        if not self.hits:
            self.message.setText(f"Aucun auditeur ne correspond à « {text} ».")
            return
        count = len(self.hits)
        self.message.setText(
            "1 auditeur trouvé." if count == 1 else f"{count} auditeurs trouvés : ↓ puis Entrée pour en ouvrir un.")
        exact = self.hits[0].number.upper() == student_file.normalise_number(text)
        if open_single and (count == 1 or exact):
            self.show_file(self.hits[0].number)
            self.results.setCurrentIndex(self.results_model.index(0, 0))
        elif open_single:
            self.results.setFocus()
            self.results.setCurrentIndex(self.results_model.index(0, 0))

    def _chosen(self, index: QModelIndex) -> None:
        if index.isValid() and 0 <= index.row() < len(self.hits):
            self.show_file(self.hits[index.row()].number)

    def show_file(self, number: str) -> None:
        if self.file is not None and self.file.student_number == number:
            return
        try:
            self.file = student_file.student_file(self.db, number)
        except RefusedInput as refused:
            self.file = None
            self.message.setText(str(refused))
            return
        self.view.setHtml(file_html(self.file))
        self.setWindowTitle(f"Dossier de l'auditeur {self.file.name} ({self.file.student_number})")


class StudentSearch:
    """The window's way in: Ctrl+K from any tab, and a search box at the right of the menu bar."""

    def __init__(self, window: Any):
        self.window = window
        self.dialog: StudentDialog | None = None
        self.box: QLineEdit = window.search_box  # drawn with the window's frame, greyed until now
        self.box.setEnabled(True)
        self.box.returnPressed.connect(self._from_box)
        self.action = QAction("&Dossier d'un auditeur…", window)
        self.action.setShortcut(QKeySequence(SHORTCUT))
        self.action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.action.triggered.connect(lambda _checked=False: self.open())

    def open(self, text: str = "") -> StudentDialog:
        if self.dialog is None:
            self.dialog = StudentDialog(self.window.db, self.window)
        self.dialog.start(text)
        return self.dialog

    def _from_box(self) -> None:
        text = self.box.text().strip()
        self.box.clear()
        self.open(text)


def install(window: Any) -> StudentSearch:
    """Ctrl+K in the window (Affichage menu) and the search box at the right of the menu bar."""
    search = StudentSearch(window)
    window.addAction(search.action)
    window.menu("Affichage").addAction(search.action)
    return search
