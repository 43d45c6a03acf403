"""What happens on each action of the Demandes tab: the queue read, a request shown, a decision saved."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QUrl
from PySide6.QtWidgets import QDialog

from cnam_desk import frenchdates
from cnam_desk.db.engine import Database
from cnam_desk.db.models import RequestKind, RequestStatus
from cnam_desk.errors import RefusedInput
from cnam_desk.requests import detail, manual, queue, review
from cnam_desk.requests.labels import STATUS_LABELS
from cnam_desk.schedule import exam_calendar
from cnam_desk.ui import msgbox, request_dialogs
from cnam_desk.ui.drops import SPREADSHEETS, FileDropFilter
from cnam_desk.ui.request_detail import details_html
from cnam_desk.ui.request_models import COLUMNS, ROW_ROLE
from cnam_desk.ui.requests_decisions import DecisionActions
from cnam_desk.ui.requests_view import RequestsView

PROOF_SUFFIXES = tuple(manual.PROOF_TYPES)


class RequestsController(DecisionActions, RequestsView):
    """The tab's behaviour over its view: each slot calls the request services, then shows the result."""

    db: Database
    details: detail.RequestDetails | None
    sessions: dict[str, exam_calendar.SessionView]
    query: queue.QueueQuery | None
    counts_by_status: dict[RequestStatus, int]
    open_external: Callable[[str], None]

    def _wire(self, db: Database, open_external: Callable[[str], None]) -> None:
        """Wire the view's widgets to the slots below; proofs are handed to open_external."""
        self.db = db
        self.open_external = open_external
        self.details = None
        self.sessions = {}
        self.query = None
        self.counts_by_status = {}
        self._connect()

    def _begin(self, select: str | None = None) -> None:
        """The refusal reasons, then the session asked for, else the one that matters now."""
        self.decision.set_reasons(review.refusal_reasons(self.db))
        self.reload_sessions(select)

    def _connect(self) -> None:
        for combo in (self.status_filter, self.kind_filter, self.check_filter):
            combo.currentIndexChanged.connect(lambda _i: self.apply_filters())
        self.late_filter.toggled.connect(lambda _c: self.apply_filters())
        # Typing in the search field asks the database after a short pause, not at each key.
        self.search_timer.timeout.connect(self.apply_filters)
        self.search.textChanged.connect(lambda _t: self.search_timer.start())
        self.search.returnPressed.connect(self.apply_filters)
        self.session.currentIndexChanged.connect(
            lambda _i: self.load_session(self.session.currentData())
        )
        self.table.horizontalHeader().sortIndicatorChanged.connect(self.sort_queue)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.import_button.clicked.connect(self.choose_import)
        self.new_button.clicked.connect(self.new_request)
        self.pane.anchorClicked.connect(self._open_link)
        self.decision.save_requested.connect(self.save_decision)
        self.decision.closed.connect(lambda: self.table.setFocus(Qt.FocusReason.OtherFocusReason))
        self.proof_button.clicked.connect(self.choose_proof)
        self.letter_button.clicked.connect(self.open_letter)

        # Spreadsheets dropped anywhere on the tab are imported; a PDF or an image dropped on a
        # line of the queue, or on the review pane, is kept as that request's proof.
        self._drops = [
            FileDropFilter(SPREADSHEETS, self._dropped, self),
            FileDropFilter(SPREADSHEETS + PROOF_SUFFIXES, self._dropped_on_queue, self),
            FileDropFilter(SPREADSHEETS + PROOF_SUFFIXES, self._dropped, self),
        ]
        self.setAcceptDrops(True)
        self.installEventFilter(self._drops[0])
        self.table.viewport().setAcceptDrops(True)
        self.table.viewport().installEventFilter(self._drops[1])
        self.pane.viewport().setAcceptDrops(True)
        self.pane.viewport().installEventFilter(self._drops[2])

    # --- sessions and queue --------------------------------------------------------------------

    def reload_sessions(self, select: str | None = None) -> None:
        views = exam_calendar.list_sessions(self.db)
        self.sessions = {view.key: view for view in views}
        current = select or self.session.currentData() or queue.session_with_pending(self.db)
        if current not in self.sessions:
            current = next(
                (v.key for v in views if v.state is not exam_calendar.SessionState.CLOSED), None
            )
            current = current or (views[-1].key if views else None)
        self.session.blockSignals(True)
        self.session.clear()
        for view in views:
            self.session.addItem(
                f"{view.year}, semestre {view.semester}, session {view.number}", view.key
            )
        if current:
            self.session.setCurrentIndex(max(self.session.findData(current), 0))
        self.session.blockSignals(False)
        self.load_session(self.session.currentData())

    def current_session_key(self) -> str | None:
        return self.session.currentData()

    def make_query(self) -> queue.QueueQuery | None:
        key = self.current_session_key()
        if not key:
            return None
        header = self.table.horizontalHeader()
        column = header.sortIndicatorSection()
        sort = COLUMNS[column].sort if 0 <= column < len(COLUMNS) else "received_at"
        # Combo boxes give enum members back as plain strings.
        status = self.status_filter.currentData()
        kind = self.kind_filter.currentData()
        return queue.QueueQuery(
            session_key=key,
            status=RequestStatus(status) if status else None,
            kind=RequestKind(kind) if kind else None,
            checks=self.check_filter.currentData(),
            late_only=self.late_filter.isChecked(),
            text=self.search.text().strip(),
            sort=sort,
            descending=header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder,
        )

    def _fetch(self, ids: list[int]) -> dict[int, queue.QueueRow]:
        return queue.rows_by_id(self.db, ids)

    def load_session(self, key: str | None, select_id: int | None = None) -> None:
        """Read the queue again: the numbers in order, the counts; the lines come as they are shown."""
        view = self.sessions.get(key) if key else None
        self.query = self.make_query()
        ids = queue.queue_ids(self.db, self.query) if self.query else []
        self.counts_by_status = queue.status_counts(self.db, key) if key else {}
        self.model.load(ids, self._fetch, view.processing_due if view else None)
        self._show_due(view)
        self.update_counts()
        if select_id is not None and self.select_request(select_id):
            return
        if not self.open_next_pending(from_top=True) and self.proxy.rowCount():
            self.table.selectRow(0)
        if not self.proxy.rowCount():
            self.show_request(None)

    def reload(self) -> None:
        """Read the session again (after an import, or another clerk's changes)."""
        current = self.current_request_id()
        self.decision.set_reasons(review.refusal_reasons(self.db))
        self.load_session(self.current_session_key(), select_id=current)

    def sort_queue(self, column: int, order: Qt.SortOrder) -> None:
        """A click on a column header: the database gives the new order, the current request stays."""
        self.query = self.make_query()
        if self.query is None:
            return
        self.model.reorder(queue.queue_ids(self.db, self.query))
        current = self.current_request_id()
        if current is not None:
            self.select_request(current)

    def _show_due(self, view: exam_calendar.SessionView | None) -> None:
        if view is None or view.processing_due is None:
            self.due.setText("Date limite des demandes : en cours de planification" if view else "")
            return
        due = view.processing_due
        text = f"À traiter avant le {frenchdates.long_datetime(due)}"
        overdue = self.counts_by_status.get(RequestStatus.PENDING, 0) if self.model.now > due else 0
        if overdue:
            text = (
                f"<span style='color:#b91c1c'><b>{text} : dépassé, {overdue} demande"
                f"{'s' if overdue > 1 else ''} en retard de traitement</b></span>"
            )
        self.due.setText(text)

    def update_counts(self) -> None:
        parts = [
            f"{STATUS_LABELS[status]} : {self.counts_by_status.get(status, 0)}"
            for status in RequestStatus
        ]
        total = sum(self.counts_by_status.values())
        shown = self.proxy.rowCount()
        suffix = f" — {total} demande{'s' if total > 1 else ''}"
        if shown != total:
            suffix += f", {shown} affichée{'s' if shown > 1 else ''}"
        self.counts.setText(" · ".join(parts) + suffix)

    def apply_filters(self) -> None:
        current = self.current_request_id()
        self.load_session(self.current_session_key(), select_id=current)

    # --- moving in the queue -------------------------------------------------------------------

    def current_request_id(self) -> int | None:
        return self.details.row.id if self.details else None

    def select_request(self, request_id: int) -> bool:
        source_row = self.model.row_of(request_id)
        if source_row is None:
            return False
        index = self.proxy.mapFromSource(self.model.index(source_row, 0))
        if not index.isValid():
            return False
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index)
        if self.current_request_id() != request_id:
            self._show(request_id)
        return True

    def move(self, step: int) -> None:
        count = self.proxy.rowCount()
        if not count:
            return
        current = self.table.currentIndex()
        row = current.row() + step if current.isValid() else 0
        row = min(max(row, 0), count - 1)
        self.table.selectRow(row)
        self.table.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def open_next_pending(self, from_top: bool = False, after_row: int | None = None) -> bool:
        """Open the next request still waiting for a decision, below the current one first."""
        count = self.proxy.rowCount()
        if not count:
            return False
        if from_top:
            start = -1
        elif after_row is not None:
            start = after_row
        else:
            current = self.table.currentIndex()
            start = current.row() if current.isValid() else -1
        for offset in range(1, count + 1):
            row = (start + offset) % count
            queued = self.proxy.index(row, 0).data(ROW_ROLE)
            if queued is not None and queued.status is RequestStatus.PENDING:
                self.table.selectRow(row)
                return True
        return False

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        queued = current.data(ROW_ROLE) if current.isValid() else None
        if queued is None:
            self.show_request(None)
        elif self.current_request_id() != queued.id or (
            self.details and self.details.row.version != queued.version
        ):
            self._show(queued.id)

    def _show(self, request_id: int) -> None:
        try:
            details = detail.request_details(self.db, request_id)
        except RefusedInput as error:
            msgbox.warning(self, "Demande", str(error))
            return
        self.show_request(details)

    def show_request(self, details: detail.RequestDetails | None) -> None:
        self.details = details
        if details is None:
            self.pane.setHtml("<p style='color:#6b7280'>Aucune demande à afficher.</p>")
        else:
            self.pane.setHtml(details_html(details))
        self.decision.show_request(details)
        can_attach = details is not None and details.row.kind is not RequestKind.DISABILITY
        self.proof_button.setEnabled(can_attach)
        self.letter_button.setEnabled(
            details is not None and details.row.status is not RequestStatus.PENDING
        )
        if details is not None:
            self.request_shown.emit(details.row.id)

    def _refresh_row(self, request_id: int) -> None:
        try:
            row = queue.get_row(self.db, request_id)
        except RefusedInput:
            self.reload()
            return
        self.model.update_row(row)
        self.counts_by_status = queue.status_counts(self.db, self.current_session_key() or "")
        self.update_counts()
        self._show(request_id)

    # --- files ----------------------------------------------------------------------------------

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def choose_import(self) -> None:
        path = msgbox.open_file(
            self, "Importer des demandes (export Microsoft Forms)", "Classeurs (*.xlsx *.xlsm *.xls *.xlsb *.ods)"
        )
        if path is not None:
            self.import_file(path)

    def import_file(self, path: Path) -> None:
        report = request_dialogs.open_import(self, self.db, path)
        if report is None:
            return
        msgbox.information(self, "Import des demandes", f"« {path.name} » : {report.summary()}")
        select = report.request_ids[0] if report.request_ids else None
        if select is not None:
            key = detail.request_details(self.db, select).session_key
            if key != self.current_session_key():
                self.session.blockSignals(True)
                self.session.setCurrentIndex(max(self.session.findData(key), 0))
                self.session.blockSignals(False)
        self.load_session(self.current_session_key(), select_id=select)

    def new_request(self) -> None:
        dialog = request_dialogs.NewRequestDialog(self.db, self.current_session_key(), self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.request_id is not None:
            key = dialog.session.currentData()
            if key != self.current_session_key():
                self.session.blockSignals(True)
                self.session.setCurrentIndex(max(self.session.findData(key), 0))
                self.session.blockSignals(False)
            self.load_session(self.current_session_key(), select_id=dialog.request_id)

    def choose_proof(self) -> None:
        if self.details is None:
            return
        path = msgbox.open_file(
            self, "Joindre un justificatif", "PDF ou image (*.pdf *.png *.jpg *.jpeg *.gif *.webp *.tif *.tiff)"
        )
        if path is not None:
            self.attach_proof(self.details.row.id, path)

    def attach_proof(self, request_id: int, path: Path) -> bool:
        expected = (
            self.details.row.version if self.details and self.details.row.id == request_id else None
        )
        try:
            manual.attach_proof(self.db, request_id, path, expect_version=expected)
        except RefusedInput as error:
            msgbox.warning(self, "Justificatif", str(error))
            self._refresh_row(request_id)
            return False
        self.model.update_row(queue.get_row(self.db, request_id))
        self.select_request(request_id)
        self._show(request_id)
        return True

    def _dropped(self, paths: list[Path], _event: Any) -> None:
        for path in paths:
            if path.suffix.lower() in SPREADSHEETS:
                self.import_file(path)
            elif self.details is not None:
                self.attach_proof(self.details.row.id, path)

    def _dropped_on_queue(self, paths: list[Path], event: Any) -> None:
        index = self.table.indexAt(event.position().toPoint())
        queued = index.data(ROW_ROLE) if index.isValid() else None
        for path in paths:
            if path.suffix.lower() in SPREADSHEETS:
                self.import_file(path)
            elif queued is not None:
                self.attach_proof(queued.id, path)
            elif self.details is not None:
                self.attach_proof(self.details.row.id, path)

    def _open_link(self, url: QUrl) -> None:
        text = url.toString()
        if not text.startswith("proof:"):
            return
        name, _media, content, link = manual.proof_content(self.db, int(text.split(":", 1)[1]))
        if content is None:
            if link:
                self.open_external(link)
            return
        folder = Path(tempfile.mkdtemp(prefix="cnam-desk-justificatif-"))
        target = folder / Path(name).name
        target.write_bytes(content)
        self.open_external(str(target))

    # --- other windows --------------------------------------------------------------------------

    def open_letter(self) -> None:
        """The decision letter of the request shown (the letters' own preview dialog)."""
        if self.details is None or self.details.row.status is RequestStatus.PENDING:
            msgbox.information(
                self, "Courrier", "Décidez d'abord la demande : le courrier dit la décision."
            )
            return
        try:
            # Deferred on purpose: the letters bring in Qt's PDF and printing modules.
            from cnam_desk.ui.letter_preview import LetterPreviewDialog
        except ModuleNotFoundError as missing:
            if missing.name != "cnam_desk.ui.letter_preview":
                raise
            msgbox.information(
                self,
                "Courrier",
                "La préparation des courriers n'est pas encore disponible dans cette version.",
            )
            return
        request_id = self.details.row.id
        dialog = LetterPreviewDialog(self.db, [request_id], self)
        dialog.exec()
        self._refresh_row(request_id)

    def edit_reasons(self) -> None:
        dialog = request_dialogs.RefusalReasonsDialog(self.db, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.decision.set_reasons(review.refusal_reasons(self.db))
            self.decision.show_request(self.details)
