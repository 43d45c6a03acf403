"""The Demandes tab: the queue of a session's requests, reviewed one by one, all from the keyboard."""

from __future__ import annotations

import datetime as dt
import tempfile
from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QStringListModel, Qt, QTime, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTextBrowser,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from cnam_desk import frenchdates
from cnam_desk.db.engine import Database
from cnam_desk.db.models import RequestKind, RequestStatus
from cnam_desk.errors import EditConflict, RefusedInput
from cnam_desk.requests import checks, detail, manual, queue, review
from cnam_desk.requests.labels import HANDICNAM, KIND_LABELS, SOURCE_LABELS, STATUS_LABELS
from cnam_desk.requests.review import Decision
from cnam_desk.schedule import exam_calendar
from cnam_desk.ui import msgbox, request_dialogs
from cnam_desk.ui.drops import SPREADSHEETS, FileDropFilter
from cnam_desk.ui.request_dialogs import from_qdate, to_qdate
from cnam_desk.ui.request_models import COLUMNS, ROW_ROLE, QueueModel, QueueProxy

PROOF_SUFFIXES = tuple(manual.PROOF_TYPES)

REDIRECTIONS = [HANDICNAM, "secrétariat pédagogique de l'UE", "service des diplômes"]

# The office's keyboard: decisions on Ctrl+Shift+letter, moving in the queue on Alt+arrows.
SHORTCUTS = {
    "accept": "Ctrl+Shift+A",
    "refuse": "Ctrl+Shift+R",
    "incomplete": "Ctrl+Shift+I",
    "redirect": "Ctrl+Shift+H",
    "save": "Ctrl+Return",
    "next": "Alt+Down",
    "previous": "Alt+Up",
    "next_pending": "Ctrl+J",
    "search": "Ctrl+F",
    "new": "Ctrl+Shift+M",
    "proof": "Ctrl+Shift+J",
    "letter": "Ctrl+Shift+L",
}


def open_externally(path_or_url: str) -> None:
    """Hand a proof to the system's viewer (replaced in tests)."""
    url = QUrl(path_or_url) if "://" in path_or_url else QUrl.fromLocalFile(path_or_url)
    QDesktopServices.openUrl(url)


def _time(value: dt.time | None) -> str:
    return frenchdates.hour(value) if value else ""


def _check_line(name: str, value: Any) -> str:
    label = checks.LABELS[name].get(value, str(value))
    if value is None:
        return f"<span style='color:#6b7280'>{escape(label)}</span>"
    colour = "#b91c1c" if value in checks.WARNINGS else "#15803d"
    mark = "✗" if value in checks.WARNINGS else "✓"
    return f"<span style='color:{colour}'>{mark} {escape(label)}</span>"


def details_html(d: detail.RequestDetails) -> str:
    """One request whole, as the review pane shows it: a compact two-column sheet."""
    row = d.row
    e = escape
    lines: list[tuple[str, str]] = []

    def add(label: str, html: str) -> None:
        lines.append((label, html))

    student = f"<b>{e(row.student_name or '(nom non indiqué)')}</b>, n° {e(row.student_number)}"
    if d.email:
        student += f" · {e(d.email)}"
    if not d.student_known:
        student += " <span style='color:#b91c1c'>(numéro inconnu du fichier des auditeurs)</span>"
    add("Auditeur", student)
    add("Demande", f"<b>{e(KIND_LABELS[row.kind])}</b> – « {e(d.reason_text)} »")
    received = (
        f"le {e(frenchdates.long_datetime(row.received_at))} ({e(SOURCE_LABELS[row.source])})"
    )
    if row.receipts > 1:
        received += f", <b>{row.receipts} envois</b>"
    add("Reçue", received)
    if d.comment:
        add("Commentaire", f"« {e(d.comment)} »")
    if d.trip_start or d.trip_end:
        first = d.trip_start or d.trip_end
        last = d.trip_end or d.trip_start
        assert first is not None and last is not None
        add(
            "Déplacement",
            f"du {e(frenchdates.long_date(first))} au {e(frenchdates.long_date(last))}",
        )
    exams = []
    for exam in d.exams:
        enrolled = "" if exam.enrolled else " <span style='color:#b91c1c'>(non inscrit)</span>"
        if exam.date:
            when = e(
                f"{frenchdates.long_date(exam.date)}, {_time(exam.start)}–{_time(exam.end)}, {exam.room}"
            )
        else:
            when = "<span style='color:#b91c1c'>absent du planning de la session</span>"
        exams.append(f"<b>{e(exam.code)}</b> {e(exam.title)}{enrolled}<br>&nbsp;&nbsp;{when}")
    add("Examens", "<br>".join(exams) or "<span style='color:#6b7280'>aucun</span>")
    if d.other_exams:
        add(
            "Ses autres examens",
            "<span style='color:#4b5563'>"
            + e(
                "; ".join(
                    f"{o.code} {frenchdates.short_date(o.date)} {_time(o.start)}–{_time(o.end)}"
                    for o in d.other_exams
                    if o.date
                )
            )
            + "</span>",
        )
    found = [
        _check_line(name, row.checks.get(name))
        for name in checks.CHECK_NAMES
        if row.checks.get(name) is not None
    ]
    add(
        "Contrôles",
        "<br>".join(found) or "<span style='color:#6b7280'>aucun pour ce type de demande</span>",
    )
    if d.proofs:
        add(
            "Justificatifs",
            "<br>".join(
                f"<a href='proof:{p.id}'>{e(p.file_name)}</a>"
                + (f" ({p.size / 1024:.0f} Ko)" if p.size else " (lien)")
                for p in d.proofs
            ),
        )
    elif row.kind is not RequestKind.DISABILITY:
        add(
            "Justificatifs",
            "<span style='color:#6b7280'>aucun (déposez un PDF ou une image sur la demande)</span>",
        )
    if row.status is not RequestStatus.PENDING:
        decision = f"<b>{e(STATUS_LABELS[row.status])}</b>"
        if row.decided_at:
            decision += e(f" par {row.decided_by} le {frenchdates.long_datetime(row.decided_at)}")
        for arrangement in d.arrangements:
            decision += "<br>Aménagement : " + e(
                f"{arrangement.ue_code} le {frenchdates.long_date(arrangement.date)} de "
                f"{_time(arrangement.start)} à {_time(arrangement.end)}, {arrangement.room}"
            )
        if d.decision_reason:
            decision += f"<br>{e(d.decision_reason)}"
        if d.missing_items:
            decision += f"<br>Manque : {e(d.missing_items)}"
            if d.reply_by:
                decision += f" (réponse attendue avant le {e(frenchdates.long_date(d.reply_by))})"
        if d.decision_comment:
            decision += f"<br>Commentaire : {e(d.decision_comment)}"
        if d.letter_printed_at:
            decision += (
                f"<br><b>Courrier imprimé le {e(frenchdates.long_datetime(d.letter_printed_at))}</b> : "
                "un changement demande un motif."
            )
        add("Décision", decision)
    add(
        "Historique",
        "<span style='color:#374151'>"
        + "<br>".join(
            f"{e(frenchdates.paris(h.at).strftime('%d/%m/%Y %H:%M'))} – {e(h.text)}"
            + (f" ({e(h.clerk)})" if h.clerk else "")
            for h in d.history
        )
        + "</span>",
    )
    head = (
        f"<p style='margin:0'><span style='font-size:large'><b>Demande n° {row.id}</b> – {e(STATUS_LABELS[row.status])}</span>"
        f" <span style='color:#6b7280'>· session {e(d.session_key)} · version {row.version}</span></p>"
    )
    body = "".join(
        f"<tr><td style='color:#4b5563; padding-right:8px' valign='top'>{e(label)}</td><td>{html}</td></tr>"
        for label, html in lines
    )
    return f"{head}<table cellspacing='0' cellpadding='2'>{body}</table>"


class DecisionPanel(QGroupBox):
    """The clerk's decision on the request shown: one page per decision, then Enregistrer."""

    save_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Décision", parent)
        self.details: detail.RequestDetails | None = None
        self.reasons: list[str] = []

        self.choices = QButtonGroup(self)
        self.choices.setExclusive(True)
        self.buttons: dict[Decision, QPushButton] = {}
        choice_row = QHBoxLayout()
        labels = {
            Decision.ACCEPT: "&Accepter",
            Decision.REFUSE: "&Refuser",
            Decision.INCOMPLETE: "&Incomplète",
            Decision.REDIRECT: "Re&diriger",
        }
        for position, (decision, label) in enumerate(labels.items(), start=1):
            button = QPushButton(label.replace("&", ""), self)
            button.setCheckable(True)
            button.setToolTip(SHORTCUTS[decision.value])
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            self.choices.addButton(button, position)
            self.buttons[decision] = button
            choice_row.addWidget(button)
        self.choices.idClicked.connect(lambda page: self.choose(list(labels)[page - 1]))

        self.pages = QStackedWidget(self)
        hint = QLabel(
            f"Choisissez une décision : accepter ({SHORTCUTS['accept']}), refuser ({SHORTCUTS['refuse']}), "
            f"incomplète ({SHORTCUTS['incomplete']}) ou rediriger ({SHORTCUTS['redirect']}) ; puis "
            f"{SHORTCUTS['save'].replace('Return', 'Entrée')} pour enregistrer.",
            self,
        )
        hint.setWordWrap(True)
        hint.setStyleSheet("color:#4b5563")
        self.pages.addWidget(hint)

        accept = QWidget(self)
        form = QFormLayout(accept)
        self.accept_exam = QComboBox(accept)
        self.accept_exam.setObjectName("acceptExam")
        self.accept_date = QDateEdit(accept)
        self.accept_date.setCalendarPopup(True)
        self.accept_date.setDisplayFormat("dddd d MMMM yyyy")
        self.accept_start = QTimeEdit(accept)
        self.accept_end = QTimeEdit(accept)
        for edit in (self.accept_start, self.accept_end):
            edit.setDisplayFormat("HH:mm")
        self.accept_room = QLineEdit(accept)
        self.accept_comment = QLineEdit(accept)
        times = QHBoxLayout()
        times.addWidget(self.accept_start)
        times.addWidget(QLabel("à", accept))
        times.addWidget(self.accept_end)
        times.addStretch(1)
        form.addRow("Examen concerné", self.accept_exam)
        form.addRow("Autre date", self.accept_date)
        form.addRow("Horaire", times)
        form.addRow("Salle", self.accept_room)
        form.addRow("Commentaire", self.accept_comment)
        self.accept_exam.currentIndexChanged.connect(lambda _i: self._suggest_arrangement())
        self.pages.addWidget(accept)

        refuse = QWidget(self)
        form = QFormLayout(refuse)
        self.refuse_reason = QComboBox(refuse)
        self.refuse_reason.setObjectName("refuseReason")
        self.refuse_reason.setModel(QStringListModel(self.refuse_reason))
        self.refuse_comment = QLineEdit(refuse)
        # The reasons are whole sentences: the chosen one is shown in full under the list.
        self.refuse_reason_text = QLabel(refuse)
        self.refuse_reason_text.setWordWrap(True)
        self.refuse_reason_text.setStyleSheet("color:#374151")
        self.refuse_reason.currentTextChanged.connect(self.refuse_reason_text.setText)
        form.addRow("Motif", self.refuse_reason)
        form.addRow("", self.refuse_reason_text)
        form.addRow("Commentaire", self.refuse_comment)
        self.pages.addWidget(refuse)

        incomplete = QWidget(self)
        form = QFormLayout(incomplete)
        self.incomplete_missing = QLineEdit(incomplete)
        self.incomplete_missing.setObjectName("missingItems")
        self.incomplete_missing.setPlaceholderText(
            "par exemple : l'ordre de mission signé par l'employeur"
        )
        self.incomplete_reply_by = QDateEdit(incomplete)
        self.incomplete_reply_by.setCalendarPopup(True)
        self.incomplete_reply_by.setDisplayFormat("dddd d MMMM yyyy")
        form.addRow("Ce qui manque", self.incomplete_missing)
        form.addRow("Réponse attendue avant le", self.incomplete_reply_by)
        self.pages.addWidget(incomplete)

        redirect = QWidget(self)
        form = QFormLayout(redirect)
        self.redirect_to = QComboBox(redirect)
        self.redirect_to.setEditable(True)
        self.redirect_to.addItems(REDIRECTIONS)
        self.redirect_comment = QLineEdit(redirect)
        form.addRow("Rediriger vers", self.redirect_to)
        form.addRow("Commentaire", self.redirect_comment)
        self.pages.addWidget(redirect)

        self.error = QLabel(self)
        self.error.setObjectName("decisionError")
        self.error.setStyleSheet("color:#b91c1c")
        self.error.setWordWrap(True)
        self.save_button = QPushButton("Enregistrer la décision", self)
        self.save_button.setToolTip(SHORTCUTS["save"])
        self.save_button.clicked.connect(self.save_requested)
        bottom = QHBoxLayout()
        bottom.addWidget(self.error, 1)
        bottom.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.addLayout(choice_row)
        layout.addWidget(self.pages)
        layout.addLayout(bottom)
        self.show_request(None)

    # --- showing -----------------------------------------------------------------------------

    def set_reasons(self, reasons: list[str]) -> None:
        self.reasons = reasons
        model = self.refuse_reason.model()
        assert isinstance(model, QStringListModel)
        model.setStringList(reasons)

    def show_request(self, details: detail.RequestDetails | None) -> None:
        self.details = details
        self.error.clear()
        self.choices.setExclusive(False)
        for button in self.buttons.values():
            button.setChecked(False)
        self.choices.setExclusive(True)
        self.pages.setCurrentIndex(0)
        enabled = details is not None
        disability = details is not None and details.row.kind is RequestKind.DISABILITY
        for decision, button in self.buttons.items():
            button.setEnabled(enabled and (not disability or decision is Decision.REDIRECT))
        self.save_button.setEnabled(False)
        if details is None:
            return
        self.accept_exam.blockSignals(True)
        self.accept_exam.clear()
        for exam in details.exams:
            self.accept_exam.addItem(exam.code, exam.code)
        # For two exams at the same time, the later one is the one usually moved.
        if details.row.kind is RequestKind.OVERLAP and len(details.exams) > 1:
            self.accept_exam.setCurrentIndex(len(details.exams) - 1)
        self.accept_exam.blockSignals(False)
        self._suggest_arrangement()
        self.accept_comment.clear()
        self.refuse_reason.setCurrentIndex(
            review.suggest_refusal_reason(self.reasons, details.row.checks, details.row.kind)
            if self.reasons
            else -1
        )
        self.refuse_comment.clear()
        self.incomplete_missing.setText(
            "le justificatif du déplacement (ordre de mission)"
            if details.row.checks.get("proof") == checks.MISSING
            else ""
        )
        today = frenchdates.paris(frenchdates.now()).date()
        self.incomplete_reply_by.setDate(
            to_qdate(today + dt.timedelta(days=review.INCOMPLETE_REPLY_DAYS))
        )
        self.redirect_to.setCurrentIndex(0)
        self.redirect_comment.clear()

    def _suggest_arrangement(self) -> None:
        if self.details is None:
            return
        code = self.accept_exam.currentData()
        proposal = review.suggest_arrangement(self.details, code) if code else None
        if proposal is None:
            day = self.details.session_first_day
            proposal = review.ArrangementInput(code, day, dt.time(9, 0), dt.time(12, 0), "")
        self.accept_date.setDate(to_qdate(proposal.date))
        self.accept_start.setTime(QTime(proposal.start.hour, proposal.start.minute))
        self.accept_end.setTime(QTime(proposal.end.hour, proposal.end.minute))
        self.accept_room.setText(proposal.room)

    # --- choosing ----------------------------------------------------------------------------

    def choose(self, decision: Decision) -> bool:
        button = self.buttons[decision]
        if not button.isEnabled():
            return False
        button.setChecked(True)
        page = list(self.buttons).index(decision) + 1
        self.pages.setCurrentIndex(page)
        self.save_button.setEnabled(True)
        self.error.clear()
        first = {
            Decision.ACCEPT: self.accept_exam,
            Decision.REFUSE: self.refuse_reason,
            Decision.INCOMPLETE: self.incomplete_missing,
            Decision.REDIRECT: self.redirect_to,
        }[decision]
        first.setFocus(Qt.FocusReason.ShortcutFocusReason)
        return True

    def chosen(self) -> Decision | None:
        for decision, button in self.buttons.items():
            if button.isChecked():
                return decision
        return None

    def decision_input(self) -> dict[str, Any]:
        """The keyword arguments of review.decide for what the clerk filled in."""
        decision = self.chosen()
        if decision is Decision.ACCEPT and self.details is not None and self.details.row.kind is RequestKind.ATTESTATION:
            return {}  # the programme check decides what an accepted attestation request grants
        if decision is Decision.ACCEPT:
            start, end = self.accept_start.time(), self.accept_end.time()
            return {
                "arrangement": review.ArrangementInput(
                    self.accept_exam.currentData(),
                    from_qdate(self.accept_date.date()),
                    dt.time(start.hour(), start.minute()),
                    dt.time(end.hour(), end.minute()),
                    self.accept_room.text(),
                ),
                "comment": self.accept_comment.text(),
            }
        if decision is Decision.REFUSE:
            return {
                "reason": self.refuse_reason.currentText(),
                "comment": self.refuse_comment.text(),
            }
        if decision is Decision.INCOMPLETE:
            return {
                "reason": self.incomplete_missing.text(),
                "reply_by": from_qdate(self.incomplete_reply_by.date()),
            }
        if decision is Decision.REDIRECT:
            return {
                "reason": self.redirect_to.currentText(),
                "comment": self.redirect_comment.text(),
            }
        return {}


class RequestsTab(QWidget):
    """Choose a session, filter its queue, open a request, decide; the next one opens by itself."""

    request_shown = Signal(int)

    def __init__(self, db: Database, parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.details: detail.RequestDetails | None = None
        self.sessions: dict[str, exam_calendar.SessionView] = {}
        self.actions: dict[str, QAction] = {}

        # --- the bar above the queue
        self.session = QComboBox(self)
        self.session.setObjectName("requestSession")
        self.status_filter = QComboBox(self)
        self.status_filter.addItem("Tous les statuts", None)
        for status in RequestStatus:
            self.status_filter.addItem(STATUS_LABELS[status], status.value)
        self.kind_filter = QComboBox(self)
        self.kind_filter.addItem("Tous les types", None)
        for kind in RequestKind:
            self.kind_filter.addItem(KIND_LABELS[kind], kind.value)
        self.check_filter = QComboBox(self)
        self.check_filter.addItem("Tous les contrôles", None)
        self.check_filter.addItem("Un contrôle à regarder", "attention")
        self.check_filter.addItem("Contrôles sans réserve", "clear")
        self.late_filter = QCheckBox("Hors délai seulement", self)
        self.search = QLineEdit(self)
        self.search.setObjectName("requestSearch")
        self.search.setPlaceholderText("n°, auditeur ou UE")
        self.search.setClearButtonEnabled(True)
        for combo in (self.status_filter, self.kind_filter, self.check_filter):
            combo.currentIndexChanged.connect(lambda _i: self.apply_filters())
        self.late_filter.toggled.connect(lambda _c: self.apply_filters())
        # Typing in the search field asks the database after a short pause, not at each key.
        self.search_timer = QTimer(self)
        self.search_timer.setSingleShot(True)
        self.search_timer.setInterval(250)
        self.search_timer.timeout.connect(self.apply_filters)
        self.search.textChanged.connect(lambda _t: self.search_timer.start())
        self.search.returnPressed.connect(self.apply_filters)
        self.session.currentIndexChanged.connect(
            lambda _i: self.load_session(self.session.currentData())
        )

        bar = QHBoxLayout()
        session_label = QLabel("&Session", self)
        session_label.setBuddy(self.session)
        bar.addWidget(session_label)
        bar.addWidget(self.session)
        bar.addSpacing(12)
        for widget in (self.status_filter, self.kind_filter, self.check_filter, self.late_filter):
            bar.addWidget(widget)
        bar.addWidget(self.search, 1)

        self.counts = QLabel(self)
        self.counts.setObjectName("requestCounts")
        self.due = QLabel(self)
        self.due.setObjectName("requestDue")
        info = QHBoxLayout()
        info.addWidget(self.counts, 1)
        info.addWidget(self.due)

        # --- the queue
        self.model = QueueModel(self)
        self.proxy = QueueProxy(self)
        self.proxy.setSourceModel(self.model)
        self.query: queue.QueueQuery | None = None
        self.counts_by_status: dict[RequestStatus, int] = {}
        self.table = QTableView(self)
        self.table.setObjectName("requestQueue")
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(1, Qt.SortOrder.AscendingOrder)
        header.sortIndicatorChanged.connect(self.sort_queue)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        em = self.fontMetrics().horizontalAdvance("0")
        for column, chars in enumerate((5, 17, 10, 23, 14, 15, 13, 10, 11, 11, 11, 7)):
            self.table.setColumnWidth(column, chars * em + 12)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)

        self.import_button = QPushButton("Importer des demandes…", self)
        self.new_button = QPushButton("Nouvelle demande…", self)
        self.import_button.clicked.connect(self.choose_import)
        self.new_button.clicked.connect(self.new_request)
        left_buttons = QHBoxLayout()
        left_buttons.addWidget(self.import_button)
        left_buttons.addWidget(self.new_button)
        left_buttons.addStretch(1)
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.table)
        left_layout.addLayout(left_buttons)

        # --- the review pane
        self.pane = QTextBrowser(self)
        self.pane.setObjectName("requestPane")
        self.pane.setOpenLinks(False)
        self.pane.anchorClicked.connect(self._open_link)
        self.pane.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.decision = DecisionPanel(self)
        self.decision.save_requested.connect(self.save_decision)
        self.proof_button = QPushButton("Joindre un justificatif…", self)
        self.proof_button.clicked.connect(self.choose_proof)
        self.letter_button = QPushButton("Courrier…", self)
        self.letter_button.setObjectName("letterButton")
        self.letter_button.setToolTip(
            f"Aperçu et impression du courrier de décision ({SHORTCUTS['letter']})"
        )
        self.letter_button.clicked.connect(self.open_letter)
        right_buttons = QHBoxLayout()
        right_buttons.addWidget(self.proof_button)
        right_buttons.addStretch(1)
        right_buttons.addWidget(self.letter_button)
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.decision, 1)
        right_layout.addLayout(right_buttons)

        # The queue across the whole width; below it, the request whole and the decision.
        self.review = QSplitter(Qt.Orientation.Horizontal, self)
        self.review.addWidget(self.pane)
        self.review.addWidget(right)
        self.review.setStretchFactor(0, 3)
        self.review.setStretchFactor(1, 2)
        self.review.setSizes([720, 520])
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.review)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([330, 370])

        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addLayout(info)
        layout.addWidget(self.splitter, 1)

        # Spreadsheets dropped anywhere on the tab are imported; a PDF or an image dropped on a
        # line of the queue, or on the review pane, is kept as that request's proof.
        self._drops = [
            FileDropFilter(SPREADSHEETS, self._dropped, self),
            FileDropFilter(SPREADSHEETS + PROOF_SUFFIXES, self._dropped_on_queue, self),
            FileDropFilter(SPREADSHEETS + PROOF_SUFFIXES, self._dropped, self),
        ]
        self.setAcceptDrops(True)
        self.installEventFilter(self._drops[0])
        self.table.viewport().setAcceptDrops(True)
        self.table.viewport().installEventFilter(self._drops[1])
        self.pane.viewport().setAcceptDrops(True)
        self.pane.viewport().installEventFilter(self._drops[2])

        self._build_actions()
        self.decision.set_reasons(review.refusal_reasons(db))
        self.reload_sessions()

    # --- actions and menus ---------------------------------------------------------------------

    def _action(
        self,
        name: str,
        text: str,
        slot: Any,
        shortcut: str | None = None,
        extra: tuple[str, ...] = (),
    ) -> QAction:
        action = QAction(text, self)
        keys = [QKeySequence(k) for k in ((shortcut,) if shortcut else ()) + extra]
        if keys:
            action.setShortcuts(keys)
            # Active while the clerk works in this tab only: other tabs may use the same keys.
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        self.actions[name] = action
        return action

    def _build_actions(self) -> None:
        self._action(
            "accept",
            "&Accepter…",
            lambda: self.choose_decision(Decision.ACCEPT),
            SHORTCUTS["accept"],
        )
        self._action(
            "refuse",
            "&Refuser…",
            lambda: self.choose_decision(Decision.REFUSE),
            SHORTCUTS["refuse"],
        )
        self._action(
            "incomplete",
            "Demander un &complément…",
            lambda: self.choose_decision(Decision.INCOMPLETE),
            SHORTCUTS["incomplete"],
        )
        self._action(
            "redirect",
            "Re&diriger…",
            lambda: self.choose_decision(Decision.REDIRECT),
            SHORTCUTS["redirect"],
        )
        self._action(
            "save",
            "&Enregistrer la décision",
            self.save_decision,
            SHORTCUTS["save"],
            ("Ctrl+Enter",),
        )
        self._action("next", "Demande &suivante", lambda: self.move(1), SHORTCUTS["next"])
        self._action(
            "previous", "Demande &précédente", lambda: self.move(-1), SHORTCUTS["previous"]
        )
        self._action(
            "next_pending",
            "Demande en a&ttente suivante",
            self.open_next_pending,
            SHORTCUTS["next_pending"],
        )
        self._action("search", "&Chercher dans la file", self.focus_search, SHORTCUTS["search"])
        self._action(
            "new", "&Nouvelle demande (courrier, accueil)…", self.new_request, SHORTCUTS["new"]
        )
        self._action("proof", "&Joindre un justificatif…", self.choose_proof, SHORTCUTS["proof"])
        self._action("letter", "C&ourrier…", self.open_letter, SHORTCUTS["letter"])
        self._action("reasons", "&Motifs de refus…", self.edit_reasons)
        self.import_action = QAction("Importer des &demandes…", self)
        self.import_action.triggered.connect(lambda _checked=False: self.choose_import())
        for name in ("accept", "refuse", "incomplete", "redirect", "save"):
            self.table.addAction(self.actions[name])

    def install_menus(self, window: Any) -> None:
        """A « Demandes » menu listing every action and its shortcut; the import in Fichier."""
        window.add_file_action(self.import_action)
        bar = window.menuBar()
        self.menu = QMenu("Dema&ndes", bar)
        for names in (
            ("accept", "refuse", "incomplete", "redirect", "save"),
            ("next", "previous", "next_pending", "search"),
            ("new", "proof", "letter"),
            ("reasons",),
        ):
            for name in names:
                self.menu.addAction(self.actions[name])
            self.menu.addSeparator()
        bar.insertMenu(window.menu("Aide").menuAction(), self.menu)

    # --- sessions and queue --------------------------------------------------------------------

    def reload_sessions(self, select: str | None = None) -> None:
        views = exam_calendar.list_sessions(self.db)
        self.sessions = {view.key: view for view in views}
        current = select or self.session.currentData() or queue.session_with_pending(self.db)
        if current not in self.sessions:
            current = next(
                (v.key for v in views if v.state is not exam_calendar.SessionState.CLOSED), None
            )
            current = current or (views[-1].key if views else None)
        self.session.blockSignals(True)
        self.session.clear()
        for view in views:
            self.session.addItem(
                f"{view.year}, semestre {view.semester}, session {view.number}", view.key
            )
        if current:
            self.session.setCurrentIndex(max(self.session.findData(current), 0))
        self.session.blockSignals(False)
        self.load_session(self.session.currentData())

    def current_session_key(self) -> str | None:
        return self.session.currentData()

    def make_query(self) -> queue.QueueQuery | None:
        key = self.current_session_key()
        if not key:
            return None
        header = self.table.horizontalHeader()
        column = header.sortIndicatorSection()
        sort = COLUMNS[column].sort if 0 <= column < len(COLUMNS) else "received_at"
        # Combo boxes give enum members back as plain strings.
        status = self.status_filter.currentData()
        kind = self.kind_filter.currentData()
        return queue.QueueQuery(
            session_key=key,
            status=RequestStatus(status) if status else None,
            kind=RequestKind(kind) if kind else None,
            checks=self.check_filter.currentData(),
            late_only=self.late_filter.isChecked(),
            text=self.search.text().strip(),
            sort=sort,
            descending=header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder,
        )

    def _fetch(self, ids: list[int]) -> dict[int, queue.QueueRow]:
        return queue.rows_by_id(self.db, ids)

    def load_session(self, key: str | None, select_id: int | None = None) -> None:
        """Read the queue again: the numbers in order, the counts; the lines come as they are shown."""
        view = self.sessions.get(key) if key else None
        self.query = self.make_query()
        ids = queue.queue_ids(self.db, self.query) if self.query else []
        self.counts_by_status = queue.status_counts(self.db, key) if key else {}
        self.model.load(ids, self._fetch, view.processing_due if view else None)
        self._show_due(view)
        self.update_counts()
        if select_id is not None and self.select_request(select_id):
            return
        if not self.open_next_pending(from_top=True) and self.proxy.rowCount():
            self.table.selectRow(0)
        if not self.proxy.rowCount():
            self.show_request(None)

    def reload(self) -> None:
        """Read the session again (after an import, or another clerk's changes)."""
        current = self.current_request_id()
        self.decision.set_reasons(review.refusal_reasons(self.db))
        self.load_session(self.current_session_key(), select_id=current)

    def sort_queue(self, column: int, order: Qt.SortOrder) -> None:
        """A click on a column header: the database gives the new order, the current request stays."""
        self.query = self.make_query()
        if self.query is None:
            return
        self.model.reorder(queue.queue_ids(self.db, self.query))
        current = self.current_request_id()
        if current is not None:
            self.select_request(current)

    def _show_due(self, view: exam_calendar.SessionView | None) -> None:
        if view is None or view.processing_due is None:
            self.due.setText("Date limite des demandes : en cours de planification" if view else "")
            return
        due = view.processing_due
        text = f"À traiter avant le {frenchdates.long_datetime(due)}"
        overdue = self.counts_by_status.get(RequestStatus.PENDING, 0) if self.model.now > due else 0
        if overdue:
            text = (
                f"<span style='color:#b91c1c'><b>{text} : dépassé, {overdue} demande"
                f"{'s' if overdue > 1 else ''} en retard de traitement</b></span>"
            )
        self.due.setText(text)

    def update_counts(self) -> None:
        parts = [
            f"{STATUS_LABELS[status]} : {self.counts_by_status.get(status, 0)}"
            for status in RequestStatus
        ]
        total = sum(self.counts_by_status.values())
        shown = self.proxy.rowCount()
        suffix = f" — {total} demande{'s' if total > 1 else ''}"
        if shown != total:
            suffix += f", {shown} affichée{'s' if shown > 1 else ''}"
        self.counts.setText(" · ".join(parts) + suffix)

    def apply_filters(self) -> None:
        current = self.current_request_id()
        self.load_session(self.current_session_key(), select_id=current)

    # --- moving in the queue -------------------------------------------------------------------

    def current_request_id(self) -> int | None:
        return self.details.row.id if self.details else None

    def select_request(self, request_id: int) -> bool:
        source_row = self.model.row_of(request_id)
        if source_row is None:
            return False
        index = self.proxy.mapFromSource(self.model.index(source_row, 0))
        if not index.isValid():
            return False
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index)
        if self.current_request_id() != request_id:
            self._show(request_id)
        return True

    def move(self, step: int) -> None:
        count = self.proxy.rowCount()
        if not count:
            return
        current = self.table.currentIndex()
        row = current.row() + step if current.isValid() else 0
        row = min(max(row, 0), count - 1)
        self.table.selectRow(row)
        self.table.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def open_next_pending(self, from_top: bool = False, after_row: int | None = None) -> bool:
        """Open the next request still waiting for a decision, below the current one first."""
        count = self.proxy.rowCount()
        if not count:
            return False
        if from_top:
            start = -1
        elif after_row is not None:
            start = after_row
        else:
            current = self.table.currentIndex()
            start = current.row() if current.isValid() else -1
        for offset in range(1, count + 1):
            row = (start + offset) % count
            queued = self.proxy.index(row, 0).data(ROW_ROLE)
            if queued is not None and queued.status is RequestStatus.PENDING:
                self.table.selectRow(row)
                return True
        return False

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        queued = current.data(ROW_ROLE) if current.isValid() else None
        if queued is None:
            self.show_request(None)
        elif self.current_request_id() != queued.id or (
            self.details and self.details.row.version != queued.version
        ):
            self._show(queued.id)

    def _show(self, request_id: int) -> None:
        try:
            details = detail.request_details(self.db, request_id)
        except RefusedInput as error:
            msgbox.warning(self, "Demande", str(error))
            return
        self.show_request(details)

    def show_request(self, details: detail.RequestDetails | None) -> None:
        self.details = details
        if details is None:
            self.pane.setHtml("<p style='color:#6b7280'>Aucune demande à afficher.</p>")
        else:
            self.pane.setHtml(details_html(details))
        self.decision.show_request(details)
        can_attach = details is not None and details.row.kind is not RequestKind.DISABILITY
        self.proof_button.setEnabled(can_attach)
        self.letter_button.setEnabled(
            details is not None and details.row.status is not RequestStatus.PENDING
        )
        if details is not None:
            self.request_shown.emit(details.row.id)

    # --- deciding -----------------------------------------------------------------------------

    def choose_decision(self, decision: Decision) -> None:
        if self.details is None:
            return
        self.decision.choose(decision)

    def save_decision(self) -> None:
        details = self.details
        decision = self.decision.chosen()
        if details is None or decision is None:
            return
        arguments = self.decision.decision_input()
        change_reason = ""
        while True:
            try:
                row = review.decide(
                    self.db,
                    details.row.id,
                    decision,
                    expect_version=details.row.version,
                    change_reason=change_reason,
                    **arguments,
                )
                break
            except review.ChangeReasonRequired as needed:
                reason = request_dialogs.ask_change_reason(self, str(needed))
                if not reason:
                    return
                change_reason = reason
            except EditConflict as conflict:
                msgbox.warning(self, "Demande modifiée par ailleurs", str(conflict))
                self._refresh_row(details.row.id)
                return
            except RefusedInput as error:
                self.decision.error.setText(str(error))
                return
        proxy_row = self.table.currentIndex().row()
        self.model.update_row(row)
        still_shown = self.query is None or self.query.accepts(row)
        if not still_shown:
            self.model.remove_request(row.id)
        self.counts_by_status = queue.status_counts(
            self.db, self.current_session_key() or details.session_key
        )
        self.update_counts()
        self._show_due(self.sessions.get(self.current_session_key() or ""))
        # The next request opens by itself: the next one waiting below, else from the top.
        if not self.open_next_pending(after_row=proxy_row if still_shown else proxy_row - 1):
            if still_shown:
                self.select_request(row.id)
            self._show(row.id)
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def _refresh_row(self, request_id: int) -> None:
        try:
            row = queue.get_row(self.db, request_id)
        except RefusedInput:
            self.reload()
            return
        self.model.update_row(row)
        self.counts_by_status = queue.status_counts(self.db, self.current_session_key() or "")
        self.update_counts()
        self._show(request_id)

    # --- files ----------------------------------------------------------------------------------

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def choose_import(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self,
            "Importer des demandes (export Microsoft Forms)",
            "",
            "Classeurs (*.xlsx *.xlsm *.xls *.xlsb *.ods)",
        )
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path) -> None:
        report = request_dialogs.open_import(self, self.db, path)
        if report is None:
            return
        msgbox.information(self, "Import des demandes", f"« {path.name} » : {report.summary()}")
        select = report.request_ids[0] if report.request_ids else None
        if select is not None:
            key = detail.request_details(self.db, select).session_key
            if key != self.current_session_key():
                self.session.blockSignals(True)
                self.session.setCurrentIndex(max(self.session.findData(key), 0))
                self.session.blockSignals(False)
        self.load_session(self.current_session_key(), select_id=select)

    def new_request(self) -> None:
        dialog = request_dialogs.NewRequestDialog(self.db, self.current_session_key(), self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.request_id is not None:
            key = dialog.session.currentData()
            if key != self.current_session_key():
                self.session.blockSignals(True)
                self.session.setCurrentIndex(max(self.session.findData(key), 0))
                self.session.blockSignals(False)
            self.load_session(self.current_session_key(), select_id=dialog.request_id)

    def choose_proof(self) -> None:
        if self.details is None:
            return
        path, _filter = QFileDialog.getOpenFileName(
            self,
            "Joindre un justificatif",
            "",
            "PDF ou image (*.pdf *.png *.jpg *.jpeg *.gif *.webp *.tif *.tiff)",
        )
        if path:
            self.attach_proof(self.details.row.id, Path(path))

    def attach_proof(self, request_id: int, path: Path) -> bool:
        expected = (
            self.details.row.version if self.details and self.details.row.id == request_id else None
        )
        try:
            manual.attach_proof(self.db, request_id, path, expect_version=expected)
        except RefusedInput as error:
            msgbox.warning(self, "Justificatif", str(error))
            self._refresh_row(request_id)
            return False
        self.model.update_row(queue.get_row(self.db, request_id))
        self.select_request(request_id)
        self._show(request_id)
        return True

    def _dropped(self, paths: list[Path], _event: Any) -> None:
        for path in paths:
            if path.suffix.lower() in SPREADSHEETS:
                self.import_file(path)
            elif self.details is not None:
                self.attach_proof(self.details.row.id, path)

    def _dropped_on_queue(self, paths: list[Path], event: Any) -> None:
        index = self.table.indexAt(event.position().toPoint())
        queued = index.data(ROW_ROLE) if index.isValid() else None
        for path in paths:
            if path.suffix.lower() in SPREADSHEETS:
                self.import_file(path)
            elif queued is not None:
                self.attach_proof(queued.id, path)
            elif self.details is not None:
                self.attach_proof(self.details.row.id, path)

    def _open_link(self, url: QUrl) -> None:
        text = url.toString()
        if not text.startswith("proof:"):
            return
        name, _media, content, link = manual.proof_content(self.db, int(text.split(":", 1)[1]))
        if content is None:
            if link:
                open_externally(link)
            return
        folder = Path(tempfile.mkdtemp(prefix="cnam-desk-justificatif-"))
        target = folder / Path(name).name
        target.write_bytes(content)
        open_externally(str(target))

    # --- other windows --------------------------------------------------------------------------

    def open_letter(self) -> None:
        """The decision letter of the request shown (the letters' own preview dialog)."""
        if self.details is None or self.details.row.status is RequestStatus.PENDING:
            msgbox.information(
                self, "Courrier", "Décidez d'abord la demande : le courrier dit la décision."
            )
            return
        try:
            # deferred on purpose: the letter preview needs QtPdf, loaded only when a letter is shown
            from cnam_desk.ui.letter_preview import LetterPreviewDialog
        except ModuleNotFoundError as missing:
            if missing.name != "cnam_desk.ui.letter_preview":
                raise
            msgbox.information(
                self,
                "Courrier",
                "La préparation des courriers n'est pas encore disponible dans cette version.",
            )
            return
        request_id = self.details.row.id
        dialog = LetterPreviewDialog(self.db, [request_id], self)
        dialog.exec()
        self._refresh_row(request_id)

    def edit_reasons(self) -> None:
        dialog = request_dialogs.RefusalReasonsDialog(self.db, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.decision.set_reasons(review.refusal_reasons(self.db))
            self.decision.show_request(self.details)
