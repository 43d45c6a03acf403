"""The schedule beside the session tree: month view, the day's exams, every exam with a search, the clashes."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QDate, QLocale, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QTextCharFormat
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCalendarWidget,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from cnam_desk import frenchdates
from cnam_desk.schedule.conflicts import Conflicts
from cnam_desk.schedule.exam_calendar import SessionView
from cnam_desk.schedule.planning import ExamLine
from cnam_desk.ui.schedule_models import (
    DATE,
    DAY_COLUMNS,
    Column,
    ExamTableModel,
    RowsModel,
    SearchProxy,
)
from cnam_desk.ui.table_columns import remember_columns

SPAN_COLOUR = "#e0ecff"  # the session's days
EXAM_COLOUR = "#93c5fd"  # days with exams
DEADLINE_COLOUR = "#fecaca"  # the request deadline
SEARCH_DELAY_MS = 200  # wait for the clerk to stop typing before filtering 100,000 rows


def to_qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def from_qdate(day: QDate) -> dt.date:
    return dt.date(day.year(), day.month(), day.day())


def read_only_table(parent: QWidget, name: str) -> QTableView:
    """A table for many rows: uniform row heights, no per-row widgets, whole-row selection."""
    view = QTableView(parent)
    view.setObjectName(name)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 8)
    view.horizontalHeader().setHighlightSections(False)
    return view


class SessionMonth(QCalendarWidget):
    """A month view of a session: its days shaded, exam days marked, the deadline in red."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("sessionMonth")
        self.setLocale(QLocale(QLocale.Language.French, QLocale.Country.France))
        self.setFirstDayOfWeek(Qt.DayOfWeek.Monday)
        self.setGridVisible(True)
        self.setVerticalHeaderFormat(QCalendarWidget.VerticalHeaderFormat.NoVerticalHeader)
        self.setHorizontalHeaderFormat(QCalendarWidget.HorizontalHeaderFormat.ShortDayNames)
        self.exam_days: dict[dt.date, int] = {}
        self.deadline_day: dt.date | None = None
        self.span: tuple[dt.date, dt.date] | None = None

    def show_session(self, view: SessionView | None, exam_days: dict[dt.date, int]) -> None:
        self.setDateTextFormat(QDate(), QTextCharFormat())  # forget the previous session's marks
        self.exam_days = dict(exam_days)
        self.span = None if view is None else (view.first_day, view.last_day)
        self.deadline_day = None if view is None or view.deadline is None else frenchdates.paris(view.deadline).date()
        if view is None:
            return
        day = view.first_day
        while day <= view.last_day:
            self.setDateTextFormat(to_qdate(day), self._format(SPAN_COLOUR))
            day += dt.timedelta(days=1)
        for day in exam_days:
            self.setDateTextFormat(to_qdate(day), self._format(EXAM_COLOUR, bold=True))
        if self.deadline_day is not None:
            self.setDateTextFormat(to_qdate(self.deadline_day), self._format(DEADLINE_COLOUR, bold=True, colour="#991b1b"))
        first = min(exam_days) if exam_days else view.first_day
        self.setSelectedDate(to_qdate(first))
        self.setCurrentPage(first.year, first.month)

    @staticmethod
    def _format(background: str, *, bold: bool = False, colour: str | None = None) -> QTextCharFormat:
        text_format = QTextCharFormat()
        text_format.setBackground(QBrush(QColor(background)))
        if bold:
            text_format.setFontWeight(QFont.Weight.Bold)
        if colour:
            text_format.setForeground(QBrush(QColor(colour)))
        return text_format

    def selected_day(self) -> dt.date:
        return from_qdate(self.selectedDate())


def _legend() -> str:
    def swatch(colour: str) -> str:
        return f"<span style='background:{colour}'>&nbsp;&nbsp;&nbsp;&nbsp;</span>"

    return (
        f"{swatch(SPAN_COLOUR)} session &nbsp; {swatch(EXAM_COLOUR)} jours d'épreuves &nbsp; "
        f"{swatch(DEADLINE_COLOUR)} date limite des demandes"
    )


STUDENT_CLASH_COLUMNS = (
    Column("N° d'auditeur", lambda c: c.student_number),
    Column("Nom", lambda c: c.last_name),
    Column("Prénom", lambda c: c.first_name),
    Column("UE en conflit", lambda c: ", ".join(c.ues)),
    Column(
        "Épreuves",
        lambda c: " / ".join(
            f"{s.ue} {s.date:%d/%m} {frenchdates.hour(s.start)}-{frenchdates.hour(s.end)}" for s in c.exams
        ),
    ),
)
ROOM_CLASH_COLUMNS = (
    Column("Salle", lambda c: c.room),
    Column("Centre", lambda c: c.centre),
    Column("Date", lambda c: f"{c.exams[0].date:%d/%m/%Y}", key=lambda c: (c.exams[0].date, c.exams[0].start)),
    Column("UE", lambda c: ", ".join(c.ues)),
    Column(
        "Horaires",
        lambda c: " / ".join(f"{s.ue} {frenchdates.hour(s.start)}-{frenchdates.hour(s.end)}" for s in c.exams),
    ),
)


class ConflictsView(QWidget):
    """Students with two exams at once, and rooms booked twice at once."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.students = RowsModel(STUDENT_CLASH_COLUMNS, self)
        self.rooms = RowsModel(ROOM_CLASH_COLUMNS, self)
        self.students_label = QLabel(self)
        self.rooms_label = QLabel(self)
        self.students_view = read_only_table(self, "studentClashes")
        self.students_view.setModel(self.students)
        remember_columns(self.students_view, "studentClashes")
        self.rooms_view = read_only_table(self, "roomClashes")
        self.rooms_view.setModel(self.rooms)
        remember_columns(self.rooms_view, "roomClashes")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.students_label)
        layout.addWidget(self.students_view, 3)
        layout.addWidget(self.rooms_label)
        layout.addWidget(self.rooms_view, 2)
        self.show_conflicts(None)

    def show_conflicts(self, conflicts: Conflicts | None) -> None:
        students = conflicts.students if conflicts else []
        rooms = conflicts.rooms if conflicts else []
        self.students.set_rows(students)
        self.rooms.set_rows(rooms)
        self.students_label.setText(
            f"<b>Auditeurs ayant deux épreuves en même temps : {len(students)}</b> "
            "(des demandes d'aménagement à prévoir)"
        )
        self.rooms_label.setText(f"<b>Salles réservées deux fois en même temps : {len(rooms)}</b>")
        for view in (self.students_view, self.rooms_view):
            view.resizeColumnsToContents()

    @property
    def count(self) -> int:
        return self.students.rowCount() + self.rooms.rowCount()


class SchedulePanel(QWidget):
    """Everything about the selected session's schedule; fed by the tab, holds no data of its own."""

    day_chosen = Signal(object)  # dt.date

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.by_day: dict[dt.date, list[tuple[Any, ...]]] = {}

        self.month = SessionMonth(self)
        self.legend = QLabel(_legend(), self)
        self.legend.setObjectName("monthLegend")
        self.day_label = QLabel(self)
        self.day_label.setObjectName("dayLabel")
        self.day_model = RowsModel(DAY_COLUMNS, self)
        self.day_view = read_only_table(self, "dayExams")
        self.day_view.setModel(self.day_model)
        remember_columns(self.day_view, "dayExams", stretch=2)
        self.month.clicked.connect(self._day_clicked)
        self.month.selectionChanged.connect(lambda: self.show_day(self.month.selected_day()))

        month_box = QWidget(self)
        month_layout = QVBoxLayout(month_box)
        month_layout.setContentsMargins(0, 0, 0, 0)
        month_layout.addWidget(self.month, 1)
        month_layout.addWidget(self.legend)
        day_box = QWidget(self)
        day_layout = QVBoxLayout(day_box)
        day_layout.setContentsMargins(0, 0, 0, 0)
        day_layout.addWidget(self.day_label)
        day_layout.addWidget(self.day_view, 1)
        top = QSplitter(Qt.Orientation.Horizontal, self)
        top.addWidget(month_box)
        top.addWidget(day_box)
        top.setStretchFactor(0, 2)
        top.setStretchFactor(1, 3)

        self.exams = ExamTableModel(self)
        self.proxy = SearchProxy(self)
        self.proxy.setSourceModel(self.exams)
        self.search = QLineEdit(self)
        self.search.setObjectName("examSearch")
        self.search.setPlaceholderText("Rechercher une UE, une salle, un centre, une date (22/01, lundi…)")
        self.search.setClearButtonEnabled(True)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_search)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        self.found = QLabel(self)
        self.table = read_only_table(self, "examTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(1, Qt.SortOrder.AscendingOrder)
        remember_columns(self.table, "examTable", stretch=5)
        search_row = QHBoxLayout()
        search_row.addWidget(self.search, 1)
        search_row.addWidget(self.found)
        exams_box = QWidget(self)
        exams_layout = QVBoxLayout(exams_box)
        exams_layout.setContentsMargins(4, 4, 4, 4)
        exams_layout.addLayout(search_row)
        exams_layout.addWidget(self.table, 1)

        self.conflicts = ConflictsView(self)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("scheduleTabs")
        self.tabs.addTab(exams_box, "Épreuves")
        self.tabs.addTab(self.conflicts, "Conflits")

        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(top)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

    # --- feeding ------------------------------------------------------------------------------

    def show_schedule(self, view: SessionView | None, exams: Sequence[tuple[Any, ...]]) -> None:
        self.exams.set_exams(exams)
        header = self.table.horizontalHeader()
        self.exams.sort(header.sortIndicatorSection(), header.sortIndicatorOrder())  # the clerk's order, kept
        self.proxy.set_search(self.search.text())
        by_day: dict[dt.date, list[tuple[Any, ...]]] = defaultdict(list)
        for row in self.exams.rows():
            by_day[row[DATE]].append(row)
        self.by_day = by_day
        self.month.show_session(view, {day: len(rows) for day, rows in self.by_day.items()})
        self.show_day(self.month.selected_day() if view else None)
        self._update_counts()

    def show_conflicts(self, conflicts: Conflicts | None) -> None:
        self.conflicts.show_conflicts(conflicts)
        self.tabs.setTabText(1, f"Conflits ({self.conflicts.count})" if conflicts else "Conflits")

    def show_day(self, day: dt.date | None) -> None:
        rows = sorted((ExamLine(*row) for row in self.by_day.get(day, ())), key=lambda r: (r.start, r.ue)) if day else []
        self.day_model.set_rows(rows)
        if day is None:
            self.day_label.setText("")
        elif rows:
            self.day_label.setText(f"<b>{frenchdates.long_date(day).capitalize()}</b> : {len(rows)} épreuve{'s' if len(rows) > 1 else ''}")
        else:
            self.day_label.setText(f"<b>{frenchdates.long_date(day).capitalize()}</b> : aucune épreuve")
        self.day_view.resizeColumnsToContents()

    def _day_clicked(self, day: QDate) -> None:
        chosen = from_qdate(day)
        self.show_day(chosen)
        self.day_chosen.emit(chosen)

    def apply_search(self) -> None:
        self._search_timer.stop()
        self.proxy.set_search(self.search.text())
        self._update_counts()

    def _update_counts(self) -> None:
        total, shown = self.exams.rowCount(), self.proxy.rowCount()
        self.tabs.setTabText(0, f"Épreuves ({total})")
        self.found.setText(f"{shown} sur {total}" if self.search.text().strip() else f"{total} épreuve{'s' if total > 1 else ''}")
