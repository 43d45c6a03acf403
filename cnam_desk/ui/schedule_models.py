"""Qt models of the schedule: read-only tables over prefetched tuples, and a search proxy that scales."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

from cnam_desk import frenchdates, parsing

ROW_ROLE = Qt.ItemDataRole.UserRole + 20  # the row's tuple, for the views' actions
SORT_ROLE = Qt.ItemDataRole.UserRole + 21  # a Python value that sorts the way the clerk expects

Index = QModelIndex | QPersistentModelIndex
# Sort keys of text columns: a schedule repeats the same titles, rooms and centres.
folded = functools.lru_cache(maxsize=65536)(parsing.fold)


class Column(NamedTuple):
    """One column: its header, its text for a row, and optionally its sort key and alignment."""

    header: str
    text: Callable[[Any], str]
    key: Callable[[Any], Any] | None = None
    align: Qt.AlignmentFlag | None = None


def _centred() -> Qt.AlignmentFlag:
    return Qt.AlignmentFlag.AlignCenter


class RowsModel(QAbstractTableModel):
    """A read-only table over a list of tuples; texts are made only for the rows on screen.

    Its search key is every column's text, folded: fine for the small tables; the exam
    table keeps its keys ready instead.
    """

    def __init__(self, columns: Sequence[Column], parent: Any = None):
        super().__init__(parent)
        self.columns = tuple(columns)
        self._rows: list[Any] = []
        self._sorted: tuple[int, Qt.SortOrder] | None = None  # how the rows are ordered now

    # --- content ----------------------------------------------------------------------------

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._sorted = None
        self._rows_changed()
        self.endResetModel()

    def _rows_changed(self) -> None:
        """Hook for models that keep something per row (kept in step with `_rows`)."""

    def rows(self) -> list[Any]:
        return self._rows

    def row_at(self, row: int) -> Any:
        return self._rows[row]

    def search_key(self, row: int) -> str:
        return parsing.fold("\t".join(column.text(self._rows[row]) for column in self.columns))

    # --- Qt ---------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt API
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt API
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole or role == Qt.ItemDataRole.ToolTipRole:
            return self.columns[index.column()].text(self._rows[index.row()])
        if role == Qt.ItemDataRole.TextAlignmentRole:
            align = self.columns[index.column()].align
            return None if align is None else int(align | Qt.AlignmentFlag.AlignVCenter)
        if role == ROW_ROLE:
            return self._rows[index.row()]
        if role == SORT_ROLE:
            column = self.columns[index.column()]
            return (column.key or column.text)(self._rows[index.row()])
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.columns[section].header if 0 <= section < len(self.columns) else None
        return str(section + 1)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sorted here with Python's sort (fast on 100,000 rows), keeping selections in place."""
        if not 0 <= column < len(self.columns) or self._sorted == (column, order):
            return
        spec = self.columns[column]
        keys = list(map(spec.key or spec.text, self._rows))
        new_order = sorted(range(len(keys)), key=keys.__getitem__, reverse=order == Qt.SortOrder.DescendingOrder)
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        old_rows = [index.row() for index in persistent]
        self._reorder(new_order)
        self._sorted = (column, order)
        if persistent:
            position = {old: new for new, old in enumerate(new_order)}
            self.changePersistentIndexList(
                persistent, [self.index(position[row], index.column()) for row, index in zip(old_rows, persistent, strict=True)]
            )
        self.layoutChanged.emit()

    def _reorder(self, order: list[int]) -> None:
        self._rows = [self._rows[i] for i in order]


class SearchProxy(QSortFilterProxyModel):
    """Filters on a search text that the source model matches row by row, cheaply.

    Sorting is left to the source (Python's sort on the tuples), because a proxy comparing
    Python values would call back into Python a couple of million times on 100,000 rows.
    """

    def __init__(self, parent: Any = None):
        super().__init__(parent)
        self._words: tuple[str, ...] = ()
        self._source: Any = None  # the Python model, without asking Qt for it 100,000 times
        self.search_text = ""

    def setSourceModel(self, model: Any) -> None:  # noqa: N802 - Qt API
        self._source = model
        super().setSourceModel(model)

    def set_search(self, text: str) -> None:
        words = tuple(parsing.fold(text).split())
        prepare = getattr(self._source, "prepare_search", None)
        if words and prepare is not None:
            prepare()
        self.beginFilterChange()
        self.search_text = text
        self._words = words
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        if not self._words:
            return True
        key = self._source.search_key(source_row)
        for word in self._words:
            if word not in key:
                return False
        return True

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if self._source is not None:
            self._source.sort(column, order)


# --- the session's exams ------------------------------------------------------------------------


# The day list shows planning.ExamLine records; the big table keeps plain tuples.
# Positions in the tuples of planning.exam_tuples: (id, ue, title, date, start, end, room, centre).
ID, UE, TITLE, DATE, START, END, ROOM, CENTRE = range(8)
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")

EXAM_COLUMNS = (
    Column("Jour", lambda r: WEEKDAYS[r[DATE].weekday()], key=lambda r: (r[DATE], r[START], r[UE])),
    Column("Date", lambda r: f"{r[DATE]:%d/%m/%Y}", key=lambda r: (r[DATE], r[START], r[UE]), align=_centred()),
    Column("Début", lambda r: frenchdates.hour(r[START]), key=lambda r: (r[START], r[DATE], r[UE]), align=_centred()),
    Column("Fin", lambda r: frenchdates.hour(r[END]), key=lambda r: (r[END], r[DATE], r[UE]), align=_centred()),
    Column("UE", lambda r: r[UE], key=lambda r: (r[UE], r[CENTRE])),
    Column("Intitulé", lambda r: r[TITLE], key=lambda r: (folded(r[TITLE]), r[UE])),
    Column("Salle", lambda r: r[ROOM], key=lambda r: (folded(r[ROOM]), r[DATE], r[START])),
    Column("Centre", lambda r: r[CENTRE], key=lambda r: (folded(r[CENTRE]), r[DATE], r[START])),
)


class ExamTableModel(RowsModel):
    """All the exams of a session, as prefetched tuples; searched by UE, room, centre or date."""

    def __init__(self, parent: Any = None):
        super().__init__(EXAM_COLUMNS, parent)
        self._search_keys: list[str] | None = None  # made on the first search, not on every load

    def set_exams(self, rows: Sequence[tuple[Any, ...]]) -> None:
        self.set_rows(rows)

    def _rows_changed(self) -> None:
        self._search_keys = None

    def prepare_search(self) -> None:
        """One folded text per row: UE, room, centre and the date in its usual forms (« 22/01/2024 », « lundi 22 janvier »)."""
        if self._search_keys is not None:
            return
        rows = self._rows
        # Folding is slow, and a schedule has few distinct UEs, rooms, centres and days.
        texts = {value for row in rows for value in (row[UE], row[ROOM], row[CENTRE])}
        fold = {text: parsing.fold(text) for text in texts}
        days = {
            day: parsing.fold(f"{day:%d/%m/%Y} {frenchdates.long_date(day)} {day.isoformat()}")
            for day in {row[DATE] for row in rows}
        }
        self._search_keys = [f"{fold[r[UE]]}\t{fold[r[ROOM]]}\t{fold[r[CENTRE]]}\t{days[r[DATE]]}" for r in rows]

    def _reorder(self, order: list[int]) -> None:
        super()._reorder(order)
        keys = self._search_keys
        if keys is not None:
            self._search_keys = [keys[i] for i in order]

    def search_key(self, row: int) -> str:
        keys = self._search_keys
        if keys is None:
            self.prepare_search()
            keys = self._search_keys
        return keys[row]  # type: ignore[index]


# --- smaller tables ------------------------------------------------------------------------------


def slot_text(row: Any) -> str:
    return f"{frenchdates.hour(row.start)} – {frenchdates.hour(row.end)}"


DAY_COLUMNS = (
    Column("Horaire", slot_text, key=lambda r: (r.start, r.end, r.ue)),
    Column("UE", lambda r: r.ue),
    Column("Intitulé", lambda r: r.title),
    Column("Salle", lambda r: r.room),
    Column("Centre", lambda r: r.centre),
)
