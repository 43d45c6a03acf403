"""Catalogue des UE: every UE's code, title and ECTS credits, edited in place and saved together, or imported."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from cnam_desk import parsing
from cnam_desk.db.engine import Database
from cnam_desk.errors import EditConflict, RefusedInput
from cnam_desk.importing import count
from cnam_desk.schedule import unit_catalogue, units
from cnam_desk.schedule.unit_catalogue import UnitEdit, UnitView, credits_text
from cnam_desk.ui import msgbox, tasks
from cnam_desk.ui.import_dialogs import UnitsPreviewDialog
from cnam_desk.ui.table_columns import remember_columns

Index = QModelIndex | QPersistentModelIndex
UNITS_FILTER = "Tableurs (*.xlsx *.xlsm *.xls *.ods *.csv)"
UNKNOWN_TEXT = "non renseignés"
CHANGED = QBrush(QColor("#fef3c7"))
GREY = QBrush(QColor("#6b7280"))
ERROR_STYLE = "color: #b91c1c;"


class UnitsModel(QAbstractTableModel):
    """The catalogue; the title and the credits are typed over, kept aside until Enregistrer."""

    CODE, TITLE, ECTS = range(3)
    HEADERS = ("Code UE", "Intitulé", "Crédits ECTS")

    refused = Signal(str)  # what the clerk typed cannot be kept, and why

    def __init__(self, parent: Any = None):
        super().__init__(parent)
        self.rows: list[UnitView] = []
        self.pending: dict[str, tuple[str, Decimal | None]] = {}  # code -> (title, credits) typed

    def set_rows(self, rows: list[UnitView]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.pending = {}
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt override
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt override
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(self.HEADERS):
            return self.HEADERS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() != self.CODE:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def values(self, row: int) -> tuple[str, Decimal | None]:
        unit = self.rows[row]
        return self.pending.get(unit.code, (unit.title, unit.ects))

    def _changed(self, row: int, column: int) -> bool:
        unit = self.rows[row]
        if unit.code not in self.pending:
            return False
        title, ects = self.pending[unit.code]
        return title != unit.title if column == self.TITLE else ects != unit.ects

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        unit = self.rows[index.row()]
        column = index.column()
        title, ects = self.values(index.row())
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if column == self.CODE:
                return unit.code
            if column == self.TITLE:
                return title
            if role == Qt.ItemDataRole.EditRole:
                return credits_text(ects)
            return credits_text(ects) or UNKNOWN_TEXT
        if role == Qt.ItemDataRole.BackgroundRole and column != self.CODE and self._changed(index.row(), column):
            return CHANGED
        if role == Qt.ItemDataRole.ForegroundRole and column == self.ECTS and ects is None:
            return GREY
        if role == Qt.ItemDataRole.FontRole and column == self.ECTS and ects is None:
            font = QFont()
            font.setItalic(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and column == self.ECTS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and column == self.ECTS and ects is None:
            return "Crédits non renseignés : les attestations le disent (jamais 0)."
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or index.column() == self.CODE:
            return False
        unit = self.rows[index.row()]
        title, ects = self.values(index.row())
        try:
            if index.column() == self.TITLE:
                text = parsing.parse_text(value)
                title = unit.title if text == unit.title else unit_catalogue.check_title(unit.code, text)
            else:
                ects = unit_catalogue.parse_credits(value)
        except parsing.ParseError as error:
            self.refused.emit(f"UE {unit.code} : {error.message}.")
            return False
        except RefusedInput as error:
            self.refused.emit(str(error))
            return False
        if (title, ects) == (unit.title, unit.ects):
            self.pending.pop(unit.code, None)
        else:
            self.pending[unit.code] = (title, ects)
        self.dataChanged.emit(self.index(index.row(), self.TITLE), self.index(index.row(), self.ECTS))
        return True

    def edits(self) -> list[UnitEdit]:
        by_code = {unit.code: unit for unit in self.rows}
        return [
            UnitEdit(code, title, ects, by_code[code].version) for code, (title, ects) in sorted(self.pending.items())
        ]


class UnitsDialog(QDialog):
    """Catalogue des UE: search, type over a title or credits, Enregistrer saves them all at once."""

    def __init__(self, db: Database, parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.jobs: list[Any] = []
        self.setWindowTitle("Catalogue des UE")
        self.resize(860, 560)
        self.model = UnitsModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.search = QLineEdit(self)
        self.search.setObjectName("unitsSearch")
        self.search.setPlaceholderText("Rechercher une UE (code ou intitulé)")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.proxy.setFilterFixedString)
        self.table = QTableView(self)
        self.table.setObjectName("unitsTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(UnitsModel.CODE, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        remember_columns(self.table, "unitsTable", stretch=UnitsModel.TITLE)
        self.status = QLabel(self)
        self.status.setObjectName("unitsStatus")
        self.status.setWordWrap(True)
        self.model.refused.connect(self._refused)
        self.model.dataChanged.connect(lambda *_args: self._pending_changed())
        self.import_button = QPushButton("Importer un fichier…", self)
        self.save_button = QPushButton("Enregistrer", self)
        self.save_button.setObjectName("unitsSave")
        self.close_button = QPushButton("Fermer", self)
        for button in (self.import_button, self.save_button, self.close_button):
            button.setAutoDefault(False)  # Entrée ends the typing in a cell, it never presses a button
        buttons = QHBoxLayout()
        buttons.addWidget(self.import_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.import_button.clicked.connect(self.choose_file)
        self.save_button.clicked.connect(self.save)
        self.close_button.clicked.connect(self.reject)
        self.reload()

    # --- data -------------------------------------------------------------------------------

    def reload(self) -> None:
        self.model.set_rows(unit_catalogue.list_units(self.db))
        self.table.resizeColumnToContents(UnitsModel.CODE)
        self.table.resizeColumnToContents(UnitsModel.ECTS)
        self._pending_changed()

    def _pending_changed(self) -> None:
        pending = len(self.model.pending)
        self.save_button.setEnabled(bool(pending))
        self.save_button.setText(f"Enregistrer ({count(pending, 'UE', 'UE')})" if pending else "Enregistrer")
        unknown = sum(1 for row in range(self.model.rowCount()) if self.model.values(row)[1] is None)
        self._say(
            f"{count(self.model.rowCount(), 'UE', 'UE')} dans le catalogue ; "
            f"{count(unknown, 'UE aux crédits non renseignés', 'UE aux crédits non renseignés')}."
        )

    def _say(self, text: str, *, error: bool = False) -> None:
        self.status.setStyleSheet(ERROR_STYLE if error else "")
        self.status.setText(text)

    def _refused(self, message: str) -> None:
        self._say(message, error=True)

    # --- saving -----------------------------------------------------------------------------

    def save(self) -> bool:
        """Every change typed, in one transaction; a UE changed elsewhere meanwhile refuses them all."""
        edits = self.model.edits()
        if not edits:
            return True
        try:
            unit_catalogue.save_units(self.db, edits)
        except EditConflict as conflict:
            msgbox.warning(self, "Catalogue des UE", str(conflict))
            self.reload()
            return False
        except RefusedInput as refused:
            self._say(str(refused), error=True)
            return False
        self.reload()
        self._say(f"{count(len(edits), 'UE enregistrée', 'UE enregistrées')}.")
        return True

    def _leave_changes(self, what: str) -> bool:
        """True when nothing typed is lost: nothing pending, or the clerk agrees to drop it."""
        pending = len(self.model.pending)
        return not pending or msgbox.question(
            self, "Catalogue des UE",
            f"{count(pending, 'UE modifiée n’est pas enregistrée', 'UE modifiées ne sont pas enregistrées')} : "
            f"les abandonner et {what} ?",
        )  # fmt: skip

    def done(self, result: int) -> None:
        """Fermer, Échap or the window's close box: never while an import runs, nor losing what was typed."""
        if self.jobs or not self._leave_changes("fermer"):
            return
        super().done(result)

    # --- importing --------------------------------------------------------------------------

    def choose_file(self) -> None:
        if not self._leave_changes("importer un fichier"):
            return
        path = msgbox.open_file(self, "Importer le catalogue des UE", UNITS_FILTER)
        if path is not None:
            self.import_file(path)

    def import_file(self, path: Path) -> None:
        """Read the file off the main thread, show the preview, write only once the clerk confirms."""
        db = self.db
        self._run(f"Lecture de « {path.name} »", lambda: units.read_and_preview_steps(db, path), self._preview)

    def _preview(self, result: tuple[units.UnitFile, units.UnitPreview]) -> None:
        file, preview = result
        dialog = UnitsPreviewDialog(file, preview, self)
        try:
            accepted = dialog.exec() == QDialog.DialogCode.Accepted
        finally:
            dialog.deleteLater()
        if not accepted:
            return
        self._run("Import du catalogue des UE", lambda: units.apply_units_steps(self.db, file, expected=preview), self._imported)

    def _imported(self, summary: units.UnitSummary) -> None:
        self.reload()
        msgbox.information(self, "Import terminé", summary.describe())

    def _run(self, title: str, work: Callable[[], Iterator[Any]], on_done: Callable[[Any], None]) -> None:
        job: Any = None

        def forget() -> None:
            if job in self.jobs:
                self.jobs.remove(job)

        job = tasks.run_with_progress(self, title, work, on_done, on_end=forget)
        self.jobs.append(job)
