"""The clerk's decision on the request shown in the Demandes tab, and the tab's keyboard."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QStringListModel, Qt, QTime, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from cnam_desk import frenchdates
from cnam_desk.db.models import RequestKind
from cnam_desk.requests import checks, detail, review
from cnam_desk.requests.labels import HANDICNAM
from cnam_desk.requests.review import Decision
from cnam_desk.ui.request_dialogs import from_qdate, to_qdate

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
    "undo": "Ctrl+Z",
    "close": "Escape",
}


class DecisionPanel(QGroupBox):
    """The clerk's decision on the request shown: one page per decision, then Enregistrer."""

    save_requested = Signal()
    closed = Signal()  # the form was closed without saving (Escape)

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

        # Escape closes the open form, whatever field has the focus; nothing is saved.
        self.close_action = QAction("Fermer le formulaire sans enregistrer", self)
        self.close_action.setShortcut(QKeySequence(SHORTCUTS["close"]))
        self.close_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.close_action.triggered.connect(lambda _checked=False: self.close_form())
        self.addAction(self.close_action)

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
        suggested = review.suggest_refusal_reason(self.reasons, details.row.checks, details.row.kind)
        # No failed check names a reason: none is chosen, and saving asks for one.
        self.refuse_reason.setCurrentIndex(-1 if suggested is None else suggested)
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

    def close_form(self) -> None:
        """Back to the hint, no decision chosen, the fields as the request proposes them."""
        if self.chosen() is None:
            return
        self.show_request(self.details)
        self.closed.emit()

    def missing_choice(self) -> str:
        """What the clerk must still choose before saving ("" when nothing)."""
        if self.chosen() is Decision.REFUSE and self.refuse_reason.currentIndex() < 0:
            return "Choisissez le motif du refus dans la liste."
        return ""

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
