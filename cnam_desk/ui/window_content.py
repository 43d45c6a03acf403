"""The window's features on its database: the four tabs, their menus, and one session for the window.

`fill` runs once, on the window's frame already on screen (`cnam_desk.ui.main_window`); the
current tab is read at once, each other tab when it is first shown.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QAction

from cnam_desk.db.engine import Database
from cnam_desk.requests import queue
from cnam_desk.schedule import exam_calendar
from cnam_desk.schedule.exam_calendar import SessionState
from cnam_desk.ui import safety, student_dialog
from cnam_desk.ui.calendar_tab import CalendarTab
from cnam_desk.ui.dashboard_tab import DashboardTab, connect_window
from cnam_desk.ui.requests_tab import RequestsTab
from cnam_desk.ui.results_tab import ResultsTab
from cnam_desk.ui.session_state import CurrentSession, ShortcutSync, TabHooks, TabLoader, session_label


def fill(window: Any, db: Database) -> None:
    window.session_state = CurrentSession(lambda: default_session(db), window)
    # Each tab reads the database when it is first shown, on the window's session.
    window.dashboard_tab = DashboardTab(db, window)
    window.calendar_tab = CalendarTab(db, window, lazy=True)
    window.requests_tab = RequestsTab(db, window, lazy=True)
    window.results_tab = ResultsTab(db, window, lazy=True)
    window.place_tabs([window.dashboard_tab, window.calendar_tab, window.requests_tab, window.results_tab])

    for tab in (window.calendar_tab, window.requests_tab, window.results_tab):
        install = getattr(tab, "install_menus", None)
        if install is not None:
            install(window)
    window.safety = safety.install(window)  # Fichier > Sauvegarder, Restaurer, Vérifier
    connect_window(window)  # each figure of the board opens its list in the other tabs
    window.student_search = student_dialog.install(window)  # Ctrl+K: the student's file

    window.show_database()
    _join_session(window)
    loader = window.tab_loader
    loader.current = window.tabs.currentWidget()
    loader.bring_up_to_date(window.tabs.currentWidget())  # index 0 says no change


def default_session(db: Database) -> str | None:
    """The session that matters now: the one with requests waiting, else the first not closed, else the last."""
    pending = queue.session_with_pending(db)
    if pending:
        return pending
    views = exam_calendar.list_sessions(db)
    return next((v.key for v in views if v.state is not SessionState.CLOSED), views[-1].key if views else None)


def _combo_show(combo: Any, reload: Any) -> Any:
    def show(key: str) -> None:
        index = combo.findData(key)
        if index >= 0:
            combo.setCurrentIndex(index)
        else:
            reload(key)
    return show


def _join_session(window: Any) -> None:
    """One session for the whole window: chosen in any tab, followed by the others when shown."""
    state = window.session_state
    window.tab_loader = loader = TabLoader(window.tabs, state, window)
    board, calendar, requests, results = window.dashboard_tab, window.calendar_tab, window.requests_tab, window.results_tab

    board.session_wanted = state.key
    board.session_changed.connect(state.set)
    # The board reads itself each time it is shown, on the window's session (`session_wanted`).
    loader.add(board, TabHooks(lambda _key: None,
                               lambda key: board.set_session(key) if key != board.current_key() else None,
                               board.current_key,
                               lambda: board.requests_figure.button))

    def calendar_show(key: str) -> None:
        if key in calendar.sessions:
            calendar.select_session(key)
        else:
            calendar.reload(select=key)

    loader.add(calendar, TabHooks(lambda key: calendar.reload(select=key), calendar_show, calendar.current_key,
                                  lambda: calendar.tree))
    calendar.session_selected.connect(lambda key: loader.chosen_in(calendar, key))

    loader.add(requests, TabHooks(requests._begin, _combo_show(requests.session, requests.reload_sessions),
                                  requests.current_session_key, lambda: requests.table))
    requests.session.currentIndexChanged.connect(lambda _i: loader.chosen_in(requests, requests.current_session_key()))
    loader.add(results, TabHooks(results.reload_sessions, _combo_show(results.session_combo, results.reload_sessions),
                                 results.session_key, lambda: results.grid))
    results.session_combo.currentIndexChanged.connect(lambda _i: loader.chosen_in(results, results.session_key()))

    # A tab's action started from the menus or by its key acts on the window's session.
    window.file_menu.aboutToShow.connect(loader.bring_all_up_to_date)
    window.edit_menu.aboutToShow.connect(loader.bring_all_up_to_date)
    window.shortcut_sync = ShortcutSync(loader, window)
    for action in window.findChildren(QAction):
        if not action.shortcut().isEmpty():
            action.installEventFilter(window.shortcut_sync)

    def show_session() -> None:
        key = state.key()
        window.show_session(key, session_label(key))

    state.changed.connect(lambda _key: show_session())
    show_session()
