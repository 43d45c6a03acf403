"""The Demandes tab's widgets and their layout: the bar, the queue, the review pane, the menu."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from cnam_desk.db.models import RequestKind, RequestStatus
from cnam_desk.requests.labels import KIND_LABELS, STATUS_LABELS
from cnam_desk.ui.decision_panel import SHORTCUTS, DecisionPanel
from cnam_desk.ui.request_models import QueueModel, QueueProxy
from cnam_desk.ui.table_columns import remember_columns


class RequestsView(QWidget):
    """The tab as the clerk sees it; what each widget does is wired by the controller."""

    request_shown = Signal(int)
    message = Signal(str, int)  # a line for the window's status bar, and how long it stays (ms)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
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
        # Typing in the search field asks the database after a short pause, not at each key.
        self.search_timer = QTimer(self)
        self.search_timer.setSingleShot(True)
        self.search_timer.setInterval(250)

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
        remember_columns(self.table, "requestQueue")
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)

        self.import_button = QPushButton("Importer des demandes…", self)
        self.new_button = QPushButton("Nouvelle demande…", self)
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
        self.pane.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.decision = DecisionPanel(self)
        self.proof_button = QPushButton("Joindre un justificatif…", self)
        self.letter_button = QPushButton("Courrier…", self)
        self.letter_button.setObjectName("letterButton")
        self.letter_button.setToolTip(
            f"Aperçu et impression du courrier de décision ({SHORTCUTS['letter']})"
        )
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


    def install_menus(self, window: Any) -> None:
        """A « Demandes » menu listing every action and its shortcut; the import in Fichier."""
        window.add_file_action(self.import_action)
        self.message.connect(window.statusBar().showMessage)
        bar = window.menuBar()
        self.menu = QMenu("Dema&ndes", bar)
        for names in (
            ("accept", "refuse", "incomplete", "redirect", "save", "undo"),
            ("next", "previous", "next_pending", "search"),
            ("new", "proof", "letter"),
            ("reasons",),
        ):
            for name in names:
                self.menu.addAction(self.actions[name])
            self.menu.addSeparator()
        bar.insertMenu(window.menu("Aide").menuAction(), self.menu)
