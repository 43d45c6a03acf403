"""Column widths: sized so the demo's labels are whole at 1280 px, and the widths the clerk gives kept between runs."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QHeaderView, QTableView, QTreeView

from cnam_desk import settings
from cnam_desk.ui.main_window import MainWindow


def open_window(qtbot, db) -> MainWindow:
    window = MainWindow(db)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    return window


def requests_table(qtbot, window: MainWindow) -> QTableView:
    window.show_tab("demandes")
    table = window.findChild(QTableView, "requestQueue")
    qtbot.waitUntil(lambda: table.model().rowCount() > 0)
    QApplication.processEvents()
    return table


def drag_handle(qtbot, header: QHeaderView, column: int, by: int) -> None:
    """The clerk drags the right edge of a column's title by `by` pixels."""
    edge = header.sectionViewportPosition(column) + header.sectionSize(column) - 1
    start = QPoint(edge, header.height() // 2)
    end = QPoint(edge + by, header.height() // 2)
    viewport = header.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
    move = QMouseEvent(QEvent.Type.MouseMove, QPointF(end), QPointF(viewport.mapToGlobal(end)),
                       Qt.MouseButton.NoButton, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(viewport, move)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=end)


def cut_texts(table: QTableView) -> list[str]:
    """The texts of the first rows that their column is too narrow for (Qt would draw them with « … »)."""
    metrics = table.fontMetrics()
    model = table.model()
    cut = []
    for row in range(min(model.rowCount(), 30)):
        for column in range(model.columnCount()):
            text = model.index(row, column).data()
            if isinstance(text, str) and text and "\n" not in text:
                if metrics.horizontalAdvance(text) + 8 > table.columnWidth(column):
                    cut.append(text)
    return cut


def test_demo_labels_are_whole_at_1280_pixels(qtbot, demo_db) -> None:
    table = requests_table(qtbot, open_window(qtbot, demo_db))
    assert cut_texts(table) == []
    header = table.horizontalHeader()
    used = sum(header.sectionSize(c) for c in range(header.count()))
    assert used >= table.viewport().width() - 1  # no empty space beside the columns


def test_resized_column_keeps_its_width_when_the_window_reopens(qtbot, demo_db) -> None:
    window = open_window(qtbot, demo_db)
    header = requests_table(qtbot, window).horizontalHeader()
    before = header.sectionSize(3)
    drag_handle(qtbot, header, 3, 60)
    assert header.sectionSize(3) == pytest.approx(before + 60, abs=2)
    widened = header.sectionSize(3)
    window.close()
    assert settings.workstation()["column_widths"]["requestQueue"]["Nom"] == widened

    again = open_window(qtbot, demo_db)
    assert requests_table(qtbot, again).horizontalHeader().sectionSize(3) == widened


def test_every_table_of_the_window_keeps_its_widths(qtbot, db) -> None:
    window = open_window(qtbot, db)
    views = [view for kind in (QTableView, QTreeView) for view in window.findChildren(kind)
             if not view.objectName().startswith("qt_")]  # Qt's own, inside the month calendar
    assert len(views) >= 8
    assert [view.objectName() for view in views if not view.property("columnMemory")] == []
