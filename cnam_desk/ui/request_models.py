"""The Qt models of the Demandes tab: the queue (with its filters) and the column mapping of a Forms import."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QFont

from cnam_desk import checks, frenchdates
from cnam_desk.db.models import RequestKind, RequestStatus
from cnam_desk.requests import intake
from cnam_desk.requests.labels import KIND_LABELS, STATUS_LABELS
from cnam_desk.requests.queue import QueueRow
from cnam_desk.spreadsheets import normalise_header

ROW_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2

Index = QModelIndex | QPersistentModelIndex

WARNING_COLOUR = QColor("#b91c1c")
GOOD_COLOUR = QColor("#15803d")
OVERDUE_BACKGROUND = QColor("#fde8e8")

SHORT = {
    "deadline": {checks.ON_TIME: "à temps", checks.LATE: "hors délai", checks.EXEMPT: "exemptée"},
    "overlap": {
        checks.CONFIRMED: "confirmé",
        checks.NOT_FOUND: "introuvable",
        checks.NOT_ENROLLED: "non inscrit",
        checks.NO_OVERLAP: "aucun",
    },
    "proof": {checks.PRESENT: "joint", checks.MISSING: "manquant"},
    "trip_covers_exam": {True: "couvrent", False: "hors examen"},
}


SHORT_KINDS = {
    RequestKind.OVERLAP: "Chevauchement",
    RequestKind.TRIP: "Déplacement",
    RequestKind.DISABILITY: "Handicap",
    RequestKind.ATTESTATION: "Attestation",
    RequestKind.OTHER: "Autre",
}


@dataclass(frozen=True)
class Column:
    title: str
    text: Callable[[QueueRow], str]
    key: Callable[[QueueRow], Any]
    check: str | None = None


def _received(row: QueueRow) -> str:
    return frenchdates.paris(row.received_at).strftime("%d/%m/%Y %H:%M")


def _check(name: str) -> Callable[[QueueRow], str]:
    return lambda row: SHORT[name].get(row.checks.get(name), "—")


def _check_key(name: str) -> Callable[[QueueRow], Any]:
    order = list(SHORT[name])
    return lambda row: order.index(row.checks.get(name)) if row.checks.get(name) in order else len(order)


COLUMNS: list[Column] = [
    Column("N°", lambda r: str(r.id), lambda r: r.id),
    Column("Reçue le", _received, lambda r: r.received_at),
    Column("N° auditeur", lambda r: r.student_number, lambda r: r.student_number),
    Column("Nom", lambda r: r.student_name, lambda r: (r.last_name.casefold(), r.first_name.casefold())),
    Column("Type", lambda r: SHORT_KINDS[r.kind], lambda r: list(RequestKind).index(r.kind)),
    Column("UE", lambda r: ", ".join(r.ues), lambda r: r.ues),
    Column("Statut", lambda r: STATUS_LABELS[r.status], lambda r: list(RequestStatus).index(r.status)),
    Column("Délai", _check("deadline"), _check_key("deadline"), "deadline"),
    Column("Créneau", _check("overlap"), _check_key("overlap"), "overlap"),
    Column("Justificatif", _check("proof"), _check_key("proof"), "proof"),
    Column("Dates", _check("trip_covers_exam"), _check_key("trip_covers_exam"), "trip_covers_exam"),
    Column("Envois", lambda r: str(r.receipts), lambda r: r.receipts),
]
STATUS_COLUMN = 6


class QueueModel(QAbstractTableModel):
    """The requests of one session, one per line; sorting is done here, on Python values.

    The proxy only filters: its own sorting would call data() twice per comparison, which is
    too slow for a queue of tens of thousands of requests.
    """

    def __init__(self, parent: Any = None):
        super().__init__(parent)
        self.rows: list[QueueRow] = []
        self.positions: dict[int, int] = {}
        self.processing_due: dt.datetime | None = None
        self.now = frenchdates.now()
        self.sort_column = 1
        self.sort_order = Qt.SortOrder.AscendingOrder

    # --- loading -----------------------------------------------------------------------------

    def load(self, rows: list[QueueRow], processing_due: dt.datetime | None, now: dt.datetime | None = None) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.processing_due = processing_due
        self.now = now or frenchdates.now()
        self._sort_rows()
        self.endResetModel()

    def _sort_rows(self) -> None:
        column = COLUMNS[self.sort_column]
        self.rows.sort(key=lambda r: (column.key(r), r.id), reverse=self.sort_order == Qt.SortOrder.DescendingOrder)
        self.positions = {row.id: index for index, row in enumerate(self.rows)}

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:  # noqa: D102
        if not 0 <= column < len(COLUMNS):
            return
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        ids = [self.rows[i.row()].id if 0 <= i.row() < len(self.rows) else None for i in persistent]
        self.sort_column, self.sort_order = column, order
        self._sort_rows()
        for index, request_id in zip(persistent, ids, strict=True):
            if request_id is not None:
                self.changePersistentIndex(index, self.index(self.positions[request_id], index.column()))
        self.layoutChanged.emit()

    def update_row(self, row: QueueRow) -> None:
        """One request changed (a decision, a proof): only its line is redrawn."""
        position = self.positions.get(row.id)
        if position is None:
            return
        self.rows[position] = row
        self.dataChanged.emit(self.index(position, 0), self.index(position, len(COLUMNS) - 1))

    def row_of(self, request_id: int) -> int | None:
        return self.positions.get(request_id)

    def is_overdue(self, row: QueueRow) -> bool:
        """Still waiting after the processing week (deadline + 7 days)."""
        return (
            row.status is RequestStatus.PENDING
            and self.processing_due is not None
            and self.now > self.processing_due
        )

    # --- Qt ----------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return COLUMNS[section].title
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.rows) or not 0 <= index.column() < len(COLUMNS):
            return None
        row = self.rows[index.row()]
        column = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            text = column.text(row)
            if index.column() == STATUS_COLUMN and self.is_overdue(row):
                text += " ⚠"
            return text
        if role == ROW_ROLE:
            return row
        if role == SORT_ROLE:
            return column.key(row)
        if role == Qt.ItemDataRole.ForegroundRole and column.check:
            value = row.checks.get(column.check)
            if value in checks.WARNINGS:
                return QBrush(WARNING_COLOUR)
            if value in (checks.CONFIRMED, checks.PRESENT, True):
                return QBrush(GOOD_COLOUR)
            return None
        if role == Qt.ItemDataRole.BackgroundRole and index.column() == STATUS_COLUMN and self.is_overdue(row):
            return QBrush(OVERDUE_BACKGROUND)
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == STATUS_COLUMN and self.is_overdue(row):
            return QBrush(WARNING_COLOUR)
        if role == Qt.ItemDataRole.FontRole and row.status is RequestStatus.PENDING:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            if column.check:
                return checks.LABELS[column.check].get(row.checks.get(column.check), "")
            if index.column() == 4:
                return KIND_LABELS[row.kind]
            if index.column() == STATUS_COLUMN and self.is_overdue(row):
                return "Toujours en attente après la semaine de traitement"
        return None


@dataclass(frozen=True)
class QueueFilter:
    """What the clerk chose to see: None means everything."""

    status: RequestStatus | None = None
    kind: RequestKind | None = None
    checks: str | None = None  # "attention" (a check speaks against it) or "clear"
    late_only: bool = False
    text: str = ""

    def accepts(self, row: QueueRow) -> bool:
        if self.status is not None and row.status is not self.status:
            return False
        if self.kind is not None and row.kind is not self.kind:
            return False
        if self.late_only and not row.late:
            return False
        if self.checks == "attention" and not checks.needs_attention(row.checks):
            return False
        if self.checks == "clear" and checks.needs_attention(row.checks):
            return False
        if self.text:
            haystack = searchable(row)
            if not all(word in haystack for word in searchable_words(self.text)):
                return False
        return True


def searchable_words(text: str) -> list[str]:
    return normalise_header(text).split()


def searchable(row: QueueRow) -> str:
    """What the search field looks in, without accents or case (« nguyen » finds Nguyễn)."""
    return _searchable(row.id, row.student_number, row.last_name, row.first_name, row.ues)


@functools.lru_cache(maxsize=200_000)
def _searchable(request_id: int, number: str, last_name: str, first_name: str, ues: tuple[str, ...]) -> str:
    return normalise_header(f"{request_id} {number} {last_name} {first_name} {' '.join(ues)}")


class QueueFilterProxy(QSortFilterProxyModel):
    """Filters the queue (status, kind, checks, late, text); keeps the source model's order."""

    def __init__(self, parent: Any = None):
        super().__init__(parent)
        self.criteria = QueueFilter()
        self.setDynamicSortFilter(True)

    def set_criteria(self, criteria: QueueFilter) -> None:
        self.beginFilterChange()
        self.criteria = criteria
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:  # noqa: N802
        model = self.sourceModel()
        if not isinstance(model, QueueModel) or source_row >= len(model.rows):
            return False
        return self.criteria.accepts(model.rows[source_row])

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:  # noqa: D102
        # The header's sort indicator asks the source; the proxy follows the source's order.
        model = self.sourceModel()
        if isinstance(model, QueueModel):
            model.sort(column, order)


# --- the column mapping of an import ---------------------------------------------------------------

IGNORED = ""
FIELD_CHOICES: list[tuple[str, str]] = [(IGNORED, "— ignorée —")] + [
    (f.name, f.label[0].upper() + f.label[1:]) for f in intake.FIELDS.values()
]


class MappingModel(QAbstractTableModel):
    """The questions of a Forms export and the field each one answers; the field column is editable."""

    HEADERS = ("Colonne", "Question du formulaire", "Champ", "Exemples de réponses")

    def __init__(self, export: intake.FormExport, parent: Any = None):
        super().__init__(parent)
        self.export = export
        self.questions = list(export.questions)
        self.fields: list[str] = []
        self.set_mapping(export.mapping)

    def set_mapping(self, mapping: dict[str, list[int]]) -> None:
        by_column = {column: name for name, columns in mapping.items() for column in columns}
        self.beginResetModel()
        self.fields = [by_column.get(column, IGNORED) for column, _title in self.questions]
        self.endResetModel()

    def mapping(self) -> dict[str, list[int]]:
        result: dict[str, list[int]] = {}
        for (column, _title), name in zip(self.questions, self.fields, strict=True):
            if name:
                result.setdefault(name, []).append(column)
        return result

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.questions)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < 4:
            return self.HEADERS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == 2:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.questions) or not 0 <= index.column() < 4:
            return None
        column, title = self.questions[index.row()]
        name = self.fields[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if index.column() == 0:
                from cnam_desk.spreadsheets import column_letter

                return column_letter(column)
            if index.column() == 1:
                return title
            if index.column() == 2:
                return dict(FIELD_CHOICES)[name]
            return " · ".join(self.export.samples(column))
        if role == Qt.ItemDataRole.EditRole and index.column() == 2:
            return name
        if role == Qt.ItemDataRole.FontRole and index.column() == 2 and name:
            font = QFont()
            font.setBold(True)
            return font
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if not index.isValid() or index.column() != 2 or role != Qt.ItemDataRole.EditRole:
            return False
        name = str(value or "")
        if name not in dict(FIELD_CHOICES):
            return False
        changed = [index.row()]
        if name and not intake.FIELDS[name].many:
            # A field answered by one column only: the column that had it loses it.
            for row, current in enumerate(self.fields):
                if current == name and row != index.row():
                    self.fields[row] = IGNORED
                    changed.append(row)
        self.fields[index.row()] = name
        for row in changed:
            self.dataChanged.emit(self.index(row, 2), self.index(row, 2))
        return True
