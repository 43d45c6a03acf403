"""The Résultats tab: grade entry at the keyboard, statistics, publication, session 2 and attestations."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QRect,
    QSize,
    Qt,
    QThreadPool,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QColor,
    QFont,
    QGuiApplication,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPaintEvent,
    QUndoCommand,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from cnam_desk.db.engine import Database
from cnam_desk.errors import RefusedInput
from cnam_desk.grading import entry, rules, session2
from cnam_desk.grading.entry import ExamRef, GradeConflict, GradeEdit, GradeRow, GradeSheet
from cnam_desk.grading.rules import GradeValue
from cnam_desk.progress import Progress
from cnam_desk.schedule import exam_calendar
from cnam_desk.ui import msgbox, tasks
from cnam_desk.ui.drops import SPREADSHEETS, FileDropFilter
from cnam_desk.ui.results_models import (
    ROW_ROLE,
    GradeProxy,
    GradeTableModel,
    HistoryModel,
    RosterModel,
    SortProxy,
)

ERROR_STYLE = "color: #b91c1c;"
OK_STYLE = "color: #15803d;"


# --- the histogram --------------------------------------------------------------------------


class HistogramWidget(QWidget):
    """Grades per point (0 to 20), drawn with QPainter; the pass mark is a line at 10."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.bins: list[int] = [0] * entry.HISTOGRAM_BINS
        self.setMinimumHeight(120)
        self.setToolTip("Répartition des notes, point par point ; le trait marque 10/20.")

    def set_bins(self, bins: list[int]) -> None:
        self.bins = list(bins)
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(280, 140)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        area = self.rect().adjusted(6, 6, -6, -18)
        count = len(self.bins)
        top = max(self.bins) if any(self.bins) else 1
        width = area.width() / count
        for index, value in enumerate(self.bins):
            if not value:
                continue
            height = round(area.height() * value / top)
            bar = QRect(round(area.left() + index * width) + 1, area.bottom() - height + 1, max(round(width) - 2, 1), height)
            painter.fillRect(bar, QColor("#16a34a") if index >= 10 else QColor("#dc2626"))
        painter.setPen(QColor("#6b7280"))
        painter.drawLine(area.left(), area.bottom() + 1, area.right(), area.bottom() + 1)
        small = QFont(self.font())
        small.setPointSizeF(max(small.pointSizeF() * 0.8, 6))
        painter.setFont(small)
        for mark in (0, 5, 10, 15, 20):
            x = round(area.left() + mark * width)
            painter.drawText(QRect(x - 12, area.bottom() + 3, 24, 14), int(Qt.AlignmentFlag.AlignCenter), str(mark))
        pass_x = round(area.left() + 10 * width)
        painter.setPen(QColor("#111827"))
        painter.drawLine(pass_x, area.top(), pass_x, area.bottom())
        painter.end()


# --- typing grades ----------------------------------------------------------------------------


class GradeDelegate(QStyledItemDelegate):
    """The grade editor: Enter checks the value on the spot; a valid one is saved and the next student comes up."""

    advance = Signal()
    refused = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.last_saved = False

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: QModelIndex) -> QWidget:
        editor = QLineEdit(parent)
        editor.setObjectName("gradeEditor")
        editor.setAlignment(Qt.AlignmentFlag.AlignRight)
        editor.setPlaceholderText("12,5 · ABI · ABJ")
        return editor

    def setEditorData(self, editor: QWidget, index: QModelIndex) -> None:
        # Typing over a cell starts from what was typed, never from the old grade.
        if isinstance(editor, QLineEdit) and not editor.text():
            editor.setText(index.data(Qt.ItemDataRole.EditRole) or "")
            editor.selectAll()

    def setModelData(self, editor: QWidget, model: Any, index: QModelIndex) -> None:
        assert isinstance(editor, QLineEdit)
        self.last_saved = bool(model.setData(index, editor.text(), Qt.ItemDataRole.EditRole))

    def eventFilter(self, editor: QObject, event: QEvent) -> bool:
        if isinstance(editor, QLineEdit) and event.type() == QEvent.Type.KeyPress:
            key = event.key()  # type: ignore[attr-defined]
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab, Qt.Key.Key_Down):
                try:
                    rules.read_grade(editor.text())
                except rules.ParseError as error:
                    self._refuse(editor, f"Note refusée : {error.message}.")
                    return True
                self.commitData.emit(editor)
                if self.last_saved:
                    self.closeEditor.emit(editor, QStyledItemDelegate.EndEditHint.NoHint)
                    self.advance.emit()
                else:
                    editor.selectAll()
                return True
        return super().eventFilter(editor, event)

    def _refuse(self, editor: QLineEdit, message: str) -> None:
        editor.setStyleSheet("border: 2px solid #b91c1c;")
        editor.setToolTip(message)
        editor.selectAll()
        self.refused.emit(message)


class GradeView(QTableView):
    """The grid: type over a grade, Enter to the next student, Suppr to clear, Ctrl+V to paste a column."""

    paste_requested = Signal()
    clear_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("gradeGrid")
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAlternatingRowColors(True)
        self.setSortingEnabled(True)
        self.verticalHeader().setDefaultSectionSize(22)
        self.horizontalHeader().setStretchLastSection(False)
        self.delegate = GradeDelegate(self)
        self.setItemDelegateForColumn(GradeTableModel.GRADE, self.delegate)
        self.delegate.advance.connect(self.next_student)

    def next_student(self) -> None:
        current = self.currentIndex()
        row = current.row() + 1 if current.isValid() else 0
        if row < self.model().rowCount():
            target = self.model().index(row, GradeTableModel.GRADE)
            self.setCurrentIndex(target)
            self.scrollTo(target)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.state() != QAbstractItemView.State.EditingState:
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.next_student()
                return
            if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.currentIndex().column() == GradeTableModel.GRADE:
                self.clear_requested.emit()
                return
            if event.matches(QKeySequence.StandardKey.Paste):
                self.paste_requested.emit()
                return
        super().keyPressEvent(event)


# --- undo ------------------------------------------------------------------------------------


class GradeCommand(QUndoCommand):
    """Grades saved together (one entry or one paste); undo saves the old values back."""

    def __init__(self, tab: ResultsTab, ref: ExamRef, changes: list[tuple[int, GradeValue, GradeValue]], text: str, reason: str):
        super().__init__(text)
        self.tab = tab
        self.ref = ref
        self.changes = changes
        self.reason = reason
        self._saved = True  # pushed once saved: the first redo has nothing to do

    def redo(self) -> None:
        if self._saved:
            self._saved = False
            return
        reason = self.reason or "rétablissement de la saisie"
        if not self.tab.apply_values(self.ref, [(sid, new) for sid, _old, new in self.changes], reason):
            self.setObsolete(True)

    def undo(self) -> None:
        reason = "annulation de la saisie" + (f" ({self.reason})" if self.reason else "")
        if not self.tab.apply_values(self.ref, [(sid, old) for sid, old, _new in self.changes], reason):
            self.setObsolete(True)


# --- the tab -----------------------------------------------------------------------------------


class ResultsTab(QWidget):
    sheet_loaded = Signal()

    def __init__(self, db: Database, parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.sheet: GradeSheet | None = None
        self.pool: QThreadPool | None = None  # tests run jobs on their own pool
        self.undo_stack = QUndoStack(self)
        self._loading = False

        # choosers
        self.session_combo = QComboBox(self)
        self.session_combo.setObjectName("sessionChooser")
        self.unit_combo = QComboBox(self)
        self.unit_combo.setObjectName("examChooser")
        self.unit_combo.setMinimumContentsLength(56)
        self.unit_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Rechercher un auditeur (nom ou numéro)")
        self.search.setClearButtonEnabled(True)
        self.publish_button = QPushButton("Publier les notes…", self)
        self.publish_button.setObjectName("publishButton")
        self.import_button = QPushButton("Importer…", self)
        top = QHBoxLayout()
        top.addWidget(QLabel("Session", self))
        top.addWidget(self.session_combo)
        top.addWidget(QLabel("Épreuve (UE)", self))
        top.addWidget(self.unit_combo, 1)
        top.addWidget(self.import_button)
        top.addWidget(self.publish_button)

        # the grid
        self.model = GradeTableModel(self)
        self.model.on_edit = self._edit_from_grid
        self.proxy = GradeProxy(self)
        self.proxy.setSourceModel(self.model)
        self.grid = GradeView(self)
        self.grid.setModel(self.proxy)
        self.grid.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        header = self.grid.horizontalHeader()
        for column, width in ((0, 110), (1, 190), (2, 150), (3, 80), (4, 80), (5, 80)):
            header.resizeSection(column, width)
        header.setSectionResizeMode(GradeTableModel.LAST_NAME, QHeaderView.ResizeMode.Stretch)
        self.message = QLabel(self)
        self.message.setObjectName("resultsMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.publication = QLabel(self)
        self.publication.setObjectName("publicationState")
        self.publication.setWordWrap(True)
        grid_box = QWidget(self)
        grid_layout = QVBoxLayout(grid_box)
        grid_layout.setContentsMargins(0, 0, 0, 0)
        state_line = QHBoxLayout()
        state_line.addWidget(self.publication, 1)
        state_line.addWidget(self.search)
        self.search.setMinimumWidth(260)
        grid_layout.addLayout(state_line)
        grid_layout.addWidget(self.grid, 1)
        grid_layout.addWidget(self.message)

        # beside the grid: reason, statistics, history, attestations
        self.reason = QLineEdit(self)
        self.reason.setObjectName("changeReason")
        self.reason.setPlaceholderText("Motif de la modification (obligatoire : notes publiées)")
        self.stat_labels: dict[str, QLabel] = {}
        stats_box = QGroupBox("Statistiques", self)
        stats_layout = QGridLayout(stats_box)
        names = [("enrolled", "Inscrits"), ("entered", "Saisies"), ("missing", "Manquantes"), ("absent", "Absents"),
                 ("mean", "Moyenne"), ("median", "Médiane"), ("pass_rate", "Réussite (présents)"),
                 ("admitted", "Admis")]
        for index, (key, label) in enumerate(names):
            value = QLabel("—", stats_box)
            value.setObjectName(f"stat_{key}")
            value.setAlignment(Qt.AlignmentFlag.AlignRight)
            self.stat_labels[key] = value
            stats_layout.addWidget(QLabel(label, stats_box), index // 2, (index % 2) * 2)
            stats_layout.addWidget(value, index // 2, (index % 2) * 2 + 1)
        self.histogram = HistogramWidget(stats_box)
        stats_layout.addWidget(self.histogram, 4, 0, 1, 4)

        self.history_model = HistoryModel(self)
        self.history_view = QTableView(self)
        self.history_view.setObjectName("gradeHistory")
        self.history_view.setModel(self.history_model)
        self.history_view.verticalHeader().hide()
        self.history_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.history_view.horizontalHeader().setStretchLastSection(True)
        for column, width in ((0, 120), (1, 116), (2, 50), (3, 50)):
            self.history_view.horizontalHeader().resizeSection(column, width)
        self.history_view.verticalHeader().setDefaultSectionSize(22)
        self.history_view.setWordWrap(False)
        self.history_box = QGroupBox("Historique de la note", self)
        history_layout = QVBoxLayout(self.history_box)
        history_layout.addWidget(self.history_view)

        self.success_button = QPushButton("Attestation de réussite…", self)
        self.m1_button = QPushButton("Attestation de M1…", self)
        students_box = QGroupBox("Auditeur sélectionné", self)
        students_layout = QVBoxLayout(students_box)
        self.student_label = QLabel("—", students_box)
        self.student_label.setWordWrap(True)
        students_layout.addWidget(self.student_label)
        buttons = QHBoxLayout()
        buttons.addWidget(self.success_button)
        buttons.addWidget(self.m1_button)
        students_layout.addLayout(buttons)

        side = QWidget(self)
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(self.reason)
        side_layout.addWidget(stats_box)
        side_layout.addWidget(self.history_box, 1)
        side_layout.addWidget(students_box)

        entry_page = QSplitter(Qt.Orientation.Horizontal, self)
        entry_page.addWidget(grid_box)
        entry_page.addWidget(side)
        entry_page.setStretchFactor(0, 3)
        entry_page.setStretchFactor(1, 2)
        entry_page.setSizes([760, 480])

        # session 2
        self.roster_page = Session2Page(self)
        self.pages = QTabWidget(self)
        self.pages.setObjectName("resultsPages")
        self.pages.addTab(entry_page, "Saisie des notes")
        self.pages.addTab(self.roster_page, "Session 2")

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.pages, 1)

        self.drops = FileDropFilter(SPREADSHEETS, lambda paths, _event: self.import_file(paths[0]), self)
        self.grid.viewport().installEventFilter(self.drops)
        self.grid.viewport().setAcceptDrops(True)

        self.session_combo.currentIndexChanged.connect(self._session_changed)
        self.unit_combo.currentIndexChanged.connect(lambda _i: self.load())
        self.search.textChanged.connect(self.proxy.set_search)
        self.publish_button.clicked.connect(self.publish)
        self.import_button.clicked.connect(lambda: self.import_file())
        self.grid.paste_requested.connect(self.paste)
        self.grid.clear_requested.connect(self.clear_current)
        self.grid.delegate.refused.connect(self.show_error)
        self.model.refused.connect(self.show_error)
        self.grid.selectionModel().currentRowChanged.connect(lambda _c, _p: self._current_changed())
        # The roster follows the grades: read again each time its page is shown.
        self.pages.currentChanged.connect(lambda index: self.roster_page.load() if index == 1 else None)
        self.success_button.clicked.connect(self.success_attestation)
        self.m1_button.clicked.connect(self.m1_attestation)
        self._build_actions()
        self.reload_sessions()

    # --- actions and menus ----------------------------------------------------------------

    def _build_actions(self) -> None:
        def action(text: str, slot: Callable[[], Any], shortcut: QKeySequence | str | None = None) -> QAction:
            item = QAction(text, self)
            if shortcut is not None:
                item.setShortcut(QKeySequence(shortcut))
                # Only while the Résultats tab has the focus: other tabs keep their own shortcuts.
                item.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                self.addAction(item)
            item.triggered.connect(lambda _checked=False: slot())
            return item

        self.undo_action = action("Annuler la saisie", self.undo, QKeySequence.StandardKey.Undo)
        self.redo_action = action("Rétablir la saisie", self.redo, QKeySequence.StandardKey.Redo)
        self.undo_action.setEnabled(False)
        self.redo_action.setEnabled(False)
        self.undo_stack.canUndoChanged.connect(self.undo_action.setEnabled)
        self.undo_stack.canRedoChanged.connect(self.redo_action.setEnabled)
        self.undo_stack.undoTextChanged.connect(
            lambda text: self.undo_action.setText(f"Annuler : {text}" if text else "Annuler la saisie"))
        self.undo_stack.redoTextChanged.connect(
            lambda text: self.redo_action.setText(f"Rétablir : {text}" if text else "Rétablir la saisie"))
        self.paste_action = action("Coller une colonne de notes", self.paste, QKeySequence.StandardKey.Paste)
        self.import_action = action("Importer des notes (.xlsx)…", self.import_file)
        self.export_action = action("Exporter les résultats publiés pour le portail…", self.export_results)
        self.roster_action = action("Liste de session 2 (.xlsx)…", self.roster_page.export_xlsx)
        self.sheets_action = action("Feuilles d'émargement de session 2 (PDF)…", self.roster_page.attendance_sheets)
        self.all_success_action = action("Attestations de réussite de l'année…", self.all_success_attestations)
        self.programmes_action = action("Programmes de M1…", self.edit_programmes)
        self.best_action = QAction("Résultat de l'UE : meilleure note des deux sessions", self)
        self.best_action.setCheckable(True)
        self.best_action.toggled.connect(self._best_toggled)

    def install_menus(self, window: Any) -> None:
        for item in (self.import_action, self.export_action, self.roster_action, self.sheets_action,
                     self.all_success_action):
            window.add_file_action(item)
        edit = window.menu("Édition")
        edit.addSeparator()
        for item in (self.undo_action, self.redo_action, self.paste_action):
            edit.addAction(item)
        edit.addSeparator()
        edit.addAction(self.programmes_action)
        edit.addAction(self.best_action)

    # --- choosing ---------------------------------------------------------------------------

    def reload_sessions(self) -> None:
        sessions = exam_calendar.list_sessions(self.db)
        chosen = self.session_key() or entry.default_session_key(self.db)
        self.session_combo.blockSignals(True)
        self.session_combo.clear()
        for view in sessions:
            self.session_combo.addItem(f"{view.year} – semestre {view.semester}, session {view.number}", view.key)
        index = self.session_combo.findData(chosen)
        self.session_combo.setCurrentIndex(max(index, 0))
        self.session_combo.blockSignals(False)
        self.best_action.blockSignals(True)
        self.best_action.setChecked(entry.best_of_two(self.db))
        self.best_action.blockSignals(False)
        self._session_changed()

    def session_key(self) -> str | None:
        return self.session_combo.currentData()

    def unit_code(self) -> str | None:
        return self.unit_combo.currentData()

    def _session_changed(self) -> None:
        key = self.session_key()
        choices = entry.unit_choices(self.db, key) if key else []
        previous = self.unit_code()
        self.unit_combo.blockSignals(True)
        self.unit_combo.clear()
        for choice in choices:
            self.unit_combo.addItem(f"{choice.label} ({choice.graded} note(s))", choice.code)
        index = self.unit_combo.findData(previous)
        if index < 0:
            graded = [i for i, c in enumerate(choices) if c.graded]
            index = graded[0] if graded else 0
        self.unit_combo.setCurrentIndex(index)
        self.unit_combo.blockSignals(False)
        if key:
            year, semester = key.split("/")[0], key.split("/")[1]
            self.roster_page.show_semester(f"{year}/{semester}")
        self.load()

    def select(self, session_key: str, ue_code: str) -> None:
        """Show an exam's grade sheet (as the clerk would pick it)."""
        self.session_combo.setCurrentIndex(self.session_combo.findData(session_key))
        self.unit_combo.setCurrentIndex(self.unit_combo.findData(ue_code))
        if self.sheet is None or self.sheet.ref.ue_code != ue_code or self.sheet.ref.session_key != session_key:
            self.load()

    # --- the sheet --------------------------------------------------------------------------

    def load(self) -> None:
        key, code = self.session_key(), self.unit_code()
        current = self.grid.currentIndex()
        if not key or not code:
            self.sheet = None
            self.model.set_rows([])
            self._show_state()
            return
        self.sheet = entry.sheet_by_keys(self.db, key, code)
        self.model.set_rows(self.sheet.rows)
        self.grid.setColumnHidden(GradeTableModel.SESSION1, self.sheet.ref.session_number != 2)
        rows = self.proxy.rowCount()
        # The history follows the current row: it is read once, when the row is set below.
        self._show_state(with_history=not rows)
        if rows:
            row = min(current.row(), rows - 1) if current.isValid() else 0
            self.grid.setCurrentIndex(self.proxy.index(row, GradeTableModel.GRADE))
        self.sheet_loaded.emit()

    def _show_state(self, *, with_history: bool = True) -> None:
        sheet = self.sheet
        published = bool(sheet and sheet.published)
        self.reason.setVisible(published)
        self.publish_button.setEnabled(bool(sheet) and not published)
        if sheet is None:
            self.publication.setText("Aucune épreuve dans cette session.")
        elif published:
            self.publication.setText(
                f"<b>Notes {sheet.publication.text}</b> : elles sont verrouillées, toute modification demande un motif."
            )
        else:
            self.publication.setText("Notes non publiées : chaque saisie est enregistrée aussitôt.")
        self.refresh_statistics()
        if with_history:
            self._current_changed()

    def _refresh_publication(self) -> None:
        """Another clerk may have published meanwhile: the lock shows at once (the grid stays as it is)."""
        if self.sheet is not None and not self.sheet.published:
            publication = entry.publication_of(self.db, self.sheet.ref)
            if publication is not None:
                self.sheet.publication = publication
                self._show_state()

    def refresh_statistics(self) -> None:
        stats = entry.grade_statistics(row.grade for row in self.model.rows)
        texts = {
            "enrolled": str(stats.enrolled),
            "entered": str(stats.entered),
            "missing": str(stats.missing),
            "absent": f"{stats.absent} (ABI {stats.absent_unjustified}, ABJ {stats.absent_justified})",
            "mean": rules.grade_text(stats.mean) or "—",
            "median": rules.grade_text(stats.median) or "—",
            "pass_rate": "—" if stats.pass_rate is None else f"{stats.pass_rate * 100:.0f} %".replace(".", ","),
            "admitted": str(stats.admitted),
        }
        for key, text in texts.items():
            self.stat_labels[key].setText(text)
        self.histogram.set_bins(stats.histogram)
        self.statistics = stats

    def current_row(self) -> GradeRow | None:
        index = self.grid.currentIndex()
        return index.data(ROW_ROLE) if index.isValid() else None

    def _current_changed(self) -> None:
        row = self.current_row()
        self.success_button.setEnabled(row is not None)
        self.m1_button.setEnabled(row is not None)
        if row is None or self.sheet is None:
            self.history_model.set_rows([])
            self.student_label.setText("—")
            return
        self.student_label.setText(f"{row.name} ({row.student_number})")
        self.history_model.set_rows(entry.grade_history(self.db, self.sheet.ref, row.student_id))

    # --- saving -----------------------------------------------------------------------------

    def show_error(self, text: str) -> None:
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setText(text)

    def show_info(self, text: str) -> None:
        self.message.setStyleSheet(OK_STYLE)
        self.message.setText(text)

    def _reason(self) -> str:
        return self.reason.text().strip() if self.sheet and self.sheet.published else ""

    def _edit_from_grid(self, row: GradeRow, grade: GradeValue) -> bool:
        return self.save_edits([(row.student_id, grade)], f"Note de {row.name} : {rules.grade_text(grade) or 'effacée'}")

    def save_edits(self, values: list[tuple[int, GradeValue]], text: str) -> bool:
        """Save grades of the shown exam (all or none) and put them on the undo stack."""
        if self.sheet is None:
            return False
        ref = self.sheet.ref
        before = {row.student_id: row for row in self.model.rows}
        reason = self._reason()
        edits = [GradeEdit(sid, grade, before[sid].version if sid in before else None) for sid, grade in values]
        try:
            rows = entry.save_grades(self.db, ref, edits, reason=reason)
        except GradeConflict as conflict:
            if conflict.current is not None:
                self.model.update_row(conflict.current)
            else:
                self.load()
            self.show_error(str(conflict))
            return False
        except RefusedInput as refused:
            self.show_error(str(refused))
            self._refresh_publication()
            return False
        for row in rows:
            self.model.update_row(row)
        changes = [(sid, before[sid].grade if sid in before else None, grade) for sid, grade in values]
        self.undo_stack.push(GradeCommand(self, ref, changes, text, reason))
        self.show_info(f"Enregistré : {text}.")
        self.refresh_statistics()
        self._current_changed()
        return True

    def apply_values(self, ref: ExamRef, values: list[tuple[int, GradeValue]], reason: str) -> bool:
        """Undo / redo: save these values back, checked against the versions the window shows."""
        showing = self.sheet is not None and self.sheet.ref == ref
        if showing:
            versions = {row.student_id: row.version for row in self.model.rows}
        else:
            versions = {row.student_id: row.version for row in entry.load_sheet(self.db, ref).rows}
        published = entry.load_sheet(self.db, ref).published if not showing else self.sheet.published  # type: ignore[union-attr]
        try:
            rows = entry.save_grades(
                self.db, ref, [GradeEdit(sid, grade, versions.get(sid)) for sid, grade in values],
                reason=reason if published else "",
            )
        except RefusedInput as refused:
            self.show_error(f"{refused} (annulation impossible)")
            if showing:
                self.load()
            return False
        if showing:
            for row in rows:
                self.model.update_row(row)
            self.refresh_statistics()
            self._current_changed()
        self.show_info("Note(s) rétablie(s).")
        return True

    def undo(self) -> None:
        """Ctrl+Z: in a text field, its own undo; elsewhere the last grade saved."""
        focus = QGuiApplication.focusObject()
        if isinstance(focus, QLineEdit):
            focus.undo()
        else:
            self.undo_stack.undo()

    def redo(self) -> None:
        focus = QGuiApplication.focusObject()
        if isinstance(focus, QLineEdit):
            focus.redo()
        else:
            self.undo_stack.redo()

    def clear_current(self) -> None:
        row = self.current_row()
        if row is not None and row.grade is not None:
            self.save_edits([(row.student_id, None)], f"Note de {row.name} effacée")

    def paste(self) -> None:
        """A column of grades copied from a spreadsheet, from the current student down: all saved, or none."""
        focus = QGuiApplication.focusObject()
        if isinstance(focus, QLineEdit):
            focus.paste()  # typing in a field: an ordinary paste
            return
        if self.sheet is None:
            return
        text = QGuiApplication.clipboard().text()
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        while lines and not lines[-1].strip():
            lines.pop()
        if not lines:
            self.show_error("Collage refusé : le presse-papiers ne contient pas de notes.")
            return
        start = self.grid.currentIndex().row() if self.grid.currentIndex().isValid() else 0
        if start + len(lines) > self.proxy.rowCount():
            self.show_error(
                f"Collage refusé, rien n'a été enregistré : {len(lines)} note(s) collée(s) mais "
                f"{self.proxy.rowCount() - start} auditeur(s) à partir de la ligne choisie."
            )
            return
        values = []
        for offset, line in enumerate(lines):
            cell = line.split("\t")[0]
            try:
                grade = rules.read_grade(cell)
            except rules.ParseError as error:
                self.show_error(f"Collage refusé, rien n'a été enregistré : ligne {offset + 1} du collage : {error.message}.")
                return
            row = self.proxy.index(start + offset, 0).data(ROW_ROLE)
            values.append((row.student_id, grade))
        if self.save_edits(values, f"Collage de {len(values)} note(s)"):
            last = self.proxy.index(start + len(values) - 1, GradeTableModel.GRADE)
            self.grid.setCurrentIndex(last)

    def _best_toggled(self, checked: bool) -> None:
        entry.set_best_of_two(self.db, checked)
        self.load()

    # --- publication -----------------------------------------------------------------------

    def publish(self) -> None:
        if self.sheet is None or self.sheet.published:
            return
        ref = self.sheet.ref
        stats = entry.grade_statistics(row.grade for row in self.model.rows)
        if not msgbox.question(
            self,
            "Publier les notes",
            f"Publier les notes de {ref.ue_code} – {ref.ue_title} (session {ref.session_key}) : "
            f"{stats.entered} note(s), dont {stats.absent} absence(s) ?\n\n"
            "Elles paraîtront sur le portail des auditeurs et seront verrouillées : "
            "toute modification demandera ensuite un motif.",
        ):
            return
        try:
            info = entry.publish(self.db, ref)
        except RefusedInput as refused:
            self.show_error(str(refused))
            return
        self.load()
        self.show_info(f"Notes de {ref.ue_code} {info.text}.")

    # --- files --------------------------------------------------------------------------------

    def ask_open_path(self, title: str, filters: str) -> str:
        return QFileDialog.getOpenFileName(self, title, "", filters)[0]

    def ask_save_path(self, title: str, suggested: str, filters: str) -> str:
        return QFileDialog.getSaveFileName(self, title, suggested, filters)[0]

    def ask_folder(self, title: str) -> str:
        return QFileDialog.getExistingDirectory(self, title)

    def run_job(self, title: str, work: Callable[[], Iterator[Any]], on_done: Callable[[Any], None]) -> None:
        def failed(error: BaseException) -> None:
            if isinstance(error, tasks.Cancelled):
                self.show_error("Opération annulée : rien n'a été enregistré.")
            elif isinstance(error, RefusedInput):
                self.show_error(str(error))
            else:
                raise error

        tasks.run_with_progress(self, title, work, on_done, failed, pool=self.pool)

    def import_file(self, path: str | Path | None = None) -> None:
        """Preview a grades file, then save it whole on confirmation."""
        from cnam_desk.grading import importing
        from cnam_desk.ui.results_dialogs import ImportPreviewDialog

        if self.sheet is None:
            return
        if path is None:
            path = self.ask_open_path("Importer des notes", "Tableurs (*.xlsx *.xlsm *.xls *.xlsb *.ods)")
            if not path:
                return
        ref = self.sheet.ref

        def previewed(preview: importing.GradeImportPreview) -> None:
            dialog = ImportPreviewDialog(preview, self)
            self.last_import_dialog = dialog
            if dialog.exec() != ImportPreviewDialog.DialogCode.Accepted:
                self.show_info("Import abandonné : rien n'a été enregistré.")
                return
            self.run_job("Enregistrement des notes", lambda: importing.apply_steps(self.db, preview), saved)

        def saved(count: int) -> None:
            self.undo_stack.clear()  # an import is not undone note by note
            self.load()
            self.show_info(f"Import de « {Path(path).name} » : {count} note(s) enregistrée(s).")

        self.run_job(
            "Lecture des notes",
            # A file with an UE column imports every UE it names; otherwise it is for the exam shown.
            lambda: importing.preview_steps(self.db, path, ref.session_key, ref.ue_code, exam_is_default=True),
            previewed,
        )

    def export_results(self) -> None:
        from cnam_desk.grading import export

        key = self.session_key()
        if not key:
            return
        path = self.ask_save_path(
            "Exporter les résultats publiés", f"resultats-{key.replace('/', '-')}.xlsx", "Classeur Excel (*.xlsx)"
        )
        if not path:
            return
        self.run_job(
            "Export des résultats", lambda: export.export_steps(self.db, key, path),
            lambda summary: self.show_info(f"{summary.rows} résultat(s) publiés écrits dans {summary.path}."),
        )

    # --- attestations --------------------------------------------------------------------------

    def _year(self) -> str | None:
        key = self.session_key()
        return key.split("/")[0] if key else None

    def success_attestation(self) -> None:
        from cnam_desk.grading import paper

        row, year = self.current_row(), self._year()
        if row is None or year is None:
            return
        path = self.ask_save_path(
            "Attestation de réussite", f"attestation-reussite-{year}-{row.student_number}.pdf", "PDF (*.pdf)"
        )
        if not path:
            return
        self.run_job(
            "Attestation de réussite",
            lambda: paper.success_steps(self.db, year, path, row.student_number),
            lambda paths: self.show_info(f"Attestation de réussite de {row.name} écrite : {paths[0]}."),
        )

    def all_success_attestations(self) -> None:
        from cnam_desk.grading import paper

        year = self._year()
        if year is None:
            return
        folder = self.ask_folder(f"Dossier des attestations de réussite {year}")
        if not folder:
            return
        self.run_job(
            "Attestations de réussite",
            lambda: paper.success_steps(self.db, year, folder),
            lambda paths: self.show_info(f"{len(paths)} attestation(s) de réussite écrite(s) dans {folder}."),
        )

    def m1_attestation(self) -> None:
        from cnam_desk.ui.results_dialogs import M1Dialog

        row, year = self.current_row(), self._year()
        if row is None or year is None:
            return
        dialog = M1Dialog(self.db, row.student_number, year, self)
        self.last_m1_dialog = dialog
        dialog.exec()
        if dialog.written:
            self.show_info(f"Attestation de M1 de {row.name} écrite : {dialog.written}.")

    def edit_programmes(self) -> None:
        from cnam_desk.ui.results_dialogs import ProgrammesDialog

        dialog = ProgrammesDialog(self.db, self)
        self.last_programmes_dialog = dialog
        dialog.exec()


class Session2Page(QWidget):
    """The session 2 roster of a semester: who, which UE, the session 1 outcome. No convocation."""

    def __init__(self, tab: ResultsTab):
        super().__init__(tab)
        self.tab = tab
        self.roster: session2.Roster | None = None
        self.semester_combo = QComboBox(self)
        self.semester_combo.setObjectName("semesterChooser")
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Filtrer (UE, numéro, nom)")
        self.search.setClearButtonEnabled(True)
        self.model = RosterModel(self)
        self.proxy = SortProxy(self)
        self.proxy.setSourceModel(self.model)
        self.view = QTableView(self)
        self.view.setObjectName("rosterView")
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.view.setAlternatingRowColors(True)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.view.horizontalHeader()
        for column, width in ((0, 80), (2, 110), (3, 180), (4, 150), (5, 90)):
            header.resizeSection(column, width)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.view.verticalHeader().setDefaultSectionSize(22)
        self.summary = QLabel(self)
        self.summary.setObjectName("rosterSummary")
        self.summary.setWordWrap(True)
        self.export_button = QPushButton("Exporter la liste (.xlsx)…", self)
        self.sheets_button = QPushButton("Feuilles d'émargement (PDF)…", self)
        form = QFormLayout()
        form.addRow("Semestre", self.semester_combo)
        top = QHBoxLayout()
        top.addLayout(form)
        top.addWidget(self.search, 1)
        top.addWidget(self.export_button)
        top.addWidget(self.sheets_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.view, 1)
        self.semester_combo.currentIndexChanged.connect(lambda _i: self.load())
        self.search.textChanged.connect(self.proxy.setFilterFixedString)
        self.export_button.clicked.connect(self.export_xlsx)
        self.sheets_button.clicked.connect(self.attendance_sheets)

    def show_semester(self, semester_key: str) -> None:
        if self.semester_combo.findData(semester_key) < 0:
            keys = sorted({"/".join(view.key.split("/")[:2]) for view in exam_calendar.list_sessions(self.tab.db)})
            self.semester_combo.blockSignals(True)
            self.semester_combo.clear()
            for key in keys:
                year, number = key.split("/")
                self.semester_combo.addItem(f"{year} – semestre {number[1:]}", key)
            self.semester_combo.blockSignals(False)
        index = self.semester_combo.findData(semester_key)
        if index != self.semester_combo.currentIndex():
            self.semester_combo.setCurrentIndex(index)
        else:
            self.load()

    def load(self) -> None:
        key = self.semester_combo.currentData()
        if not key:
            return
        self.roster = session2.session2_roster(self.tab.db, key)
        self.model.set_rows(self.roster.entries)
        units = len(self.roster.by_unit())
        self.summary.setText(
            f"<b>{self.roster.title}</b> : {len(self.roster.entries)} inscription(s) à l'épreuve dans {units} UE "
            f"(absents de la session 1 ou moins de 10/20). {session2.NO_CONVOCATION}"
        )

    def export_xlsx(self) -> None:
        if self.roster is None:
            return
        name = f"session2-{self.roster.semester_key.replace('/', '-')}.xlsx"
        path = self.tab.ask_save_path("Liste de session 2", name, "Classeur Excel (*.xlsx)")
        if not path:
            return
        try:
            session2.write_roster_xlsx(self.roster, path)
        except RefusedInput as refused:
            self.tab.show_error(str(refused))
            return
        self.tab.show_info(f"Liste de session 2 écrite : {path}.")

    def attendance_sheets(self) -> None:
        from cnam_desk.grading import paper

        roster = self.roster
        if roster is None:
            return
        name = f"emargement-session2-{roster.semester_key.replace('/', '-')}.pdf"
        path = self.tab.ask_save_path("Feuilles d'émargement de session 2", name, "PDF (*.pdf)")
        if not path:
            return

        def work() -> Iterator[Any]:
            yield Progress(0, 0, "Préparation des feuilles d'émargement…")
            return paper.write_roster_attendance(self.tab.db, roster, path)

        self.tab.run_job("Feuilles d'émargement", work,
                         lambda pages: self.tab.show_info(f"Feuilles d'émargement écrites ({pages} page(s)) : {path}."))
