"""What a spreadsheet dropped on the Calendrier tab holds: a schedule or enrolments."""

from __future__ import annotations

from typing import Any

from cnam_desk import spreadsheets
from cnam_desk.schedule import enrolments, schedule_file


def file_kind(path: Any) -> str | None:
    """« planning » or « inscriptions »: what a dropped spreadsheet holds, by its header row."""
    for sheet in spreadsheets.read_workbook(path):
        if spreadsheets.find_header(sheet, schedule_file.FIELDS) is not None:
            return "planning"
        if spreadsheets.find_header(sheet, enrolments.FIELDS) is not None:
            return "inscriptions"
    return None
