"""The main window: the four tabs, menus, status bar, remembered geometry and last tab."""

from __future__ import annotations

from PySide6.QtCore import QByteArray
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMenu, QTabWidget, QWidget

from cnam_desk import __version__, settings
from cnam_desk.db.engine import Database, current_clerk
from cnam_desk.ui import msgbox, safety, student_dialog
from cnam_desk.ui.calendar_tab import CalendarTab
from cnam_desk.ui.dashboard_tab import DashboardTab, connect_window
from cnam_desk.ui.preferences import PreferencesDialog
from cnam_desk.ui.requests_tab import RequestsTab
from cnam_desk.ui.results_tab import ResultsTab

TAB_NAMES = ("tableau", "calendrier", "demandes", "resultats")


def database_label(db: Database) -> str:
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        return f"Base locale : {url.database}"
    return f"Base partagée : {url.host or ''}/{url.database or ''}"


class MainWindow(QMainWindow):
    def __init__(self, db: Database, parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.setWindowTitle("Cnam Desk – service des examens")
        self.setMinimumSize(900, 600)

        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.dashboard_tab = DashboardTab(db, self)  # read when first shown
        self.calendar_tab = CalendarTab(db, self)
        self.requests_tab = RequestsTab(db, self)
        self.results_tab = ResultsTab(db, self)
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

        self.database_status = QLabel(database_label(db))
        self.clerk_status = QLabel(f"Agent : {db.clerk}")
        self.statusBar().addPermanentWidget(self.database_status)
        self.statusBar().addPermanentWidget(self.clerk_status)
        self._restore()

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
        self.letters_action.triggered.connect(self._session_letters)
        self.file_menu.insertAction(self.quit_action, self.letters_action)
        self.file_menu.insertSeparator(self.quit_action)

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
        key = self.calendar_tab.current_key()
        if key is None:
            msgbox.information(self, "Courriers de décision", "Choisissez d'abord une session dans l'onglet Calendrier.")
            return
        # deferred on purpose: reportlab, when the dialog opens
        from cnam_desk.ui.letter_preview import LetterPreviewDialog

        LetterPreviewDialog(self.db, parent=self, session_key=key).exec()

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

    def save_state(self) -> None:
        settings.save_workstation({
            "window_geometry": bytes(self.saveGeometry().toBase64()).decode("ascii"),
            "last_tab": self.tabs.currentIndex(),
        })

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        self.save_state()
        super().closeEvent(event)


