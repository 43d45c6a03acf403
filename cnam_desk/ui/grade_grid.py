"""The grade grid: a table entered at the keyboard, with a delegate that refuses what is not a grade."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPoint,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QContextMenuEvent,
    QKeyEvent,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLineEdit,
    QMenu,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from cnam_desk.grading import rules
from cnam_desk.ui.results_models import (
    GradeTableModel,
)


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
    """The grid: type over a grade, Enter to the next student, Suppr to clear, Ctrl+V to paste a column.

    The column typed into is `entry_column`: the Note, or the 2de saisie in second-entry mode.
    A right click offers `context_actions` (Trancher… on a disagreement).
    """

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
        self.setItemDelegateForColumn(GradeTableModel.SECOND, self.delegate)
        self.delegate.advance.connect(self.next_student)
        self.entry_column = GradeTableModel.GRADE
        self.context_actions: list[QAction] = []
        self.last_menu: QMenu | None = None  # kept for tests, which look at it instead of clicking

    def next_student(self) -> None:
        current = self.currentIndex()
        row = current.row() + 1 if current.isValid() else 0
        if row < self.model().rowCount():
            target = self.model().index(row, self.entry_column)
            self.setCurrentIndex(target)
            self.scrollTo(target)

    def context_menu(self) -> QMenu:
        menu = QMenu(self)
        for action in self.context_actions:
            menu.addAction(action)
        self.last_menu = menu
        return menu

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        index = self.indexAt(event.pos())
        if index.isValid():
            self.setCurrentIndex(self.model().index(index.row(), self.entry_column))
        if self.context_actions:
            self.popup(self.context_menu(), event.globalPos())

    def popup(self, menu: QMenu, where: QPoint) -> None:
        """Shows the menu without waiting (tests replace it: an offscreen screen cannot grab the keyboard)."""
        menu.popup(where)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.state() != QAbstractItemView.State.EditingState:
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.next_student()
                return
            if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.currentIndex().column() == self.entry_column:
                self.clear_requested.emit()
                return
            if event.matches(QKeySequence.StandardKey.Paste):
                self.paste_requested.emit()
                return
        super().keyPressEvent(event)
