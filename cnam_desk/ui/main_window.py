"""The main window: the four tabs, menus, status bar, remembered geometry and last tab."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMenu, QTabWidget, QWidget

from cnam_desk import __version__, settings
from cnam_desk.db.engine import Database, current_clerk
from cnam_desk.requests import queue
from cnam_desk.schedule import exam_calendar
from cnam_desk.schedule.exam_calendar import SessionState
from cnam_desk.ui import help_dialogs, msgbox, safety, student_dialog
from cnam_desk.ui.calendar_tab import CalendarTab
from cnam_desk.ui.dashboard_tab import DashboardTab, connect_window
from cnam_desk.ui.preferences import PreferencesDialog
from cnam_desk.ui.requests_tab import RequestsTab
from cnam_desk.ui.results_tab import ResultsTab
from cnam_desk.ui.session_state import CurrentSession, ShortcutSync, TabHooks, TabLoader, session_label

TAB_NAMES = ("tableau", "calendrier", "demandes", "resultats")
WINDOW_TITLE = "Cnam Desk – service des examens"


def database_label(db: Database) -> str:
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        return f"Base locale : {url.database}"
    return f"Base partagée : {url.host or ''}/{url.database or ''}"


class MainWindow(QMainWindow):
    def __init__(self, db: Database, parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.setWindowTitle(WINDOW_TITLE)
        self.setMinimumSize(900, 600)
        self.session_state = CurrentSession(self._default_session, self)

        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        # Each tab reads the database when it is first shown, on the window's session.
        self.dashboard_tab = DashboardTab(db, self)
        self.calendar_tab = CalendarTab(db, self, lazy=True)
        self.requests_tab = RequestsTab(db, self, lazy=True)
        self.results_tab = ResultsTab(db, self, lazy=True)
        self.tabs.addTab(self.dashboard_tab, "&Tableau de bord")
        self.tabs.addTab(self.calendar_tab, "&Calendrier")
        self.tabs.addTab(self.requests_tab, "&Demandes")
        self.tabs.addTab(self.results_tab, "&Résultats")
        self.setCentralWidget(self.tabs)

        self._build_menus()
        for tab in (self.calendar_tab, self.requests_tab, self.results_tab):
            install = getattr(tab, "install_menus", None)
            if install is not None:
                install(self)
        self.safety = safety.install(self)  # Fichier > Sauvegarder, Restaurer, Vérifier
        connect_window(self)  # each figure of the board opens its list in the other tabs
        self.student_search = student_dialog.install(self)  # Ctrl+K: the student's file

        self.session_status = QLabel(self)
        self.session_status.setObjectName("sessionStatus")
        self.database_status = QLabel(database_label(db))
        self.clerk_status = QLabel(f"Agent : {db.clerk}")
        self.statusBar().addPermanentWidget(self.session_status)
        self.statusBar().addPermanentWidget(self.database_status)
        self.statusBar().addPermanentWidget(self.clerk_status)
        self._join_session()
        self._restore()

    # --- the window's session ---------------------------------------------------------------

    def _join_session(self) -> None:
        """One session for the whole window: chosen in any tab, followed by the others when shown."""
        state = self.session_state
        self.tab_loader = loader = TabLoader(self.tabs, state, self)
        board, calendar, requests, results = self.dashboard_tab, self.calendar_tab, self.requests_tab, self.results_tab

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

        def combo_show(combo, reload):  # type: ignore[no-untyped-def]
            def show(key: str) -> None:
                index = combo.findData(key)
                if index >= 0:
                    combo.setCurrentIndex(index)
                else:
                    reload(key)
            return show

        loader.add(requests, TabHooks(requests._begin, combo_show(requests.session, requests.reload_sessions),
                                      requests.current_session_key, lambda: requests.table))
        requests.session.currentIndexChanged.connect(lambda _i: loader.chosen_in(requests, requests.current_session_key()))
        loader.add(results, TabHooks(results.reload_sessions, combo_show(results.session_combo, results.reload_sessions),
                                     results.session_key, lambda: results.grid))
        results.session_combo.currentIndexChanged.connect(lambda _i: loader.chosen_in(results, results.session_key()))

        # A tab's action started from the menus or by its key acts on the window's session.
        self.file_menu.aboutToShow.connect(loader.bring_all_up_to_date)
        self.edit_menu.aboutToShow.connect(loader.bring_all_up_to_date)
        self.shortcut_sync = ShortcutSync(loader, self)
        for action in self.findChildren(QAction):
            if not action.shortcut().isEmpty():
                action.installEventFilter(self.shortcut_sync)

        state.changed.connect(lambda _key: self._show_session())
        self._show_session()

    def _default_session(self) -> str | None:
        """The session that matters now: the one with requests waiting, else the first not closed, else the last."""
        pending = queue.session_with_pending(self.db)
        if pending:
            return pending
        views = exam_calendar.list_sessions(self.db)
        return next((v.key for v in views if v.state is not SessionState.CLOSED), views[-1].key if views else None)

    def _show_session(self) -> None:
        key = self.session_state.key()
        label = session_label(key)
        self.setWindowTitle(f"{WINDOW_TITLE} – {label}" if key else WINDOW_TITLE)
        self.session_status.setText(f"Session : {label}")

    # --- menus ------------------------------------------------------------------------

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu("&Fichier")
        self.edit_menu = bar.addMenu("É&dition")
        self.view_menu = bar.addMenu("&Affichage")
        self.help_menu = bar.addMenu("A&ide")

        self.quit_action = QAction("&Quitter", self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.triggered.connect(self.close)
        self.file_menu.addAction(self.quit_action)

        for index, label in enumerate(("&Tableau de bord", "&Calendrier", "&Demandes", "&Résultats")):
            action = QAction(label, self)
            action.setShortcut(QKeySequence(f"Ctrl+{index + 1}"))
            action.triggered.connect(lambda _checked=False, i=index: self.tabs.setCurrentIndex(i))
            self.view_menu.addAction(action)

        preferences = QAction("&Préférences du poste…", self)
        preferences.setShortcut(QKeySequence.StandardKey.Preferences)
        preferences.triggered.connect(self._preferences)
        self.edit_menu.addAction(preferences)
        letterhead = QAction("En-tête des &courriers et attestations…", self)
        letterhead.triggered.connect(self._letterhead)
        self.edit_menu.addAction(letterhead)
        self.edit_menu.addSeparator()

        self.letters_action = QAction("Courriers de &décision de la session…", self)
        self.letters_action.setShortcut(QKeySequence.StandardKey.Print)  # Ctrl+P: the letters are what the office prints
        self.letters_action.triggered.connect(self._session_letters)
        self.file_menu.insertAction(self.quit_action, self.letters_action)
        self.file_menu.insertSeparator(self.quit_action)

        self.shortcuts_action = QAction("&Raccourcis clavier…", self)
        self.shortcuts_action.triggered.connect(lambda _checked=False: self._help(help_dialogs.shortcuts_dialog))
        self.help_menu.addAction(self.shortcuts_action)
        self.guide_action = QAction("&Guide du service des examens…", self)
        self.guide_action.setShortcut(QKeySequence(QKeySequence.StandardKey.HelpContents))
        self.guide_action.triggered.connect(lambda _checked=False: self._help(help_dialogs.guide_dialog))
        self.help_menu.addAction(self.guide_action)
        self.help_menu.addSeparator()
        about = QAction("À &propos de Cnam Desk", self)
        about.triggered.connect(self._about)
        self.help_menu.addAction(about)

    def menu(self, name: str) -> QMenu:
        """The menu a tab adds its actions to: "Fichier", "Édition", "Affichage" or "Aide"."""
        return {"Fichier": self.file_menu, "Édition": self.edit_menu, "Affichage": self.view_menu, "Aide": self.help_menu}[name]

    def add_file_action(self, action: QAction) -> None:
        """File actions of the tabs go above Quitter."""
        self.file_menu.insertAction(self.quit_action, action)

    def _preferences(self) -> None:
        if PreferencesDialog(self).exec():
            self.db.clerk = current_clerk()
            self.clerk_status.setText(f"Agent : {self.db.clerk}")

    def _letterhead(self) -> None:
        # deferred on purpose: QtPdf and reportlab, when the dialog opens
        from cnam_desk.ui.letterhead_dialog import LetterheadDialog

        LetterheadDialog(self.db, self).exec()

    def _session_letters(self) -> None:
        """The batch: the selected session's decided letters, previewed, then printed or saved."""
        key = self.session_state.key()
        if key is None:
            msgbox.information(self, "Courriers de décision", "Choisissez d'abord une session dans l'un des onglets.")
            return
        # deferred on purpose: reportlab, when the dialog opens
        from cnam_desk.ui.letter_preview import LetterPreviewDialog

        LetterPreviewDialog(self.db, parent=self, session_key=key).exec()

    def _help(self, build) -> None:  # type: ignore[no-untyped-def]
        """An Aide page, beside the window (not modal: the clerk reads it while working)."""
        self.help_dialog = build(self)
        self.help_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.help_dialog.open()

    def _about(self) -> None:
        msgbox.information(
            self,
            "À propos de Cnam Desk",
            f"Cnam Desk {__version__}\nLe bureau du service des examens : calendrier, demandes "
            f"d'aménagement, courriers et résultats.\n\n{database_label(self.db)}",
        )

    # --- tabs ---------------------------------------------------------------------------

    def show_tab(self, name: str) -> None:
        self.tabs.setCurrentIndex(TAB_NAMES.index(name))

    # --- geometry -----------------------------------------------------------------------

    def _restore(self) -> None:
        values = settings.workstation()
        geometry = values["window_geometry"]
        if not (isinstance(geometry, str) and geometry and self.restoreGeometry(QByteArray.fromBase64(geometry.encode()))):
            self.resize(1280, 800)
        tab = values["last_tab"]
        self.tabs.setCurrentIndex(tab if isinstance(tab, int) and 0 <= tab < self.tabs.count() else 0)
        self.tab_loader.current = self.tabs.currentWidget()
        self.tab_loader.bring_up_to_date(self.tabs.currentWidget())  # index 0 says no change

    def save_state(self) -> None:
        settings.save_workstation({
            "window_geometry": bytes(self.saveGeometry().toBase64()).decode("ascii"),
            "last_tab": self.tabs.currentIndex(),
        })

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        self.save_state()
        super().closeEvent(event)


