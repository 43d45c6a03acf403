"""The Demandes tab's decisions: a decision saved (and said in the status bar), the last one taken back (Ctrl+Z)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from cnam_desk.errors import EditConflict, RefusedInput
from cnam_desk.requests import queue, review, undo
from cnam_desk.requests.letter_state import LetterState
from cnam_desk.requests.review import Decision
from cnam_desk.ui import msgbox, request_dialogs

SAVED = "Décision enregistrée – courrier à imprimer"
STATUS_TIMEOUT_MS = 8000


class DecisionActions:
    """Mixed into the tab's controller: it provides the view's widgets and the queue's slots."""

    # The request (number, version) of the decision saved last in this tab: what Ctrl+Z takes back.
    last_decision: tuple[int, int] | None = None

    def say(self: Any, text: str) -> None:
        """A line in the window's status bar (through the tab's signal)."""
        self.message.emit(text, STATUS_TIMEOUT_MS)

    def choose_decision(self: Any, decision: Decision) -> None:
        if self.details is None:
            return
        self.decision.choose(decision)

    def save_decision(self: Any) -> None:
        details = self.details
        decision = self.decision.chosen()
        if details is None or decision is None:
            return
        missing = self.decision.missing_choice()
        if missing:
            self.decision.error.setText(missing)
            self.decision.refuse_reason.setFocus(Qt.FocusReason.OtherFocusReason)
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
        self.last_decision = (row.id, row.version)
        self.say(SAVED if row.letter.state is LetterState.TO_PRINT else "Décision enregistrée")
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


    def undo_last_decision(self: Any) -> None:
        """Ctrl+Z: the last decision saved here is taken back while its letter is not printed."""
        if self.last_decision is None:
            self.say("Aucune décision à annuler.")
            return
        request_id, version = self.last_decision
        try:
            row = undo.undo_decision(self.db, request_id, expect_version=version)
        except RefusedInput as refused:
            self.last_decision = None
            msgbox.warning(self, "Annuler la décision", str(refused))
            self._refresh_row(request_id)
            return
        self.last_decision = None
        if self.model.row_of(row.id) is None:
            self.load_session(self.current_session_key(), select_id=row.id)
        else:
            self.model.update_row(row)
            self.counts_by_status = queue.status_counts(self.db, self.current_session_key() or "")
            self.update_counts()
            self._show_due(self.sessions.get(self.current_session_key() or ""))
            self.select_request(row.id)
            self._show(row.id)
        self.say(f"Décision annulée – la demande n° {row.id} est de nouveau en attente")
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
