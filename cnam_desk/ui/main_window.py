"""The main window: the four tabs, menus, status bar, remembered geometry and last tab.

The window is built in two steps so that the clerk sees it at once. `MainWindow()` is the frame:
title, tab bar, menus and status bar, at the remembered size and on the last tab, with nothing read
yet; it needs Qt alone. `attach(db)` then opens the features on the database: the four tabs, their
menus, the window's session, and the current tab's data (`cnam_desk.ui.window_content`).
`MainWindow(db)` does both at once.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QPaintEvent
from PySide6.QtWidgets import QLabel, QMainWindow, QMenu, QTabWidget, QWidget

from cnam_desk import __version__, settings
from cnam_desk.ui import help_dialogs, msgbox
from cnam_desk.ui.search_box import search_corner

TAB_NAMES = ("tableau", "calendrier", "demandes", "resultats")
TAB_LABELS = ("&Tableau de bord", "&Calendrier", "&Demandes", "&Résultats")
WINDOW_TITLE = "Cnam Desk – service des examens"
OPENING = "Ouverture de la base…"


def database_label(db: Any) -> str:
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        return f"Base locale : {url.database}"
    return f"Base partagée : {url.host or ''}/{url.database or ''}"


def _waiting_page() -> QLabel:
    page = QLabel(OPENING)
    page.setAlignment(Qt.AlignmentFlag.AlignCenter)
    page.setEnabled(False)  # greyed: nothing to read yet
    return page


class MainWindow(QMainWindow):
    first_painted = Signal()  # the frame is on screen: the database can be opened behind it

    def __init__(self, db: Any = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.opened = False  # True once the tabs are built on the database and the current one is read
        self._painted = False
        self.setWindowTitle(WINDOW_TITLE)
        self.setMinimumSize(900, 600)

        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        for label in TAB_LABELS:
            self.tabs.addTab(_waiting_page(), label)
        self.setCentralWidget(self.tabs)
        self._build_menus()
        self.search_box = search_corner(self)  # Ctrl+K: searches once the database is open

        self.session_status = QLabel(self)
        self.session_status.setObjectName("sessionStatus")
        self.database_status = QLabel(OPENING)
        self.clerk_status = QLabel("")
        self.statusBar().addPermanentWidget(self.session_status)
        self.statusBar().addPermanentWidget(self.database_status)
        self.statusBar().addPermanentWidget(self.clerk_status)
        self._restore()
        if db is not None:
            self.attach(db)

    def attach(self, db: Any) -> None:
        """The features on the database: tabs, their menus, the window's session, the current tab read."""
        # deferred on purpose: the features and SQLAlchemy load once the frame is on screen
        from cnam_desk.ui import window_content

        self.db = db
        window_content.fill(self, db)
        for action in self.needs_database:
            action.setEnabled(True)
        self.opened = True

    def show_database(self) -> None:
        self.database_status.setText(database_label(self.db))
        self.clerk_status.setText(f"Agent : {self.db.clerk}")

    def show_session(self, key: str | None, label: str) -> None:
        self.setWindowTitle(f"{WINDOW_TITLE} – {label}" if key else WINDOW_TITLE)
        self.session_status.setText(f"Session : {label}")

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            self.first_painted.emit()

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

        for index, label in enumerate(TAB_LABELS):
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

        # What reads or writes the database waits for it to be open.
        self.needs_database = [preferences, letterhead, self.letters_action, about]
        for action in self.needs_database:
            action.setEnabled(False)

    def menu(self, name: str) -> QMenu:
        """The menu a tab adds its actions to: "Fichier", "Édition", "Affichage" or "Aide"."""
        return {"Fichier": self.file_menu, "Édition": self.edit_menu, "Affichage": self.view_menu, "Aide": self.help_menu}[name]

    def add_file_action(self, action: QAction) -> None:
        """File actions of the tabs go above Quitter."""
        self.file_menu.insertAction(self.quit_action, action)

    def _preferences(self) -> None:
        # deferred on purpose: the dialog, and the database's naming of the clerk, when it opens
        from cnam_desk.ui import preferences

        if preferences.PreferencesDialog(self).exec():
            self.db.clerk = preferences.current_clerk()
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

    def place_tabs(self, pages: list[QWidget]) -> None:
        """The features' tabs in place of the waiting pages, on the same tab."""
        current = self.tabs.currentIndex()
        self.tabs.setUpdatesEnabled(False)
        self.tabs.blockSignals(True)
        try:
            for index, page in enumerate(pages):
                waiting = self.tabs.widget(index)
                self.tabs.removeTab(index)
                self.tabs.insertTab(index, page, TAB_LABELS[index])
                waiting.deleteLater()
            self.tabs.setCurrentIndex(current)
        finally:
            self.tabs.blockSignals(False)
            self.tabs.setUpdatesEnabled(True)

    # --- geometry -----------------------------------------------------------------------

    def _restore(self) -> None:
        values = settings.workstation()
        geometry = values["window_geometry"]
        if not (isinstance(geometry, str) and geometry and self.restoreGeometry(QByteArray.fromBase64(geometry.encode()))):
            self.resize(1280, 800)
        tab = values["last_tab"]
        self.tabs.setCurrentIndex(tab if isinstance(tab, int) and 0 <= tab < self.tabs.count() else 0)

    def save_state(self) -> None:
        settings.save_workstation({
            "window_geometry": bytes(self.saveGeometry().toBase64()).decode("ascii"),
            "last_tab": self.tabs.currentIndex(),
        })

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        self.save_state()
        super().closeEvent(event)
