"""The Calendrier tab: the sessions (dates, deadline, state) and the selected session's schedule.

The tab is put together here: its widgets (calendar_view), what each action does
(calendar_controller) and the sessions' tree, details and dialog (calendar_sessions).
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from cnam_desk.db.engine import Database
from cnam_desk.ui.calendar_controller import EXPORT_FILTER, SPREADSHEET_FILTER, CalendarController
from cnam_desk.ui.calendar_sessions import (
    SESSION_KEY_ROLE,
    STATE_COLOURS,
    SessionDetails,
    SessionDialog,
    SessionTreeModel,
    from_qdate,
    to_qdate,
)

__all__ = [
    "EXPORT_FILTER",
    "SESSION_KEY_ROLE",
    "SPREADSHEET_FILTER",
    "STATE_COLOURS",
    "CalendarTab",
    "SessionDetails",
    "SessionDialog",
    "SessionTreeModel",
    "from_qdate",
    "to_qdate",
]


class CalendarTab(CalendarController):
    """The sessions, their schedule, and the imports and exports of the selected one."""

    def __init__(self, db: Database, parent: QWidget | None = None, lazy: bool = False):
        super().__init__(parent)
        self._wire(db)
        if not lazy:  # lazy: the window reads the tab when it is first shown
            self.reload()
