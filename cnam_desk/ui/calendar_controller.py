"""What happens on each action of the Calendrier tab: sessions edited, files imported, schedules exported."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex
from PySide6.QtGui import QAction, QDropEvent, QKeySequence
from PySide6.QtWidgets import QDialog

from cnam_desk import importing
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
from cnam_desk.ui.calendar_sessions import SESSION_KEY_ROLE, SessionDialog
from cnam_desk.ui.calendar_view import CalendarView
from cnam_desk.ui.drops import SPREADSHEETS, FileDropFilter
from cnam_desk.ui.import_dialogs import EnrolmentPreviewDialog, SchedulePreviewDialog

SPREADSHEET_FILTER = "Tableurs (*.xlsx *.xlsm *.xls *.xlsb *.ods)"
EXPORT_FILTER = "Calendrier (*.ics);;Classeur Excel (*.xlsx)"


class CalendarController(CalendarView):
    """The tab's behaviour over its view: each slot calls the schedule services, then shows the result."""

    def _wire(self, db: Database) -> None:
        """Wire the view's widgets to the slots below."""
        self.db = db
        self.sessions: dict[str, SessionView] = {}
        self.jobs: list[Any] = []  # running imports, kept alive until they report back
        self.conflicts: conflicts.Conflicts | None = None
        self.tree.selectionModel().currentChanged.connect(self._current_changed)
        self.tree.doubleClicked.connect(lambda _index: self.edit_session())
        self.new_button.clicked.connect(self.new_session)
        self.edit_button.clicked.connect(self.edit_session)

        # A spreadsheet dropped anywhere on the tab goes to the selected session;
        # dropped on a session of the tree, to that session.
        self.setAcceptDrops(True)
        self.tab_drops = FileDropFilter(SPREADSHEETS, self._dropped_on_tab, self)
        self.installEventFilter(self.tab_drops)
        self.tree.viewport().setAcceptDrops(True)
        self.tree_drops = FileDropFilter(SPREADSHEETS, self._dropped_on_tree, self)
        self.tree.viewport().installEventFilter(self.tree_drops)

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
            # The clerk confirmed the removals (and what rests on them) in the preview.
            lambda: planning.apply_schedule_steps(
                self.db, schedule, skip_errors=True, expected=preview, allow_removals=True
            ),
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

        job = tasks.run_with_progress(self, title, work, on_done, on_end=lambda: self._forget(job))
        self.jobs.append(job)

    def _forget(self, job: Any) -> None:
        if job in self.jobs:
            self.jobs.remove(job)

    # --- exports ------------------------------------------------------------------------

    def export_schedule(self) -> None:
        view = self._session_or_tell("Exporter le planning")
        if view is None:
            return
        suggested = f"planning-{msgbox.session_name(view.key)}.ics"
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
