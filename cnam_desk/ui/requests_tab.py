"""The Demandes tab: the queue of a session's requests, reviewed one by one, all from the keyboard.

The tab is put together here: its widgets (requests_view), what each action does
(requests_controller), the decision panel (decision_panel) and the request sheet (request_detail).
"""

from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtGui import QAction, QDesktopServices
from PySide6.QtWidgets import QWidget

from cnam_desk.db.engine import Database
from cnam_desk.requests.review import Decision
from cnam_desk.ui.decision_panel import REDIRECTIONS, SHORTCUTS, DecisionPanel
from cnam_desk.ui.request_detail import details_html
from cnam_desk.ui.requests_controller import PROOF_SUFFIXES, RequestsController

__all__ = [
    "PROOF_SUFFIXES",
    "REDIRECTIONS",
    "SHORTCUTS",
    "DecisionPanel",
    "RequestsTab",
    "details_html",
    "open_externally",
]


def open_externally(path_or_url: str) -> None:
    """Hand a proof to the system's viewer (replaced in tests)."""
    url = QUrl(path_or_url) if "://" in path_or_url else QUrl.fromLocalFile(path_or_url)
    QDesktopServices.openUrl(url)


class RequestsTab(RequestsController):
    """Choose a session, filter its queue, open a request, decide; the next one opens by itself."""

    def __init__(self, db: Database, parent: QWidget | None = None, lazy: bool = False):
        super().__init__(parent)
        # Looked up at each call, so that the viewer can be replaced.
        self._wire(db, lambda target: open_externally(target))
        self._build_actions()
        if not lazy:  # lazy: the window reads the tab when it is first shown
            self._begin()

    # --- actions and their keys -----------------------------------------------------------------

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
        self._action(
            "undo",
            "A&nnuler la dernière décision (courrier non imprimé)",
            self.undo_last_decision,
            SHORTCUTS["undo"],
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
