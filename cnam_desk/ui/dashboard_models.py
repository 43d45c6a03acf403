"""The Qt models and charts of the Tableau de bord: the lists behind its figures, and the QtCharts it draws.

Each chart says which of its bars was clicked with a signal carrying what the bar stands for
(a status, a day, an UE); the tab turns it into the list behind the figure.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalStackedBarSeries,
    QStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import (
    QAbstractTableModel,
    QMargins,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QPointF,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QWidget

from cnam_desk import frenchdates
from cnam_desk.dashboard import Dashboard, ExamProgress
from cnam_desk.db.models import RequestStatus
from cnam_desk.requests.labels import STATUS_LABELS
from cnam_desk.requests.queue import QueueRow
from cnam_desk.ui.request_models import SHORT_KINDS

Index = QModelIndex | QPersistentModelIndex
ROW_ROLE = Qt.ItemDataRole.UserRole + 1

STATUS_COLOURS = {
    RequestStatus.PENDING: "#d97706",
    RequestStatus.ACCEPTED: "#15803d",
    RequestStatus.REFUSED: "#b91c1c",
    RequestStatus.INCOMPLETE: "#7c3aed",
    RequestStatus.REDIRECTED: "#2563eb",
}
ON_TIME_COLOUR = "#2563eb"
LATE_COLOUR = "#b91c1c"
PUBLISHED_COLOUR = "#15803d"
ENTERED_COLOUR = "#65a30d"
MISSING_COLOUR = "#d1d5db"
MAX_FILLED_DAYS = 120  # a longer span shows only the days that received requests


class DayRequestsModel(QAbstractTableModel):
    """The requests received on one day, as the dialog behind a bar lists them."""

    HEADERS = ("N°", "Reçue à", "N° auditeur", "Auditeur", "Type", "UE", "Statut")

    def __init__(self, parent: Any = None):
        super().__init__(parent)
        self.rows: list[QueueRow] = []

    def set_rows(self, rows: list[QueueRow]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt override
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt override
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        if role == ROW_ROLE:
            return row
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        return (
            str(row.id),
            frenchdates.hour(frenchdates.paris(row.received_at).time()),
            row.student_number,
            row.student_name,
            SHORT_KINDS[row.kind],
            ", ".join(row.ues),
            STATUS_LABELS[row.status],
        )[index.column()]


# --- charts ---------------------------------------------------------------------------------


class ChartView(QChartView):
    """A chart without animation or background, drawn smoothly, with room for its labels."""

    def __init__(self, title: str, parent: QWidget | None = None):
        chart = QChart()
        chart.setTitle(title)
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        chart.setBackgroundRoundness(0)
        chart.setMargins(QMargins(4, 4, 4, 4))
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        super().__init__(chart, parent)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumHeight(220)

    def clear(self) -> None:
        chart = self.chart()
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)

    def _axes(self, series: Any, categories: list[str], top: int, *, horizontal: bool = False) -> None:
        chart = self.chart()
        chart.addSeries(series)
        labels = QBarCategoryAxis()
        labels.append(categories)
        labels.setTruncateLabels(False)
        step = nice_step(top)
        values = QValueAxis()
        values.setRange(0, step * max(-(-top // step), 1))
        values.setLabelFormat("%d")
        values.setTickType(QValueAxis.TickType.TicksDynamic)
        values.setTickAnchor(0)
        values.setTickInterval(step)
        chart.addAxis(labels, Qt.AlignmentFlag.AlignLeft if horizontal else Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(values, Qt.AlignmentFlag.AlignBottom if horizontal else Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(labels)
        series.attachAxis(values)
        self.category_axis = labels

    def bar_centre(self, series: Any, category: int, value: float, offset: float = 0.0) -> QPoint:
        """Where on the view a bar's middle is drawn (for a click, as a clerk would)."""
        point = self.chart().mapToPosition(QPointF(category + offset, value / 2), series)
        return self.mapFromScene(point)


def nice_step(top: int) -> int:
    """The gap between two marks of a count axis: 1, 2 or 5 times a power of ten, about five marks."""
    rough = max(top, 1) / 5
    power = 1
    while power * 10 <= rough:
        power *= 10
    return next(step * power for step in (1, 2, 5, 10) if step * power >= rough)


def _bar_set(label: str, colour: str, values: list[int]) -> QBarSet:
    bars = QBarSet(label)
    bars.setColor(QColor(colour))
    bars.setBorderColor(QColor(colour))
    bars.append([float(v) for v in values])
    return bars


class StatusChart(ChartView):
    """The session's requests by status, one coloured bar each; a click gives the status."""

    status_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Demandes par statut", parent)
        self.series: QBarSeries | None = None
        self.sets: dict[RequestStatus, QBarSet] = {}

    def show_board(self, board: Dashboard) -> None:
        self.clear()
        self.series = QBarSeries()
        self.series.setLabelsVisible(True)
        self.series.setBarWidth(0.9)
        self.sets = {}
        for status in RequestStatus:
            bars = _bar_set(f"{STATUS_LABELS[status]} ({board.requests[status]})", STATUS_COLOURS[status],
                            [board.requests[status]])
            bars.clicked.connect(lambda _index, s=status: self.status_clicked.emit(s.value))
            self.series.append(bars)
            self.sets[status] = bars
        self._axes(self.series, [f"{board.total_requests} demande(s)"], max(board.requests.values(), default=0))

    def bar_point(self, status: RequestStatus) -> QPoint:
        assert self.series is not None
        statuses = list(RequestStatus)
        width = self.series.barWidth() / len(statuses)
        offset = -self.series.barWidth() / 2 + width * (statuses.index(status) + 0.5)
        value = self.sets[status].at(0)
        return self.bar_centre(self.series, 0, value, offset)


class DaysChart(ChartView):
    """Requests received per day (Paris time), those after the deadline in red; a click gives the day."""

    day_clicked = Signal(object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Demandes reçues par jour", parent)
        self.series: QStackedBarSeries | None = None
        self.days: list[dt.date] = []

    @staticmethod
    def days_of(board: Dashboard) -> list[dt.date]:
        days = list(board.received_by_day)
        if not days:
            return []
        span = (days[-1] - days[0]).days
        if span > MAX_FILLED_DAYS:
            return days
        return [days[0] + dt.timedelta(days=n) for n in range(span + 1)]

    def show_board(self, board: Dashboard) -> None:
        self.clear()
        self.days = self.days_of(board)
        last_day = frenchdates.paris(board.deadline).date() if board.deadline is not None else None
        on_time = [board.received_by_day.get(d, 0) if last_day is None or d <= last_day else 0 for d in self.days]
        late = [board.received_by_day.get(d, 0) if last_day is not None and d > last_day else 0 for d in self.days]
        self.series = QStackedBarSeries()
        self.series.setBarWidth(0.8)
        for label, colour, values in (("Avant la date limite", ON_TIME_COLOUR, on_time),
                                      ("Après la date limite", LATE_COLOUR, late)):
            bars = _bar_set(label, colour, values)
            bars.clicked.connect(self._clicked)
            self.series.append(bars)
        self._axes(self.series, self.day_labels(self.days) or ["aucune"], max(board.received_by_day.values(), default=0))
        self.chart().legend().setVisible(any(late))

    @staticmethod
    def day_labels(days: list[dt.date]) -> list[str]:
        """« 8/1 » under each day of a short span; over a longer one, under each Monday only (the
        other categories get distinct blank names, as the axis wants them unique)."""
        if len(days) <= 14:
            return [f"{d.day}/{d.month}" for d in days]
        return [f"lun. {d.day}/{d.month}" if d.weekday() == 0 else " " * (i + 1) for i, d in enumerate(days)]

    def _clicked(self, index: int) -> None:
        if 0 <= index < len(self.days):
            self.day_clicked.emit(self.days[index])

    def bar_point(self, day: dt.date, count: int) -> QPoint:
        assert self.series is not None
        return self.bar_centre(self.series, self.days.index(day), count)


class ExamsChart(ChartView):
    """Grade entry per exam: published, entered and missing grades over the sheet; a click gives the UE."""

    exam_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Saisie des notes par épreuve", parent)
        self.series: QHorizontalStackedBarSeries | None = None
        self.exams: list[ExamProgress] = []

    def show_board(self, board: Dashboard) -> None:
        self.clear()
        self.exams = list(reversed(board.exams))  # the first UE at the top
        published = [e.entered if e.published else 0 for e in self.exams]
        entered = [0 if e.published else e.entered for e in self.exams]
        missing = [e.missing for e in self.exams]
        self.series = QHorizontalStackedBarSeries()
        self.series.setBarWidth(0.75)
        for label, colour, values in (("Publiées", PUBLISHED_COLOUR, published),
                                      ("Saisies, non publiées", ENTERED_COLOUR, entered),
                                      ("Manquantes", MISSING_COLOUR, missing)):
            bars = _bar_set(label, colour, values)
            bars.clicked.connect(self._clicked)
            self.series.append(bars)
        categories = [f"{e.ue} {e.entered}/{e.enrolled}" for e in self.exams] or ["aucune épreuve"]
        self._axes(self.series, categories, max((e.enrolled for e in self.exams), default=0), horizontal=True)
        self.chart().legend().setAlignment(Qt.AlignmentFlag.AlignTop)
        self.setMinimumHeight(max(220, 24 * len(self.exams) + 110))

    def _clicked(self, index: int) -> None:
        if 0 <= index < len(self.exams):
            self.exam_clicked.emit(self.exams[index].ue)

    def bar_point(self, ue: str) -> QPoint:
        assert self.series is not None
        index = next(i for i, e in enumerate(self.exams) if e.ue == ue)
        exam = self.exams[index]
        point = self.chart().mapToPosition(QPointF(max(exam.enrolled, 1) / 2, index), self.series)
        return self.mapFromScene(point)
