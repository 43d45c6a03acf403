"""The Qt models of the Demandes tab: the queue (with its filters) and the column mapping of a Forms import."""

from __future__ import annotations

import datetime as dt
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

from cnam_desk import frenchdates
from cnam_desk.db.models import RequestKind, RequestStatus
from cnam_desk.requests import checks, columns, exports
from cnam_desk.requests.labels import KIND_LABELS, STATUS_LABELS
from cnam_desk.requests.queue import QueueRow
from cnam_desk.spreadsheets import column_letter

ROW_ROLE = Qt.ItemDataRole.UserRole + 1

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
        checks.NO_OVERLAP: "pas simultanés",  # the exams named are at different times
    },
    "proof": {checks.PRESENT: "joint", checks.MISSING: "manquant"},
    "trip_covers_exam": {True: "couvrent", False: "ne couvrent pas"},  # the trip dates and the exam
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
    sort: str  # the queue service's sort key
    check: str | None = None


def _received(row: QueueRow) -> str:
    return frenchdates.paris(row.received_at).strftime("%d/%m/%Y %H:%M")


def _check(name: str) -> Callable[[QueueRow], str]:
    return lambda row: SHORT[name].get(row.checks.get(name), "—")


COLUMNS: list[Column] = [
    Column("N°", lambda r: str(r.id), "id"),
    Column("Reçue le", _received, "received_at"),
    Column("N° auditeur", lambda r: r.student_number, "student_number"),
    Column("Nom", lambda r: r.student_name, "name"),
    Column("Type", lambda r: SHORT_KINDS[r.kind], "kind"),
    Column("UE", lambda r: ", ".join(r.ues), "ues"),
    Column("Statut", lambda r: STATUS_LABELS[r.status], "status"),
    Column("Délai", _check("deadline"), "deadline", "deadline"),
    Column("Créneau", _check("overlap"), "overlap", "overlap"),
    Column("Justificatif", _check("proof"), "proof", "proof"),
    Column("Dates", _check("trip_covers_exam"), "trip_covers_exam", "trip_covers_exam"),
    Column("Envois", lambda r: str(r.receipts), "receipts"),
    Column("Courrier", lambda r: r.letter.text, "letter"),
]
LETTER_COLUMN = 12
STATUS_COLUMN = 6


PAGE = 120  # lines read at once while the clerk scrolls
_ROLES = frozenset(
    {
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.ForegroundRole,
        Qt.ItemDataRole.BackgroundRole,
        Qt.ItemDataRole.FontRole,
        Qt.ItemDataRole.ToolTipRole,
        ROW_ROLE,
    }
)


class QueueModel(QAbstractTableModel):
    """The requests the clerk's filters keep, in the chosen order; lines are read a page at a time.

    The database sorts and filters (a session may hold tens of thousands of requests): the model
    holds their numbers, and reads the lines it is asked to show through `fetch`.
    """

    def __init__(self, parent: Any = None):
        super().__init__(parent)
        self.ids: list[int] = []
        self.positions: dict[int, int] = {}
        self.cache: dict[int, QueueRow] = {}
        self.texts: dict[int, list[str]] = {}
        self.fetch: Callable[[list[int]], dict[int, QueueRow]] = lambda _ids: {}
        self.processing_due: dt.datetime | None = None
        self.now = frenchdates.now()
        self.bold = QFont()
        self.bold.setBold(True)

    # --- loading -----------------------------------------------------------------------------

    def load(
        self,
        ids: list[int],
        fetch: Callable[[list[int]], dict[int, QueueRow]],
        processing_due: dt.datetime | None,
        now: dt.datetime | None = None,
    ) -> None:
        self.beginResetModel()
        self.ids = list(ids)
        self.positions = {request_id: index for index, request_id in enumerate(self.ids)}
        self.cache = {}
        self.texts = {}
        self.fetch = fetch
        self.processing_due = processing_due
        self.now = now or frenchdates.now()
        self.endResetModel()

    def reorder(self, ids: list[int]) -> None:
        """The same requests in another order (a click on a column header)."""
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        kept = [self.ids[i.row()] if 0 <= i.row() < len(self.ids) else None for i in persistent]
        self.ids = list(ids)
        self.positions = {request_id: index for index, request_id in enumerate(self.ids)}
        for index, request_id in zip(persistent, kept, strict=True):
            position = self.positions.get(request_id) if request_id is not None else None
            target = self.index(position, index.column()) if position is not None else QModelIndex()
            self.changePersistentIndex(index, target)
        self.layoutChanged.emit()

    def row_at(self, position: int) -> QueueRow | None:
        if not 0 <= position < len(self.ids):
            return None
        request_id = self.ids[position]
        row = self.cache.get(request_id)
        if row is None:
            start = max(position - PAGE // 4, 0)
            page = [rid for rid in self.ids[start : start + PAGE] if rid not in self.cache]
            self.cache.update(self.fetch(page))
            row = self.cache.get(request_id)
        return row

    def update_row(self, row: QueueRow) -> None:
        """One request changed (a decision, a proof): only its line is redrawn."""
        position = self.positions.get(row.id)
        if position is None:
            return
        self.cache[row.id] = row
        self.texts.pop(row.id, None)
        self.dataChanged.emit(self.index(position, 0), self.index(position, len(COLUMNS) - 1))

    def remove_request(self, request_id: int) -> None:
        """A request the filters no longer keep (decided while only pending ones are shown)."""
        position = self.positions.get(request_id)
        if position is None:
            return
        self.beginRemoveRows(QModelIndex(), position, position)
        del self.ids[position]
        self.positions = {rid: index for index, rid in enumerate(self.ids)}
        self.cache.pop(request_id, None)
        self.endRemoveRows()

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

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal
        if horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(COLUMNS):
            return COLUMNS[section].title
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Painting asks for many roles per cell: the unused ones are answered first, cheaply.
        if role not in _ROLES or not index.isValid() or not 0 <= index.column() < len(COLUMNS):
            return None
        row = self.row_at(index.row())
        if row is None:
            return None
        column = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            texts = self.texts.get(row.id)
            if texts is None:
                texts = self.texts[row.id] = [c.text(row) for c in COLUMNS]
                if self.is_overdue(row):
                    texts[STATUS_COLUMN] += " ⚠"
            return texts[index.column()]
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.ForegroundRole:
            if column.check:
                value = row.checks.get(column.check)
                if value in checks.WARNINGS:
                    return QBrush(WARNING_COLOUR)
                if value in (checks.CONFIRMED, checks.PRESENT, True):
                    return QBrush(GOOD_COLOUR)
            elif index.column() == STATUS_COLUMN and self.is_overdue(row):
                return QBrush(WARNING_COLOUR)
            return None
        if (
            role == Qt.ItemDataRole.BackgroundRole
            and index.column() == STATUS_COLUMN
            and self.is_overdue(row)
        ):
            return QBrush(OVERDUE_BACKGROUND)
        if role == Qt.ItemDataRole.FontRole and row.status is RequestStatus.PENDING:
            return self.bold
        if role == Qt.ItemDataRole.ToolTipRole:
            if column.check:
                return checks.LABELS[column.check].get(row.checks.get(column.check), "")
            if index.column() == 4:
                return KIND_LABELS[row.kind]
            if index.column() == STATUS_COLUMN and self.is_overdue(row):
                return "Toujours en attente après la semaine de traitement"
            if index.column() == LETTER_COLUMN and row.letter.reference:
                return f"Courrier {row.letter.reference}"
        return None


class QueueProxy(QSortFilterProxyModel):
    """The view's proxy over the queue: the database already filtered and sorted it.

    A header click asks the tab for the new order (`sort_requested`), which the model then takes.
    """

    def __init__(self, parent: Any = None):
        super().__init__(parent)
        self.on_sort: Callable[[int, Qt.SortOrder], None] | None = None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if self.on_sort is not None and 0 <= column < len(COLUMNS):
            self.on_sort(column, order)


# --- the column mapping of an import ---------------------------------------------------------------

IGNORED = ""
FIELD_CHOICES: list[tuple[str, str]] = [(IGNORED, "— ignorée —")] + [
    (f.name, f.label[0].upper() + f.label[1:]) for f in columns.FIELDS.values()
]


class MappingModel(QAbstractTableModel):
    """The questions of a Forms export and the field each one answers; the field column is editable."""

    HEADERS = ("Colonne", "Question du formulaire", "Champ", "Exemples de réponses")

    def __init__(self, export: exports.FormExport, parent: Any = None):
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

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.questions)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < 4
        ):
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

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or index.column() != 2 or role != Qt.ItemDataRole.EditRole:
            return False
        name = str(value or "")
        if name not in dict(FIELD_CHOICES):
            return False
        changed = [index.row()]
        if name and not columns.FIELDS[name].many:
            # A field answered by one column only: the column that had it loses it.
            for row, current in enumerate(self.fields):
                if current == name and row != index.row():
                    self.fields[row] = IGNORED
                    changed.append(row)
        self.fields[index.row()] = name
        for row in changed:
            self.dataChanged.emit(self.index(row, 2), self.index(row, 2))
        return True
