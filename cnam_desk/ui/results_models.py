"""Qt models of the Résultats tab: the grade grid, a grade's history, the session 2 roster, import problems."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor

from cnam_desk import frenchdates
from cnam_desk.grading import rules
from cnam_desk.grading.entry import GradeRow, HistoryEntry, sort_key
from cnam_desk.grading.importing import ImportProblem, PlannedGrade, ProblemKind
from cnam_desk.grading.rules import GradeValue, ResultCode
from cnam_desk.grading.session2 import RosterEntry

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ROW_ROLE = Qt.ItemDataRole.UserRole + 2
FILTER_ROLE = Qt.ItemDataRole.UserRole + 3  # number and names without accents, for the search box

Index = QModelIndex | QPersistentModelIndex

MISMATCH_BACKGROUND = QColor("#fee2e2")
MISMATCH_FOREGROUND = QColor("#b91c1c")

RESULT_COLOURS = {
    ResultCode.ADM: QColor("#15803d"),
    ResultCode.AJ: QColor("#b91c1c"),
    ResultCode.ABI: QColor("#b45309"),
    ResultCode.ABJ: QColor("#6b7280"),
}


def grade_sort_value(grade: GradeValue) -> tuple[int, float]:
    """Marks in order, then ABJ, ABI, then the missing ones."""
    if isinstance(grade, Decimal):
        return (0, float(grade))
    if grade == rules.GradeCode.ABJ:
        return (1, 0.0)
    if grade == rules.GradeCode.ABI:
        return (2, 0.0)
    return (3, 0.0)


def _when(instant: Any) -> str:
    return f"{frenchdates.paris(instant):%d/%m/%Y %H:%M}" if instant else ""


class _TableModel(QAbstractTableModel):
    """Rows of frozen dataclasses, named columns."""

    HEADERS: Sequence[str] = ()

    def __init__(self, parent: Any = None):
        super().__init__(parent)
        self.rows: list[Any] = []

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt signature
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(self.HEADERS):
            return self.HEADERS[section]
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(self.rows):
            return str(section + 1)
        return None

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def row_at(self, index: Index) -> Any:
        return self.rows[index.row()] if index.isValid() and index.row() < len(self.rows) else None


def mismatch_text(row: GradeRow) -> str:
    """The tooltip of a disagreement: both entries, who typed them and when."""
    first = rules.grade_text(row.grade)
    second = rules.grade_text(row.second_entry)
    first_by = f" ({row.entered_by}, {_when(row.entered_at)})" if row.entered_at else ""
    second_by = f" ({row.second_by}, {_when(row.second_at)})" if row.second_at else ""
    return (f"Désaccord de la double saisie : 1re saisie {first}{first_by}, 2de saisie {second}{second_by}. "
            "Trancher… (clic droit, ou Ctrl+Maj+T) pour choisir la bonne note.")


class GradeTableModel(_TableModel):
    """An exam's grade sheet; the Note column is edited by typing (12,5 · 12.5 · abi · abj).

    In second-entry mode the 2de saisie column is the one typed into, and nothing of the first entry
    (its grade, its result, a disagreement) is given out, whatever the view asks.
    """

    NUMBER, LAST_NAME, FIRST_NAME, SESSION1, GRADE, RESULT, SECOND = range(7)
    HEADERS = ("N° auditeur", "Nom", "Prénom", "Session 1", "Note", "Résultat", "2de saisie")

    refused = Signal(str)  # a value that is not a grade, with the reason

    def __init__(self, parent: Any = None):
        super().__init__(parent)
        self.rows: list[GradeRow] = []
        self._row_of: dict[int, int] = {}
        # Saves one grade (the tab's service call); True when saved.
        self.on_edit: Callable[[GradeRow, GradeValue], bool] | None = None
        # Saves one second entry; True when saved.
        self.on_second_edit: Callable[[GradeRow, GradeValue], bool] | None = None
        self.locked = False
        self.second_mode = False

    @property
    def entry_column(self) -> int:
        return self.SECOND if self.second_mode else self.GRADE

    def set_second_mode(self, on: bool) -> None:
        self.beginResetModel()
        self.second_mode = on
        self.endResetModel()

    def set_rows(self, rows: Sequence[GradeRow]) -> None:
        super().set_rows(rows)
        self._row_of = {row.student_id: index for index, row in enumerate(self.rows)}

    def row_number(self, student_id: int) -> int | None:
        return self._row_of.get(student_id)

    def update_row(self, row: GradeRow) -> None:
        """One student's line changed: only that line is redrawn."""
        number = self._row_of.get(row.student_id)
        if number is None:
            return
        self.rows[number] = row
        self.dataChanged.emit(self.index(number, 0), self.index(number, len(self.HEADERS) - 1))

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == self.entry_column:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def _hidden(self, column: int) -> bool:
        """In second-entry mode the first entry and what follows from it are not given out."""
        return self.second_mode and column in (self.GRADE, self.RESULT)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        row = self.rows[index.row()]
        column = index.column()
        if self._hidden(column) and role != Qt.ItemDataRole.TextAlignmentRole:
            return {ROW_ROLE: row, SORT_ROLE: (0, 0.0)}.get(role)
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.NUMBER:
                return row.student_number
            if column == self.LAST_NAME:
                return row.last_name
            if column == self.FIRST_NAME:
                return row.first_name
            if column == self.SESSION1:
                return rules.grade_text(row.session1)
            if column == self.GRADE:
                return rules.grade_text(row.grade)
            if column == self.RESULT:
                return row.result.value if row.result else ""
            if column == self.SECOND:
                return rules.grade_text(row.second_entry)
            return None
        if role == Qt.ItemDataRole.EditRole:
            if column == self.SECOND:
                return rules.grade_text(row.second_entry)
            return rules.grade_text(row.grade) if column == self.GRADE else self.data(index)
        if role == SORT_ROLE:
            if column in (self.GRADE, self.SESSION1, self.SECOND):
                value = {self.GRADE: row.grade, self.SESSION1: row.session1, self.SECOND: row.second_entry}[column]
                return grade_sort_value(value)
            if column in (self.LAST_NAME, self.FIRST_NAME):
                return sort_key(row.last_name, row.first_name, row.student_number)
            if column == self.RESULT:
                return row.result.value if row.result else "~"
            return row.student_number
        if role == ROW_ROLE:
            return row
        if role == FILTER_ROLE:
            last, first, number = sort_key(row.last_name, row.first_name, row.student_number)
            return f"{number} {last} {first}"
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if column in (self.GRADE, self.SESSION1, self.RESULT, self.SECOND):
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        disagreement = not self.second_mode and column in (self.GRADE, self.SECOND) and row.mismatch
        if disagreement and role == Qt.ItemDataRole.BackgroundRole:
            return MISMATCH_BACKGROUND
        if disagreement and role == Qt.ItemDataRole.ForegroundRole:
            return MISMATCH_FOREGROUND
        if disagreement and role == Qt.ItemDataRole.ToolTipRole:
            return mismatch_text(row)
        if role == Qt.ItemDataRole.ForegroundRole and column == self.RESULT and row.result:
            return RESULT_COLOURS[row.result]
        if role == Qt.ItemDataRole.ToolTipRole and column == self.SECOND:
            if row.second_entry is None:
                return "Pas encore de seconde saisie" + (" : tapez la note de la copie puis Entrée" if self.second_mode else "")
            return f"Seconde saisie par {row.second_by} le {_when(row.second_at)}" if row.second_at else None
        if role == Qt.ItemDataRole.ToolTipRole and column == self.GRADE:
            if row.grade is None:
                return "Pas encore de note : tapez 12,5, 12.5, ABI ou ABJ puis Entrée"
            if row.entered_at:
                return f"Saisie par {row.entered_by} le {_when(row.entered_at)}"
            return "Tapez une autre note pour la corriger ; qui l'a saisie et quand : historique de la note"
        if role == Qt.ItemDataRole.ToolTipRole and column == self.RESULT and row.result:
            return row.result.label
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or index.column() != self.entry_column:
            return False
        try:
            grade = rules.read_grade(value)
        except rules.ParseError as error:
            self.refused.emit(f"Note refusée : {error.message}.")
            return False
        row = self.rows[index.row()]
        current = row.second_entry if self.second_mode else row.grade
        if grade == current and type(grade) is type(current):
            return True
        save = self.on_second_edit if self.second_mode else self.on_edit
        if save is None:
            return False
        return save(row, grade)


class GradeProxy(QSortFilterProxyModel):
    """Sorting by the real values (marks as numbers, names without accents); filter on number or name."""

    def __init__(self, parent: Any = None):
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setFilterRole(FILTER_ROLE)
        self.setFilterKeyColumn(0)
        # A student typed into stays where he is (sorted by grade, he would jump away under the cursor).
        self.setDynamicSortFilter(False)
        self.missing_only = False

    def set_missing_only(self, on: bool) -> None:
        """« Sans note seulement »: the students still without a grade (a grade typed stays shown until reloaded)."""
        self.beginFilterChange()
        self.missing_only = on
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:  # noqa: N802
        if self.missing_only:
            source = self.sourceModel()
            row = source.index(source_row, 0, source_parent).data(ROW_ROLE)
            if row is not None and (row.second_entry if source.second_mode else row.grade) is not None:
                return False
        return super().filterAcceptsRow(source_row, source_parent)

    def set_search(self, text: str) -> None:
        """« lukas » finds Łukasiewicz, « 1002 » the numbers holding it."""
        self.setFilterFixedString(sort_key(" ".join(text.split()), "", "")[0])

    def lessThan(self, left: Index, right: Index) -> bool:  # noqa: N802
        return self.sourceModel().data(left, SORT_ROLE) < self.sourceModel().data(right, SORT_ROLE)


class HistoryModel(_TableModel):
    """Every change of one grade: when, who, old, new, why."""

    HEADERS = ("Quand", "Qui", "Avant", "Après", "Motif")

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        entry: HistoryEntry | None = self.row_at(index)
        if entry is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                _when(entry.changed_at),
                entry.changed_by,
                rules.grade_text(entry.old) or "—",
                rules.grade_text(entry.new) or "—",
                entry.reason,
            )[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 4 and entry.reason:
            return entry.reason
        return None


class RosterModel(_TableModel):
    """The session 2 roster: who sits which UE, and their session 1 outcome."""

    HEADERS = ("UE", "Intitulé de l'UE", "N° auditeur", "Nom", "Prénom", "Session 1")
    OUTCOME = 5

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        entry: RosterEntry | None = self.row_at(index)
        if entry is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (entry.ue_code, entry.ue_title, entry.student_number, entry.last_name, entry.first_name,
                    entry.outcome_text)[column]
        if role == SORT_ROLE:
            if column == self.OUTCOME:
                return grade_sort_value(entry.outcome)
            if column in (3, 4):
                return sort_key(entry.last_name, entry.first_name, entry.student_number)
            return (entry.ue_code, entry.ue_title, entry.student_number)[column]
        if role == ROW_ROLE:
            return entry
        if role == Qt.ItemDataRole.ToolTipRole and column == 1:
            return entry.ue_title
        if role == Qt.ItemDataRole.TextAlignmentRole and column == self.OUTCOME:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class SortProxy(QSortFilterProxyModel):
    """Sorting on SORT_ROLE, as Python compares the values."""

    def __init__(self, parent: Any = None):
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterKeyColumn(-1)

    def lessThan(self, left: Index, right: Index) -> bool:  # noqa: N802
        return self.sourceModel().data(left, SORT_ROLE) < self.sourceModel().data(right, SORT_ROLE)


class ProblemModel(_TableModel):
    """An import's problems, by sheet, row and column."""

    HEADERS = ("Feuille", "Ligne", "Colonne", "Problème", "Détail")

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        problem: ImportProblem | None = self.row_at(index)
        if problem is None or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        location = problem.location
        return (
            location.sheet or "",
            "" if location.row is None else str(location.row),
            location.column or "",
            ProblemKind.LABELS.get(problem.kind, problem.kind),
            problem.message,
        )[index.column()]


class PlannedModel(_TableModel):
    """The grades an import will write."""

    HEADERS = ("UE", "N° auditeur", "Auditeur", "Avant", "Après", "Ligne")

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        planned: PlannedGrade | None = self.row_at(index)
        if planned is None or role != Qt.ItemDataRole.DisplayRole:
            return None
        return (
            planned.ref.ue_code,
            planned.student_number,
            planned.name,
            rules.grade_text(planned.old) or "—",
            rules.grade_text(planned.new),
            "" if planned.location.row is None else str(planned.location.row),
        )[index.column()]
