"""The Calendrier tab: the sessions (dates, deadline, state) and the selected session's schedule."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QDateTime, QModelIndex, Qt, QTime, Signal
from PySide6.QtGui import QAction, QDropEvent, QKeySequence, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from cnam_desk import frenchdates, importing
from cnam_desk.db.engine import Database
from cnam_desk.errors import RefusedInput
from cnam_desk.progress import Progress
from cnam_desk.schedule import (
    conflicts,
    dropped,
    enrolments,
    exam_calendar,
    planning,
    planning_export,
)
from cnam_desk.schedule.exam_calendar import SessionState, SessionView
from cnam_desk.ui import msgbox, tasks
from cnam_desk.ui.drops import SPREADSHEETS, FileDropFilter
from cnam_desk.ui.import_dialogs import EnrolmentPreviewDialog, SchedulePreviewDialog
from cnam_desk.ui.schedule_view import SchedulePanel

SPREADSHEET_FILTER = "Tableurs (*.xlsx *.xlsm *.xls *.xlsb *.ods)"
EXPORT_FILTER = "Calendrier (*.ics);;Classeur Excel (*.xlsx)"

SESSION_KEY_ROLE = Qt.ItemDataRole.UserRole + 1

STATE_COLOURS = {
    SessionState.NOT_OPEN: "#6b7280",
    SessionState.OPEN: "#15803d",
    SessionState.PROCESSING: "#b45309",
    SessionState.CLOSED: "#374151",
}


def to_qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def from_qdate(day: QDate) -> dt.date:
    return dt.date(day.year(), day.month(), day.day())


class SessionTreeModel(QStandardItemModel):
    """Years > semesters > sessions; a session's item carries its key."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setHorizontalHeaderLabels(["Session", "Dates", "Date limite des demandes", "État"])

    def load(self, sessions: list[SessionView]) -> None:
        self.removeRows(0, self.rowCount())
        years: dict[str, QStandardItem] = {}
        semesters: dict[tuple[str, int], QStandardItem] = {}
        for view in sessions:
            year = years.get(view.year)
            if year is None:
                year = years[view.year] = self._item(f"Année {view.year}")
                self.appendRow([year, self._item(""), self._item(""), self._item("")])
            semester = semesters.get((view.year, view.semester))
            if semester is None:
                semester = semesters[(view.year, view.semester)] = self._item(f"Semestre {view.semester}")
                year.appendRow([semester, self._item(""), self._item(""), self._item("")])
            name = self._item(f"Session {view.number}" + (" (rattrapage)" if view.number == 2 else ""))
            name.setData(view.key, SESSION_KEY_ROLE)
            dates = self._item(f"du {frenchdates.short_date(view.first_day)} au {frenchdates.short_date(view.last_day)}")
            deadline = self._item(view.deadline_text)
            state = self._item(view.state.label)
            for item in (dates, deadline, state):
                item.setData(view.key, SESSION_KEY_ROLE)
            semester.appendRow([name, dates, deadline, state])

    @staticmethod
    def _item(text: str) -> QStandardItem:
        item = QStandardItem(text)
        item.setEditable(False)
        return item

    def index_of(self, key: str) -> QModelIndex:
        matches = self.match(self.index(0, 0), SESSION_KEY_ROLE, key, 1, Qt.MatchFlag.MatchRecursive | Qt.MatchFlag.MatchExactly)
        return matches[0] if matches else QModelIndex()


class SessionDialog(QDialog):
    """Create or edit a session; the service's rules are checked before the dialog closes."""

    def __init__(self, db: Database, view: SessionView | None, years: list[str], parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.view = view
        self.saved: SessionView | None = None
        self.setWindowTitle("Modifier la session" if view else "Nouvelle session")

        form = QFormLayout()
        self.year = QComboBox(self)
        self.year.setEditable(True)
        self.year.addItems(years)
        self.semester = QComboBox(self)
        self.semester.addItems(["1", "2"])
        self.number = QComboBox(self)
        self.number.addItems(["1", "2"])
        self.first_day = QDateEdit(self)
        self.last_day = QDateEdit(self)
        for edit in (self.first_day, self.last_day):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dddd d MMMM yyyy")
        self.has_deadline = QCheckBox("Date limite fixée", self)
        self.deadline = QDateTimeEdit(self)
        self.deadline.setCalendarPopup(True)
        self.deadline.setDisplayFormat("dddd d MMMM yyyy 'à' HH'h'mm")
        self.has_deadline.toggled.connect(self.deadline.setEnabled)
        self.error = QLabel(self)
        self.error.setObjectName("sessionError")
        self.error.setStyleSheet("color: #b91c1c;")
        self.error.setWordWrap(True)

        form.addRow("Année universitaire", self.year)
        form.addRow("Semestre", self.semester)
        form.addRow("Session", self.number)
        form.addRow("Premier jour", self.first_day)
        form.addRow("Dernier jour", self.last_day)
        form.addRow(self.has_deadline)
        form.addRow("Date limite (heure de Paris)", self.deadline)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Save).setText("Enregistrer")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Annuler")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.buttons = buttons

        if view is not None:
            self.year.setCurrentText(view.year)
            self.semester.setCurrentText(str(view.semester))
            self.number.setCurrentText(str(view.number))
            for combo in (self.year, self.semester, self.number):
                combo.setEnabled(False)
            self.first_day.setDate(to_qdate(view.first_day))
            self.last_day.setDate(to_qdate(view.last_day))
            self.has_deadline.setChecked(view.deadline is not None)
            local = frenchdates.paris(view.deadline) if view.deadline else frenchdates.paris_instant(
                view.first_day - dt.timedelta(days=15), dt.time(23, 59)
            )
            self.deadline.setDateTime(QDateTime(to_qdate(local.date()), QTime(local.hour, local.minute)))
        else:
            today = dt.date.today()
            self.first_day.setDate(to_qdate(today))
            self.last_day.setDate(to_qdate(today + dt.timedelta(days=12)))
            self.has_deadline.setChecked(True)
            self.deadline.setDateTime(QDateTime(to_qdate(today - dt.timedelta(days=15)), QTime(23, 59)))
        self.deadline.setEnabled(self.has_deadline.isChecked())

    def key(self) -> str:
        return f"{self.year.currentText().strip()}/S{self.semester.currentText()}/{self.number.currentText()}"

    def chosen_deadline(self) -> dt.datetime | None:
        if not self.has_deadline.isChecked():
            return None
        value = self.deadline.dateTime()
        return frenchdates.paris_instant(
            from_qdate(value.date()), dt.time(value.time().hour(), value.time().minute())
        )

    def save(self) -> None:
        try:
            self.saved = exam_calendar.set_session(
                self.db,
                self.key(),
                from_qdate(self.first_day.date()),
                from_qdate(self.last_day.date()),
                self.chosen_deadline(),
                expect_version=self.view.version if self.view else None,
            )
        except RefusedInput as error:
            self.error.setText(str(error))
            return
        self.accept()


class SessionDetails(QGroupBox):
    """What the office says about one session."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Session", parent)
        form = QFormLayout(self)
        self.dates = QLabel(self)
        self.deadline = QLabel(self)
        self.processing = QLabel(self)
        self.state = QLabel(self)
        for label in (self.dates, self.deadline, self.processing, self.state):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setWordWrap(True)
        form.addRow("Épreuves", self.dates)
        form.addRow("Date limite de demande d'aménagement", self.deadline)
        form.addRow("Traitement des demandes", self.processing)
        form.addRow("État aujourd'hui", self.state)

    def show_session(self, view: SessionView | None) -> None:
        if view is None:
            self.setTitle("Session")
            for label in (self.dates, self.deadline, self.processing, self.state):
                label.setText("")
            return
        self.setTitle(f"{view.title} – {view.year}")
        self.dates.setText(f"du {frenchdates.long_date(view.first_day, weekday=False)} "
                           f"au {frenchdates.long_date(view.last_day, weekday=False)}")
        self.deadline.setText(view.deadline_text)
        due = view.processing_due
        self.processing.setText(
            f"dans la semaine suivant la date limite, jusqu'au {frenchdates.long_datetime(due)}" if due else "—"
        )
        self.state.setText(f"<b style='color:{STATE_COLOURS[view.state]}'>{view.state.label}</b>")


class CalendarTab(QWidget):
    session_selected = Signal(str)
    schedule_changed = Signal(str)  # a session's exams were imported

    def __init__(self, db: Database, parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.sessions: dict[str, SessionView] = {}
        self.jobs: list[Any] = []  # running imports, kept alive until they report back
        self.conflicts: conflicts.Conflicts | None = None

        self.model = SessionTreeModel(self)
        self.tree = QTreeView(self)
        self.tree.setObjectName("sessionTree")
        self.tree.setModel(self.model)
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        self.tree.selectionModel().currentChanged.connect(self._current_changed)
        self.tree.doubleClicked.connect(lambda _index: self.edit_session())

        self.details = SessionDetails(self)
        self.new_button = QPushButton("Nouvelle session…", self)
        self.edit_button = QPushButton("Modifier la session…", self)
        self.new_button.clicked.connect(self.new_session)
        self.edit_button.clicked.connect(self.edit_session)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.edit_button)
        buttons.addStretch(1)
        self.drop_hint = QLabel("Déposez ici un planning ou des inscriptions (.xlsx) : un aperçu s'affiche avant tout enregistrement.", self)
        self.drop_hint.setObjectName("dropHint")
        self.drop_hint.setWordWrap(True)
        self.drop_hint.setStyleSheet("color: #4b5563;")

        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.tree, 3)
        left_layout.addLayout(buttons)
        left_layout.addWidget(self.details)
        left_layout.addWidget(self.drop_hint)

        self.schedule = SchedulePanel(self)
        self.right = QWidget(self)
        self.right_layout = QVBoxLayout(self.right)
        self.right_layout.setContentsMargins(0, 0, 0, 0)
        self.right_layout.addWidget(self.schedule)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.right)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([470, 800])
        layout = QVBoxLayout(self)
        layout.addWidget(self.splitter)

        # A spreadsheet dropped anywhere on the tab goes to the selected session;
        # dropped on a session of the tree, to that session.
        self.setAcceptDrops(True)
        self.tab_drops = FileDropFilter(SPREADSHEETS, self._dropped_on_tab, self)
        self.installEventFilter(self.tab_drops)
        self.tree.viewport().setAcceptDrops(True)
        self.tree_drops = FileDropFilter(SPREADSHEETS, self._dropped_on_tree, self)
        self.tree.viewport().installEventFilter(self.tree_drops)

        self.reload()

    def install_menus(self, window) -> None:  # type: ignore[no-untyped-def]
        self.new_action = QAction("&Nouvelle session…", self)
        self.new_action.setShortcut(QKeySequence("Ctrl+Shift+N"))
        self.new_action.triggered.connect(self.new_session)
        self.edit_action = QAction("&Modifier la session…", self)
        self.edit_action.setShortcut(QKeySequence("Ctrl+E"))
        self.edit_action.triggered.connect(self.edit_session)
        window.menu("Édition").addAction(self.new_action)
        window.menu("Édition").addAction(self.edit_action)

        self.import_schedule_action = QAction("Importer un &planning…", self)
        self.import_schedule_action.setShortcut(QKeySequence("Ctrl+I"))
        self.import_schedule_action.triggered.connect(self.choose_schedule_file)
        self.import_enrolments_action = QAction("Importer des &inscriptions…", self)
        self.import_enrolments_action.triggered.connect(self.choose_enrolment_file)
        self.export_action = QAction("E&xporter le planning…", self)
        self.export_action.triggered.connect(self.export_schedule)
        self.attendance_action = QAction("Feuilles d'é&margement…", self)
        self.attendance_action.triggered.connect(self.write_attendance_sheets)
        for action in (self.import_schedule_action, self.import_enrolments_action, self.export_action, self.attendance_action):
            window.add_file_action(action)

    # --- data ---------------------------------------------------------------------------

    def reload(self, select: str | None = None) -> None:
        current = select or self.current_key()
        views = exam_calendar.list_sessions(self.db)
        self.sessions = {view.key: view for view in views}
        self.model.load(views)
        self.tree.expandAll()
        for column in range(self.model.columnCount()):
            self.tree.resizeColumnToContents(column)
        key = current if current in self.sessions else self._default_key(views)
        if key:
            self.select_session(key)
            if key == current:
                self.load_schedule()  # the selection did not move: show the new data anyway

    @staticmethod
    def _default_key(views: list[SessionView]) -> str | None:
        """The session that matters now: the first not yet closed, else the last."""
        for view in views:
            if view.state is not SessionState.CLOSED:
                return view.key
        return views[-1].key if views else None

    def current_key(self) -> str | None:
        index = self.tree.currentIndex()
        key = index.data(SESSION_KEY_ROLE) if index.isValid() else None
        return str(key) if key else None

    def current_session(self) -> SessionView | None:
        key = self.current_key()
        return self.sessions.get(key) if key else None

    def select_session(self, key: str) -> None:
        index = self.model.index_of(key)
        if index.isValid():
            self.tree.setCurrentIndex(index)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        view = self.current_session()
        self.details.show_session(view)
        self.edit_button.setEnabled(view is not None)
        self.load_schedule()
        if view is not None:
            self.session_selected.emit(view.key)

    def load_schedule(self) -> None:
        """The selected session's exams, month view and clashes, read afresh."""
        view = self.current_session()
        if view is None:
            self.schedule.show_schedule(None, [])
            self.schedule.show_conflicts(None)
            return
        self.schedule.show_schedule(view, planning.exam_rows(self.db, view.key))
        self.conflicts = conflicts.find_conflicts(self.db, view.key)
        self.schedule.show_conflicts(self.conflicts)

    # --- actions ------------------------------------------------------------------------

    def new_session(self) -> None:
        dialog = SessionDialog(self.db, None, exam_calendar.list_years(self.db), self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.saved is not None:
            self.reload(select=dialog.saved.key)

    def edit_session(self) -> None:
        view = self.current_session()
        if view is None:
            msgbox.information(self, "Modifier la session", "Choisissez d'abord une session dans la liste.")
            return
        dialog = SessionDialog(self.db, view, exam_calendar.list_years(self.db), self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.saved is not None:
            self.reload(select=dialog.saved.key)

    # --- imports ------------------------------------------------------------------------

    def _dropped_on_tab(self, paths: list[Path], _event: QDropEvent) -> None:
        self.import_file(paths[0], self.current_key())

    def _dropped_on_tree(self, paths: list[Path], event: QDropEvent) -> None:
        index = self.tree.indexAt(event.position().toPoint())
        key = index.data(SESSION_KEY_ROLE) if index.isValid() else None
        if key:
            self.select_session(str(key))
        self.import_file(paths[0], str(key) if key else self.current_key())

    def choose_schedule_file(self) -> None:
        if self._session_or_tell("Importer un planning") is None:
            return
        path = msgbox.open_file(self, "Importer un planning", SPREADSHEET_FILTER)
        if path is not None:
            self.import_file(path, self.current_key(), kind="planning")

    def choose_enrolment_file(self) -> None:
        if self._session_or_tell("Importer des inscriptions") is None:
            return
        path = msgbox.open_file(self, "Importer des inscriptions", SPREADSHEET_FILTER)
        if path is not None:
            self.import_file(path, self.current_key(), kind="inscriptions")

    def _session_or_tell(self, title: str) -> SessionView | None:
        view = self.current_session()
        if view is None:
            msgbox.information(self, title, "Choisissez d'abord une session dans la liste.")
        return view

    def import_file(self, path: Path, session_key: str | None, kind: str | None = None) -> None:
        """Read the file off the main thread, show the preview, write only once the clerk confirms."""
        view = self.sessions.get(session_key) if session_key else None
        if view is None:
            msgbox.information(self, "Importer", "Choisissez d'abord la session à laquelle ce fichier est destiné.")
            return
        db = self.db

        def read() -> Iterator[Progress]:
            found = kind
            if found is None:
                yield Progress(0, 0, f"Lecture de « {path.name} »…")
                found = dropped.file_kind(path) or "planning"
            if found == "inscriptions":
                result = yield from enrolments.read_and_preview_steps(db, path, view.year)
            else:
                result = yield from planning.read_and_preview_steps(db, path, view.key)
            return found, result

        self._run(f"Lecture de « {path.name} »", read, lambda done: self._preview(view, *done))

    def _preview(self, view: SessionView, kind: str, result: Any) -> None:
        if kind == "inscriptions":
            file, enrolment_preview = result
            if not self.confirm(EnrolmentPreviewDialog(file, enrolment_preview, self)):
                return
            work: Callable[[], Iterator[Any]] = lambda: enrolments.apply_enrolments_steps(
                self.db, file, skip_errors=True, expected=enrolment_preview
            )
            self._run("Import des inscriptions", work, self._imported)
            return
        schedule, preview = result
        if not self.confirm(SchedulePreviewDialog(schedule, preview, view, self)):
            return
        self._run(
            "Import du planning",
            lambda: planning.apply_schedule_steps(self.db, schedule, skip_errors=True, expected=preview),
            self._imported,
        )

    def confirm(self, dialog: QDialog) -> bool:
        """The clerk's answer to a preview; nothing has been written before it."""
        try:
            return dialog.exec() == QDialog.DialogCode.Accepted
        finally:
            dialog.deleteLater()

    def _imported(self, summary: Any) -> None:
        key = getattr(summary, "session_key", None)
        self.reload(select=key)
        if key:
            self.schedule_changed.emit(key)
        msgbox.information(self, "Import terminé", summary.describe())

    def _run(self, title: str, work: Callable[[], Iterator[Any]], on_done: Callable[[Any], None]) -> None:
        job: Any = None

        def done(result: Any) -> None:
            self._forget(job)
            on_done(result)

        def failed(error: BaseException) -> None:
            self._forget(job)
            self._failed(title, error)

        job = tasks.run_with_progress(self, title, work, done, failed)
        self.jobs.append(job)

    def _forget(self, job: Any) -> None:
        if job in self.jobs:
            self.jobs.remove(job)

    def _failed(self, title: str, error: BaseException) -> None:
        if isinstance(error, tasks.Cancelled):
            msgbox.information(self, title, "Opération annulée : rien n'a été enregistré.")
        elif isinstance(error, RefusedInput):
            msgbox.warning(self, title, str(error))
        else:
            logging.getLogger("cnam_desk").error("échec : %s", title, exc_info=error)
            msgbox.error(
                self, title, "Une erreur inattendue s'est produite ; rien n'a été enregistré.",
                "".join(f"{type(error).__name__}: {error}"),
            )  # fmt: skip

    # --- exports ------------------------------------------------------------------------

    def export_schedule(self) -> None:
        view = self._session_or_tell("Exporter le planning")
        if view is None:
            return
        suggested = f"planning-{view.key.replace('/', '-')}.ics"
        path = msgbox.save_file(self, "Exporter le planning", suggested, EXPORT_FILTER)
        if path is None:
            return
        try:
            selection = planning_export.export_planning(self.db, view.key, path)
        except RefusedInput as error:
            msgbox.warning(self, "Exporter le planning", str(error))
            return
        msgbox.information(
            self, "Exporter le planning", f"{importing.count(len(selection.exams), 'épreuve écrite', 'épreuves écrites')} dans « {path} »."
        )

    def write_attendance_sheets(self) -> None:
        view = self._session_or_tell("Feuilles d'émargement")
        if view is None:
            return
        folder = msgbox.directory(self, "Dossier des feuilles d'émargement")
        if folder is None:
            return
        key = view.key

        def work() -> Iterator[Any]:
            return planning_export.attendance_sheets_steps(self.db, key, folder)

        def done(written: list[Path]) -> None:
            msgbox.information(
                self, "Feuilles d'émargement",
                f"{importing.count(len(written), 'feuille écrite', 'feuilles écrites')} dans « {folder} ».",
            )  # fmt: skip

        self._run("Feuilles d'émargement", work, done)
