"""Dates and times written the way the office writes them, in Paris time."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from babel.dates import format_date

PARIS = ZoneInfo("Europe/Paris")


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def paris(instant: dt.datetime) -> dt.datetime:
    return instant.astimezone(PARIS)


def paris_instant(day: dt.date, time: dt.time) -> dt.datetime:
    """A wall-clock time in Paris as an instant."""
    return dt.datetime.combine(day, time, tzinfo=PARIS)


def _day_number(day: dt.date) -> str:
    return "1er" if day.day == 1 else str(day.day)


def long_date(day: dt.date, *, weekday: bool = True) -> str:
    """« dimanche 7 janvier 2024 », « 1er février 2024 »."""
    month_year = format_date(day, "MMMM y", locale="fr_FR")
    text = f"{_day_number(day)} {month_year}"
    if weekday:
        text = f"{format_date(day, 'EEEE', locale='fr_FR')} {text}"
    return text


def hour(time: dt.time) -> str:
    """« 23h59 », « 18h00 »."""
    return f"{time.hour}h{time.minute:02d}"


def long_datetime(instant: dt.datetime) -> str:
    """« dimanche 7 janvier 2024 à 23h59 » (Paris time)."""
    local = paris(instant)
    return f"{long_date(local.date())} à {hour(local.time())}"


def short_date(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def month_year(day: dt.date) -> str:
    return format_date(day, "MMMM y", locale="fr_FR")
