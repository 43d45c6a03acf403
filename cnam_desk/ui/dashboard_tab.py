"""The Tableau de bord tab: the session at a glance, each figure opening the list behind it.

The figures are read when the tab is shown (never at start-up while another tab is on screen), and
again each time it comes back, so they follow what the other tabs changed. What a figure opens
elsewhere in the window is asked for with a signal (`requests_wanted`, `letters_wanted`,
`exam_wanted`, `session2_wanted`) that `connect_window` joins to the other tabs; the requests of
one day open in a dialog of their own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QFont, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from cnam_desk import dashboard, frenchdates
from cnam_desk.dashboard import Dashboard
from cnam_desk.db.engine import Database
from cnam_desk.requests import queue
from cnam_desk.schedule import exam_calendar
from cnam_desk.schedule.exam_calendar import SessionState
from cnam_desk.ui.table_columns import remember_columns

STATE_TEXT = {
    SessionState.NOT_OPEN: "demandes pas encore ouvertes",
    SessionState.OPEN: "demandes ouvertes",
    SessionState.PROCESSING: "semaine de traitement en cours",
    SessionState.CLOSED: "semaine de traitement terminée",
}


def plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count} {word if count <= 1 else (words or word + 's')}"


class Figure(QFrame):
    """One figure of the board: a title, a big number the clerk clicks (or presses), a line below."""

    def __init__(self, title: str, name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName(name)
        self.title = QLabel(f"<b>{title}</b>", self)
        self.button = QPushButton("—", self)
        self.button.setObjectName(f"{name}Button")
        self.button.setFlat(True)
        self.button.setCursor(Qt.CursorShape.PointingHandCursor)
        big = QFont(self.font())
        big.setPointSizeF(big.pointSizeF() * 2.2)
        big.setBold(True)
        self.button.setFont(big)
        self.button.setStyleSheet("text-align: left; padding: 2px 4px;")
        self.detail = QLabel(self)
        self.detail.setObjectName(f"{name}Detail")
        self.detail.setWordWrap(True)
        self.extra = QPushButton(self)
        self.extra.setObjectName(f"{name}Extra")
        self.extra.setFlat(True)
        self.extra.setStyleSheet("text-align: left; color: #b91c1c; padding: 0 4px;")
        self.extra.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.button)
        layout.addWidget(self.detail)
        layout.addWidget(self.extra)
        layout.addStretch(1)

    def set(self, number: str, detail: str, tip: str) -> None:
        self.button.setText(number)
        self.button.setToolTip(tip)
        self.button.setAccessibleName(f"{self.title.text()} : {number}")
        self.detail.setText(detail)


class DayRequestsDialog(QDialog):
    """The requests of the session received on one day; Entrée or a double click opens one in Demandes."""

    request_chosen = Signal(int)

    def __init__(self, session_key: str, day: dt.date, rows: list[queue.QueueRow], parent: QWidget | None = None):
        super().__init__(parent)
        # deferred on purpose: QtCharts, never at start-up
        from cnam_desk.ui.dashboard_models import DayRequestsModel

        self.setWindowTitle(f"Demandes reçues le {frenchdates.long_date(day)}")
        self.resize(820, 420)
        self.model = DayRequestsModel(self)
        self.model.set_rows(rows)
        self.table = QTableView(self)
        self.table.setObjectName("dayRequests")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        remember_columns(self.table, "dayRequests", stretch=3)
        self.table.activated.connect(self._chosen)
        if rows:
            self.table.selectRow(0)
        summary = QLabel(f"Session {session_key} : {plural(len(rows), 'demande')} reçue(s) le "
                         f"{frenchdates.long_date(day)}. Entrée ouvre la demande dans l'onglet Demandes.", self)
        summary.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)

    def _chosen(self, index: Any) -> None:
        # deferred on purpose: QtCharts, never at start-up
        from cnam_desk.ui.dashboard_models import ROW_ROLE

        row = index.data(ROW_ROLE)
        if row is not None:
            self.request_chosen.emit(row.id)
            self.accept()


class DashboardTab(QWidget):
    """A session's figures; the session is chosen here (or given by the window with `set_session`)."""

    requests_wanted = Signal(str, str, bool)  # session, status ("" for all), late only
    request_wanted = Signal(str, int)  # session, request number
    letters_wanted = Signal(str)  # session
    exam_wanted = Signal(str, str)  # session, UE
    session2_wanted = Signal(str)  # semester
    session_changed = Signal(str)

    def __init__(self, db: Database, parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.board: Dashboard | None = None
        self.day_dialog: DayRequestsDialog | None = None
        self._sessions_read = False
        # The window's current session, asked for at each reading (the window sets it).
        self.session_wanted: Callable[[], str | None] = lambda: None

        self.session = QComboBox(self)
        self.session.setObjectName("dashboardSession")
        session_label = QLabel("&Session", self)
        session_label.setBuddy(self.session)
        self.state = QLabel(self)
        self.state.setObjectName("dashboardState")
        self.refresh_button = QPushButton("Actualiser", self)
        self.refresh_button.setToolTip("Relire les chiffres de la session (F5)")
        top = QHBoxLayout()
        top.addWidget(session_label)
        top.addWidget(self.session)
        top.addWidget(self.state, 1)
        top.addWidget(self.refresh_button)

        self.requests_figure = Figure("Demandes", "requestsFigure", self)
        self.processing_figure = Figure("Semaine de traitement", "processingFigure", self)
        self.letters_figure = Figure("Courriers à imprimer", "lettersFigure", self)
        self.session2_figure = Figure("Session 2", "session2Figure", self)
        figures = QHBoxLayout()
        for figure in (self.requests_figure, self.processing_figure, self.letters_figure, self.session2_figure):
            figures.addWidget(figure, 1)

        # The charts (QtCharts, slow to load) are built just after the figures are first drawn.
        self.status_chart: Any = None
        self.days_chart: Any = None
        self.exams_chart: Any = None
        self.charts = QGridLayout()
        self.charts.setColumnStretch(0, 1)
        self.charts.setColumnStretch(1, 1)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(figures)
        layout.addLayout(self.charts, 1)

        self.refresh_action = QAction("Actualiser le tableau de bord", self)
        self.refresh_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Refresh))
        self.refresh_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.refresh_action.triggered.connect(lambda _checked=False: self.load())
        self.addAction(self.refresh_action)

        self.session.currentIndexChanged.connect(lambda _i: self._session_chosen())
        self.refresh_button.clicked.connect(lambda: self.load())
        self.requests_figure.button.clicked.connect(lambda: self._want_requests("", False))
        self.processing_figure.button.clicked.connect(lambda: self._want_requests("pending", False))
        self.processing_figure.extra.clicked.connect(lambda: self._want_requests("pending", True))
        self.letters_figure.button.clicked.connect(lambda: self._want(self.letters_wanted))
        self.session2_figure.button.clicked.connect(self._want_session2)

    def charts_built(self) -> bool:
        return self.status_chart is not None

    def build_charts(self) -> None:
        if self.charts_built():
            return
        # deferred on purpose: QtCharts, once the figures are drawn
        from cnam_desk.ui.dashboard_models import DaysChart, ExamsChart, StatusChart

        self.status_chart = StatusChart(self)
        self.days_chart = DaysChart(self)
        self.exams_chart = ExamsChart(self)
        exams_area = QScrollArea(self)
        exams_area.setWidgetResizable(True)
        exams_area.setFrameShape(QFrame.Shape.NoFrame)
        exams_area.setWidget(self.exams_chart)
        self.charts.addWidget(self.status_chart, 0, 0)
        self.charts.addWidget(self.days_chart, 1, 0)
        self.charts.addWidget(exams_area, 0, 1, 2, 1)
        for widget in (self.status_chart, self.days_chart, exams_area):
            widget.show()
        self.layout().activate()  # placed and sized now, so that a click finds its bar at once
        self.status_chart.status_clicked.connect(lambda status: self._want_requests(status, False))
        self.days_chart.day_clicked.connect(self.open_day)
        self.exams_chart.exam_clicked.connect(lambda ue: self.exam_wanted.emit(self.current_key() or "", ue))
        if self.board is not None:
            self._show_charts(self.board)

    # --- the session ------------------------------------------------------------------------

    def current_key(self) -> str | None:
        return self.session.currentData()

    def _read_sessions(self, chosen: str | None = None) -> None:
        views = exam_calendar.list_sessions(self.db)
        if chosen not in {view.key for view in views}:
            chosen = None
        if chosen is None:
            chosen = self.current_key() or queue.session_with_pending(self.db)
            if chosen is None:
                chosen = next((v.key for v in views if v.state is not SessionState.CLOSED), None)
        self.session.blockSignals(True)
        self.session.clear()
        for view in views:
            self.session.addItem(f"{view.year}, semestre {view.semester}, session {view.number}", view.key)
        index = self.session.findData(chosen)
        self.session.setCurrentIndex(index if index >= 0 else max(self.session.count() - 1, 0))
        self.session.blockSignals(False)
        self._sessions_read = True

    def set_session(self, key: str) -> None:
        """Show another session (the window's current session, when it changes elsewhere)."""
        if not self._sessions_read or self.session.findData(key) < 0:
            self._read_sessions(key)
        index = self.session.findData(key)
        if index >= 0 and index != self.session.currentIndex():
            self.session.setCurrentIndex(index)  # said to the window, then read
            return
        if index >= 0:
            self.session_changed.emit(key)
        if self.isVisible():
            self.load()

    def _session_chosen(self) -> None:
        key = self.current_key()
        if key:
            self.session_changed.emit(key)
        if self.isVisible():
            self.load()

    # --- reading ------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.load()
        if not self.charts_built():
            QTimer.singleShot(0, self.build_charts)

    def load(self) -> None:
        wanted = self.session_wanted()
        if not self._sessions_read:
            self._read_sessions(wanted)
        elif wanted and wanted != self.current_key() and self.session.findData(wanted) >= 0:
            self.session.blockSignals(True)
            self.session.setCurrentIndex(self.session.findData(wanted))
            self.session.blockSignals(False)
        key = self.current_key()
        if not key:
            self.board = None
            self.state.setText("Aucune session : créez-en une dans l'onglet Calendrier.")
            return
        self.board = dashboard.session_dashboard(self.db, key)
        self._show(self.board)

    def _show(self, board: Dashboard) -> None:
        self.state.setText(f"<b>{board.title}</b> — {STATE_TEXT[board.state]}")
        self.requests_figure.set(
            str(board.total_requests),
            f"dont {board.waiting} en attente de décision" if board.total_requests else "aucune demande reçue",
            "Ouvrir toutes les demandes de la session dans l'onglet Demandes",
        )
        week = board.processing_text
        self.processing_figure.set(
            f"{board.waiting} en attente", week[:1].upper() + week[1:],
            "Ouvrir les demandes en attente de décision",
        )
        if board.waiting_late:
            self.processing_figure.extra.setText(f"dont {board.waiting_late} reçue(s) après la date limite")
            self.processing_figure.extra.show()
        else:
            self.processing_figure.extra.hide()
        self.letters_figure.set(
            str(board.letters_to_print),
            "décisions dont le courrier n'est pas encore imprimé" if board.letters_to_print else "tous les courriers sont imprimés",
            "Voir les courriers à imprimer avant impression",
        )
        self.session2_figure.set(
            str(board.session2_size),
            f"inscriptions à l'épreuve de session 2 ({plural(board.session2_students, 'auditeur')}), "
            f"semestre {board.semester_key}",
            "Ouvrir la liste de session 2",
        )
        if self.charts_built():
            self._show_charts(board)

    def _show_charts(self, board: Dashboard) -> None:
        self.status_chart.show_board(board)
        self.days_chart.show_board(board)
        self.exams_chart.show_board(board)

    # --- what each figure opens ------------------------------------------------------------------

    def _want(self, signal: Any) -> None:
        key = self.current_key()
        if key:
            signal.emit(key)

    def _want_requests(self, status: str, late_only: bool) -> None:
        key = self.current_key()
        if key:
            self.requests_wanted.emit(key, status, late_only)

    def _want_session2(self) -> None:
        if self.board is not None:
            self.session2_wanted.emit(self.board.semester_key)

    def open_day(self, day: dt.date) -> None:
        key = self.current_key()
        if not key:
            return
        rows = dashboard.requests_received_on(self.db, key, day)
        self.day_dialog = DayRequestsDialog(key, day, rows, self)
        self.day_dialog.request_chosen.connect(lambda request_id: self.request_wanted.emit(key, request_id))
        self.day_dialog.open()


# --- joining the board to the window -----------------------------------------------------------


def _show_requests(window: Any, key: str, status: str, late_only: bool, request_id: int | None = None) -> None:
    """The Demandes tab on the session, with only the status asked for (the other filters cleared)."""
    tab = window.requests_tab
    window.tab_loader.bring_up_to_date(tab)  # a tab never shown yet reads its sessions first
    widgets = (tab.session, tab.status_filter, tab.kind_filter, tab.check_filter, tab.late_filter, tab.search)
    for widget in widgets:
        widget.blockSignals(True)
    try:
        index = tab.session.findData(key)
        if index >= 0:
            tab.session.setCurrentIndex(index)
        tab.status_filter.setCurrentIndex(max(tab.status_filter.findData(status), 0) if status else 0)
        tab.kind_filter.setCurrentIndex(0)
        tab.check_filter.setCurrentIndex(0)
        tab.late_filter.setChecked(late_only)
        tab.search.clear()
    finally:
        for widget in widgets:
            widget.blockSignals(False)
    tab.load_session(key, select_id=request_id)
    window.show_tab("demandes")


def _show_exam(window: Any, key: str, ue: str) -> None:
    tab = window.results_tab
    window.tab_loader.bring_up_to_date(tab)
    tab.select(key, ue)
    tab.pages.setCurrentIndex(0)
    window.show_tab("resultats")


def _show_session2(window: Any, semester_key: str) -> None:
    tab = window.results_tab
    window.tab_loader.bring_up_to_date(tab)
    tab.roster_page.show_semester(semester_key)
    tab.pages.setCurrentIndex(1)
    window.show_tab("resultats")


def _show_letters(window: Any, key: str) -> None:
    # deferred on purpose: reportlab, when the dialog opens
    from cnam_desk.ui.letter_preview import LetterPreviewDialog

    dialog = LetterPreviewDialog(window.db, parent=window, session_key=key)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.finished.connect(lambda _result: window.dashboard_tab.load() if window.dashboard_tab.isVisible() else None)
    window.letters_dialog = dialog
    dialog.open()


def connect_window(window: Any) -> None:
    """Each figure of the window's board opens its list: Demandes filtered, Résultats on the exam or
    the session 2 roster, the letters' preview."""
    board: DashboardTab = window.dashboard_tab
    board.requests_wanted.connect(lambda key, status, late: _show_requests(window, key, status, late))
    board.request_wanted.connect(lambda key, request_id: _show_requests(window, key, "", False, request_id))
    board.exam_wanted.connect(lambda key, ue: _show_exam(window, key, ue))
    board.session2_wanted.connect(lambda semester: _show_session2(window, semester))
    board.letters_wanted.connect(lambda key: _show_letters(window, key))
