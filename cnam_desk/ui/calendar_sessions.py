"""The sessions as the Calendrier tab shows them: the tree, the details of one, the dialog to edit it."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, QDateTime, QModelIndex, Qt, QTime
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QFormLayout,
    QGroupBox,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from cnam_desk import frenchdates
from cnam_desk.db.engine import Database
from cnam_desk.errors import RefusedInput
from cnam_desk.schedule import exam_calendar
from cnam_desk.schedule.exam_calendar import SessionState, SessionView
from cnam_desk.ui import msgbox

SESSION_KEY_ROLE = Qt.ItemDataRole.UserRole + 1

STATE_COLOURS = {
    SessionState.NOT_OPEN: "#6b7280",
    SessionState.OPEN: "#15803d",
    SessionState.PROCESSING: "#b45309",
    SessionState.CLOSED: "#374151",
}


def to_qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def from_qdate(day: QDate) -> dt.date:
    return dt.date(day.year(), day.month(), day.day())


class SessionTreeModel(QStandardItemModel):
    """Years > semesters > sessions; a session's item carries its key."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setHorizontalHeaderLabels(["Session", "Dates", "Date limite des demandes", "État"])

    def load(self, sessions: list[SessionView]) -> None:
        self.removeRows(0, self.rowCount())
        years: dict[str, QStandardItem] = {}
        semesters: dict[tuple[str, int], QStandardItem] = {}
        for view in sessions:
            year = years.get(view.year)
            if year is None:
                year = years[view.year] = self._item(f"Année {view.year}")
                self.appendRow([year, self._item(""), self._item(""), self._item("")])
            semester = semesters.get((view.year, view.semester))
            if semester is None:
                semester = semesters[(view.year, view.semester)] = self._item(f"Semestre {view.semester}")
                year.appendRow([semester, self._item(""), self._item(""), self._item("")])
            name = self._item(f"Session {view.number}" + (" (rattrapage)" if view.number == 2 else ""))
            name.setData(view.key, SESSION_KEY_ROLE)
            dates = self._item(f"du {frenchdates.short_date(view.first_day)} au {frenchdates.short_date(view.last_day)}")
            deadline = self._item(view.deadline_text)
            state = self._item(view.state.label)
            for item in (dates, deadline, state):
                item.setData(view.key, SESSION_KEY_ROLE)
            semester.appendRow([name, dates, deadline, state])

    @staticmethod
    def _item(text: str) -> QStandardItem:
        item = QStandardItem(text)
        item.setEditable(False)
        return item

    def index_of(self, key: str) -> QModelIndex:
        matches = self.match(self.index(0, 0), SESSION_KEY_ROLE, key, 1, Qt.MatchFlag.MatchRecursive | Qt.MatchFlag.MatchExactly)
        return matches[0] if matches else QModelIndex()


class SessionDialog(QDialog):
    """Create or edit a session; the service's rules are checked before the dialog closes."""

    def __init__(self, db: Database, view: SessionView | None, years: list[str], parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.view = view
        self.saved: SessionView | None = None
        self.setWindowTitle("Modifier la session" if view else "Nouvelle session")

        form = QFormLayout()
        self.year = QComboBox(self)
        self.year.setEditable(True)
        self.year.addItems(years)
        self.semester = QComboBox(self)
        self.semester.addItems(["1", "2"])
        self.number = QComboBox(self)
        self.number.addItems(["1", "2"])
        self.first_day = QDateEdit(self)
        self.last_day = QDateEdit(self)
        for edit in (self.first_day, self.last_day):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dddd d MMMM yyyy")
        self.has_deadline = QCheckBox("Date limite fixée", self)
        self.deadline = QDateTimeEdit(self)
        self.deadline.setCalendarPopup(True)
        self.deadline.setDisplayFormat("dddd d MMMM yyyy 'à' HH'h'mm")
        self.has_deadline.toggled.connect(self.deadline.setEnabled)
        self.error = QLabel(self)
        self.error.setObjectName("sessionError")
        self.error.setStyleSheet("color: #b91c1c;")
        self.error.setWordWrap(True)

        form.addRow("Année universitaire", self.year)
        form.addRow("Semestre", self.semester)
        form.addRow("Session", self.number)
        form.addRow("Premier jour", self.first_day)
        form.addRow("Dernier jour", self.last_day)
        form.addRow(self.has_deadline)
        form.addRow("Date limite (heure de Paris)", self.deadline)

        buttons = msgbox.save_cancel(self, self.save)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.buttons = buttons

        if view is not None:
            self.year.setCurrentText(view.year)
            self.semester.setCurrentText(str(view.semester))
            self.number.setCurrentText(str(view.number))
            for combo in (self.year, self.semester, self.number):
                combo.setEnabled(False)
            self.first_day.setDate(to_qdate(view.first_day))
            self.last_day.setDate(to_qdate(view.last_day))
            self.has_deadline.setChecked(view.deadline is not None)
            local = frenchdates.paris(view.deadline) if view.deadline else frenchdates.paris_instant(
                view.first_day - dt.timedelta(days=15), dt.time(23, 59)
            )
            self.deadline.setDateTime(QDateTime(to_qdate(local.date()), QTime(local.hour, local.minute)))
        else:
            today = dt.date.today()
            self.first_day.setDate(to_qdate(today))
            self.last_day.setDate(to_qdate(today + dt.timedelta(days=12)))
            self.has_deadline.setChecked(True)
            self.deadline.setDateTime(QDateTime(to_qdate(today - dt.timedelta(days=15)), QTime(23, 59)))
        self.deadline.setEnabled(self.has_deadline.isChecked())

    def key(self) -> str:
        return f"{self.year.currentText().strip()}/S{self.semester.currentText()}/{self.number.currentText()}"

    def chosen_deadline(self) -> dt.datetime | None:
        if not self.has_deadline.isChecked():
            return None
        value = self.deadline.dateTime()
        return frenchdates.paris_instant(
            from_qdate(value.date()), dt.time(value.time().hour(), value.time().minute())
        )

    def save(self) -> None:
        try:
            self.saved = exam_calendar.set_session(
                self.db,
                self.key(),
                from_qdate(self.first_day.date()),
                from_qdate(self.last_day.date()),
                self.chosen_deadline(),
                expect_version=self.view.version if self.view else None,
            )
        except RefusedInput as error:
            self.error.setText(str(error))
            return
        self.accept()


class SessionDetails(QGroupBox):
    """What the office says about one session."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Session", parent)
        form = QFormLayout(self)
        self.dates = QLabel(self)
        self.deadline = QLabel(self)
        self.processing = QLabel(self)
        self.state = QLabel(self)
        for label in (self.dates, self.deadline, self.processing, self.state):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setWordWrap(True)
        form.addRow("Épreuves", self.dates)
        form.addRow("Date limite de demande d'aménagement", self.deadline)
        form.addRow("Traitement des demandes", self.processing)
        form.addRow("État aujourd'hui", self.state)

    def show_session(self, view: SessionView | None) -> None:
        if view is None:
            self.setTitle("Session")
            for label in (self.dates, self.deadline, self.processing, self.state):
                label.setText("")
            return
        self.setTitle(f"{view.title} – {view.year}")
        self.dates.setText(f"du {frenchdates.long_date(view.first_day, weekday=False)} "
                           f"au {frenchdates.long_date(view.last_day, weekday=False)}")
        self.deadline.setText(view.deadline_text)
        due = view.processing_due
        self.processing.setText(
            f"dans la semaine suivant la date limite, jusqu'au {frenchdates.long_datetime(due)}" if due else "—"
        )
        self.state.setText(f"<b style='color:{STATE_COLOURS[view.state]}'>{view.state.label}</b>")

