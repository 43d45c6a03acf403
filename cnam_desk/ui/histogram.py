"""The histogram of the grades of one exam."""

from __future__ import annotations

from PySide6.QtCore import (
    QRect,
    QSize,
    Qt,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QPainter,
    QPaintEvent,
)
from PySide6.QtWidgets import (
    QWidget,
)

from cnam_desk.grading import entry


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

