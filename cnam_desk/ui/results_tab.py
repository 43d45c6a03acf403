"""The Résultats tab: grade entry at the keyboard, statistics, publication, session 2 and attestations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    Qt,
    QThreadPool,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QKeySequence,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from cnam_desk.db.engine import Database
from cnam_desk.grading import double_entry, entry, rules
from cnam_desk.grading.entry import GradeRow, GradeSheet
from cnam_desk.schedule import exam_calendar
from cnam_desk.ui.drops import SPREADSHEETS, FileDropFilter
from cnam_desk.ui.grade_grid import GradeDelegate, GradeView
from cnam_desk.ui.histogram import HistogramWidget
from cnam_desk.ui.results_controller import ERROR_STYLE, OK_STYLE, GradeCommand, ResultsController
from cnam_desk.ui.results_double_entry import SECOND_MODE_TEXT, DoubleEntryController
from cnam_desk.ui.results_models import (
    ROW_ROLE,
    GradeProxy,
    GradeTableModel,
    HistoryModel,
)
from cnam_desk.ui.results_publishing import PublishingController, exam_text
from cnam_desk.ui.session2_page import Session2Page
from cnam_desk.ui.table_columns import remember_columns

__all__ = ["ERROR_STYLE", "OK_STYLE", "GradeCommand", "GradeDelegate", "GradeView", "HistogramWidget", "ResultsTab", "Session2Page"]


class ResultsTab(PublishingController, DoubleEntryController, ResultsController, QWidget):
    sheet_loaded = Signal()

    def __init__(self, db: Database, parent: QWidget | None = None, lazy: bool = False):
        super().__init__(parent)
        self.db = db
        self.sheet: GradeSheet | None = None
        self.pool: QThreadPool | None = None  # tests run jobs on their own pool
        self.undo_stack = QUndoStack(self)
        self._loading = False
        self.double_required = False  # office setting « double saisie obligatoire », read with the sessions

        # choosers
        self.session_combo = QComboBox(self)
        self.session_combo.setObjectName("sessionChooser")
        # « 2023-2024 – semestre 1, session 1 » whole: the exam chooser gives way, not this one
        self.session_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.session_combo.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.unit_combo = QComboBox(self)
        self.unit_combo.setObjectName("examChooser")
        self.unit_combo.setMinimumContentsLength(40)
        self.unit_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Rechercher un auditeur (nom ou numéro)")
        self.search.setClearButtonEnabled(True)
        self.publish_button = QPushButton("&Publier les notes…", self)
        self.publish_button.setObjectName("publishButton")
        self.absent_button = QPushButton("Marquer les autres A&BI…", self)
        self.absent_button.setObjectName("markAbsentButton")
        self.absent_button.setToolTip("Les auditeurs encore sans note deviennent absents non justifiés (ABI)")
        self.import_button = QPushButton("Importer…", self)
        self.second_button = QPushButton("Seconde saisie", self)
        self.second_button.setObjectName("secondEntryButton")
        self.second_button.setCheckable(True)
        self.second_button.setToolTip("Double saisie : taper les notes une seconde fois sans voir la première saisie")
        top = QHBoxLayout()
        # Alt+S, Alt+U: the choosers from the keyboard (typing a code then picks the exam)
        session_label = QLabel("&Session", self)
        session_label.setBuddy(self.session_combo)
        exam_label = QLabel("Épreuve (&UE)", self)
        exam_label.setBuddy(self.unit_combo)
        top.addWidget(session_label)
        top.addWidget(self.session_combo)
        top.addWidget(exam_label)
        top.addWidget(self.unit_combo, 1)
        top.addWidget(self.import_button)
        top.addWidget(self.second_button)
        top.addWidget(self.absent_button)
        top.addWidget(self.publish_button)

        # the grid
        self.model = GradeTableModel(self)
        self.model.on_edit = self._edit_from_grid
        self.model.on_second_edit = self._second_edit_from_grid
        self.proxy = GradeProxy(self)
        self.proxy.setSourceModel(self.model)
        self.grid = GradeView(self)
        self.grid.setModel(self.proxy)
        self.grid.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        remember_columns(self.grid, "gradeGrid", stretch=GradeTableModel.LAST_NAME)
        self.message = QLabel(self)
        self.message.setObjectName("resultsMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.publication = QLabel(self)
        self.publication.setObjectName("publicationState")
        self.publication.setWordWrap(True)
        self.second_banner = QLabel(SECOND_MODE_TEXT, self)
        self.second_banner.setObjectName("secondEntryBanner")
        self.second_banner.setWordWrap(True)
        self.second_banner.setVisible(False)
        self.disagreements = QLabel(self)
        self.disagreements.setObjectName("disagreements")
        self.disagreements.setStyleSheet(ERROR_STYLE)
        self.disagreements.setVisible(False)
        self.settle_button = QPushButton("Trancher…", self)
        self.settle_button.setObjectName("settleButton")
        self.settle_button.setToolTip("Choisir la bonne note d'un désaccord de la double saisie (Ctrl+Maj+T)")
        grid_box = QWidget(self)
        grid_layout = QVBoxLayout(grid_box)
        grid_layout.setContentsMargins(0, 0, 0, 0)
        state_line = QHBoxLayout()
        self.missing_only = QCheckBox("Sans note seu&lement", self)
        self.missing_only.setObjectName("missingOnly")
        state_line.addWidget(self.publication, 1)
        state_line.addWidget(self.missing_only)
        state_line.addWidget(self.search)
        self.search.setMinimumWidth(260)
        grid_layout.addLayout(state_line)
        grid_layout.addWidget(self.second_banner)
        disagreement_line = QHBoxLayout()
        disagreement_line.addWidget(self.disagreements, 1)
        disagreement_line.addWidget(self.settle_button)
        grid_layout.addLayout(disagreement_line)
        grid_layout.addWidget(self.grid, 1)
        grid_layout.addWidget(self.message)

        # beside the grid: reason, statistics, history, attestations
        self.reason = QLineEdit(self)
        self.reason.setObjectName("changeReason")
        self.reason.setPlaceholderText("Motif de la modification (obligatoire : notes publiées)")
        self.stat_labels: dict[str, QLabel] = {}
        self.stats_box = stats_box = QGroupBox("Statistiques", self)
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
        remember_columns(self.history_view, "gradeHistory")
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
        self.absent_button.clicked.connect(self.mark_others_absent)
        self.missing_only.toggled.connect(self.proxy.set_missing_only)
        self.import_button.clicked.connect(lambda: self.import_file())
        self.settle_button.clicked.connect(self.settle_current)
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
        self.second_button.toggled.connect(self.set_second_mode)
        self.grid.context_actions = [self.settle_action]
        if not lazy:  # lazy: the window reads the tab when it is first shown
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
        self.grade_sheet_action = action("Feuille de notes de l'épreuve pour l'enseignant (.xlsx)…", self.grade_sheet)
        self.export_action = action("Exporter les résultats publiés pour le portail…", self.export_results)
        self.roster_action = action("Liste de session 2 (.xlsx)…", self.roster_page.export_xlsx)
        self.sheets_action = action("Feuilles d'émargement de session 2 (PDF)…", self.roster_page.attendance_sheets)
        self.all_success_action = action("Attestations de réussite de l'année…", self.all_success_attestations)
        self.programmes_action = action("Programmes de M1…", self.edit_programmes)
        self.units_action = action("Catalogue des UE (intitulés, crédits ECTS)…", self.edit_units)
        self.best_action = QAction("Résultat de l'UE : meilleure note des deux sessions", self)
        self.best_action.setCheckable(True)
        self.best_action.toggled.connect(self._best_toggled)
        self.settle_action = action("Trancher le désaccord de la double saisie…", self.settle_current, "Ctrl+Shift+T")
        self.second_action = QAction("Seconde saisie (sans voir la première)", self)
        self.second_action.setCheckable(True)
        self.second_action.toggled.connect(lambda on: self.second_button.setChecked(on))
        self.required_action = QAction("Double saisie obligatoire avant publication", self)
        self.required_action.setCheckable(True)
        self.required_action.toggled.connect(self._required_toggled)

    def install_menus(self, window: Any) -> None:
        for item in (self.grade_sheet_action, self.import_action, self.export_action, self.roster_action, self.sheets_action,
                     self.all_success_action):
            window.add_file_action(item)
        edit = window.menu("Édition")
        edit.addSeparator()
        for item in (self.undo_action, self.redo_action, self.paste_action):
            edit.addAction(item)
        edit.addSeparator()
        edit.addAction(self.programmes_action)
        edit.addAction(self.units_action)
        edit.addAction(self.best_action)
        edit.addSeparator()
        for item in (self.second_action, self.settle_action, self.required_action):
            edit.addAction(item)

    # --- choosing ---------------------------------------------------------------------------

    def reload_sessions(self, select: str | None = None) -> None:
        sessions = exam_calendar.list_sessions(self.db)
        chosen = select or self.session_key() or entry.default_session_key(self.db)
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
        self.double_required = double_entry.required(self.db)
        self.required_action.blockSignals(True)
        self.required_action.setChecked(self.double_required)
        self.required_action.blockSignals(False)
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
            self.unit_combo.addItem(exam_text(choice), choice.code)
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
        self.apply_entry_mode()
        rows = self.proxy.rowCount()
        # The history follows the current row: it is read once, when the row is set below.
        self._show_state(with_history=not rows)
        if rows:
            row = min(current.row(), rows - 1) if current.isValid() else 0
            self.grid.setCurrentIndex(self.proxy.index(row, self.model.entry_column))
        self.sheet_loaded.emit()

    def _show_state(self, *, with_history: bool = True) -> None:
        sheet = self.sheet
        published = bool(sheet and sheet.published)
        self.reason.setVisible(published)
        self.publish_button.setEnabled(bool(sheet) and not published)
        self.absent_button.setEnabled(bool(sheet) and not published)
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
        self.show_exam_progress(stats.entered, stats.enrolled)

    def current_row(self) -> GradeRow | None:
        index = self.grid.currentIndex()
        return index.data(ROW_ROLE) if index.isValid() else None

    def _current_changed(self) -> None:
        row = self.current_row()
        self.success_button.setEnabled(row is not None)
        self.m1_button.setEnabled(row is not None)
        self.refresh_disagreements()
        if row is None or self.sheet is None or self.model.second_mode:
            self.history_model.set_rows([])
            self.student_label.setText("—")
            return
        self.student_label.setText(f"{row.name} ({row.student_number})")
        self.history_model.set_rows(entry.grade_history(self.db, self.sheet.ref, row.student_id))

