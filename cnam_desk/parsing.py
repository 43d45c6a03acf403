"""Cell values as clerks type them (dates, times, durations, grades, text) turned into Python values."""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

from cnam_desk import datewords
from cnam_desk.db.models import GradeCode

__all__ = [
    "ParseError",
    "excel_serial_date",
    "fold",
    "parse_date",
    "parse_duration",
    "parse_grade",
    "parse_text",
    "parse_time",
    "parse_time_range",
]


class ParseError(ValueError):
    """A value that cannot be read; `message` is one French sentence saying what is wrong."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


# --------------------------------------------------------------------------- text helpers

# Invisible characters that sneak in from copy-pastes and web forms; joiners used by
# some scripts (U+200C, U+200D) are kept.
_INVISIBLE = dict.fromkeys(
    [
        0x00AD,
        0x200B,
        0x2060,
        0xFEFF,
        0x202A,
        0x202B,
        0x202C,
        0x202D,
        0x202E,
        0x2066,
        0x2067,
        0x2068,
        0x2069,
    ]
)


def _clean(text: str) -> str:
    """NFC, control characters dropped, every run of whitespace one space, stripped."""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    if not text.isprintable():
        text = "".join(
            " " if ch.isspace() else ch
            for ch in text
            if ch.isspace() or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn")
        )
    return " ".join(text.split())


def fold(text: str) -> str:
    """Lower case without accents or ligatures, whitespace collapsed: for comparing what clerks type."""
    text = _clean(text).lower().replace("œ", "oe").replace("æ", "ae")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _shown(value: Any) -> str:
    """A value as quoted back to the clerk in a message (short, one line, French decimal comma)."""
    if isinstance(value, float):
        text = _number_text(value).replace(".", ",")
    elif isinstance(value, str):
        text = _clean(value)
    else:
        text = _clean(str(value))
    return text if len(text) <= 60 else text[:57] + "…"


shown = _shown  # for other modules' messages: the same short quotation


def _number_text(value: float) -> str:
    if math.isfinite(value) and value == int(value) and abs(value) < 1e16:
        return str(int(value))
    return repr(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def _as_float(value: float | Decimal) -> float:
    """A number as a float; NaN for what is no number at all (signalling NaN, huge integers)."""
    if isinstance(value, Decimal) and value.is_snan():
        return math.nan
    try:
        return float(value)
    except OverflowError:
        return math.nan


# --------------------------------------------------------------------------- dates

_EXCEL_EPOCH = dt.date(1899, 12, 30)
_MAX_SERIAL = (dt.date(9999, 12, 31) - _EXCEL_EPOCH).days

_TIME_SUFFIX = r"(?:[ t]+\d{1,2}[:h]\d{2}(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})?)?"
_ISO_DATE = re.compile(r"(\d{4}) ?([/.-]) ?(\d{1,2}) ?\2 ?(\d{1,2})" + _TIME_SUFFIX)
_EXAMPLES = "attendu par exemple 22/01/2024, 22 janvier 2024 ou 22-janv.-24"


def excel_serial_date(serial: float) -> dt.date:
    """The day of a spreadsheet serial number (1900 system, as Excel and LibreOffice store dates)."""
    if not math.isfinite(serial) or serial < 1 or serial >= _MAX_SERIAL + 1:
        raise ParseError(
            f"date « {_shown(serial)} » invalide : ce nombre n’est pas une date de tableur"
        )
    days = int(serial)
    if days < 61:
        # Excel counts a 29 February 1900 that never was: serials before it are one day later.
        days += 1
    return _EXCEL_EPOCH + dt.timedelta(days=days)


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:  # same pivot as strptime's %y
        year += 2000 if year < 69 else 1900
    return year


def _make_date(original: Any, year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ParseError(f"date « {_shown(original)} » invalide : ce jour n’existe pas") from None


def _nearest_year(original: Any, month: int, day: int, near: tuple[dt.date, dt.date]) -> dt.date:
    """A day written without its year: the year that puts it in (or nearest) the given period."""
    first, last = near
    best: tuple[int, dt.date] | None = None
    for year in range(first.year - 1, last.year + 2):
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            continue
        distance = (first - candidate).days if candidate < first else max((candidate - last).days, 0)
        if best is None or distance < best[0]:
            best = (distance, candidate)
    if best is None:
        raise ParseError(f"date « {_shown(original)} » invalide : ce jour n’existe pas")
    return best[1]


def parse_date(value: Any, *, near: tuple[dt.date, dt.date] | None = None) -> dt.date:
    """« 22/01/2024 », « lundi 22 janvier 2024 », « 22-janv.-24 », « mar. 23/01 », a date cell or a serial number.

    A date written without its year (« 23/01 », « lundi 22 janvier ») takes the year that puts it
    inside, or nearest, the period `near` (a session's first and last days); without `near` it is refused.
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if _is_number(value):
        return excel_serial_date(_as_float(value))
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ParseError("date manquante")
    if not isinstance(value, str):
        raise ParseError(f"date « {_shown(value)} » invalide")
    text = " ".join(fold(value).replace(",", " ").split())
    if m := _ISO_DATE.fullmatch(text):
        return _make_date(value, int(m[1]), int(m[3]), int(m[4]))
    parts = datewords.split_date(text)
    if parts is None:
        raise ParseError(f"date « {_shown(value)} » invalide : {_EXAMPLES}")
    weekday_word, day_number, month_word, year_text = parts
    month = int(month_word) if month_word.isdigit() else datewords.months().get(month_word)
    if month is None:
        raise ParseError(f"date « {_shown(value)} » invalide : mois « {month_word} » inconnu")
    weekday = None
    if weekday_word is not None:
        weekday = datewords.weekdays().get(weekday_word)
        if weekday is None:
            raise ParseError(f"date « {_shown(value)} » invalide : jour « {weekday_word} » inconnu")
    if year_text is not None:
        day = _make_date(value, _year(year_text), month, day_number)
    elif near is not None:
        day = _nearest_year(value, month, day_number, near)
    else:
        raise ParseError(f"date « {_shown(value)} » invalide : l’année manque")
    if weekday is not None and weekday != day.weekday():
        raise ParseError(
            f"date « {_shown(value)} » incohérente : le {day.day} {datewords.month_name(day.month)} {day.year} "
            f"est un {datewords.weekday_name(day.weekday())}"
        )
    return day


# --------------------------------------------------------------------------- times

_COLON_TIME = re.compile(r"(\d{1,2}) ?: ?(\d{2})(?: ?: ?(\d{2})(?:[.,]\d+)?)?")
_H_TIME = re.compile(r"(\d{1,2}) ?(?:h|heures?) ?(?:(\d{2}) ?(?:min|mn)?)?")
_HOUR_ONLY = re.compile(r"\d{1,2}")


def _make_time(original: Any, hours: int, minutes: int, seconds: int = 0) -> dt.time:
    if hours >= 24:
        raise ParseError(f"heure « {_shown(original)} » invalide : les heures vont de 0 à 23")
    if minutes >= 60 or seconds >= 60:
        raise ParseError(f"heure « {_shown(original)} » invalide : les minutes vont de 0 à 59")
    return dt.time(hours, minutes, seconds)


def _time_from_seconds(original: Any, seconds: int) -> dt.time:
    if not 0 <= seconds < 86400:
        raise ParseError(f"heure « {_shown(original)} » invalide : les heures vont de 0 à 23")
    return dt.time(seconds // 3600, seconds // 60 % 60, seconds % 60)


def cell_datetime(value: Any) -> dt.datetime | None:
    """A date-time cell as a datetime, None for a cell of another kind.

    Spreadsheet readers give a bare date for a date-time at midnight exactly (00:00:00): it is
    that day at 00:00, not a missing time.
    """
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    return None


def parse_time(value: Any) -> dt.time:
    """« 18h », « 18h30 », « 18:30 », « 18 h 30 », a time cell, or a fraction of a day."""
    if isinstance(value, dt.datetime):
        return value.time()
    if isinstance(value, dt.time):
        return value
    if isinstance(value, dt.timedelta):
        if value.days < 0 or value.days >= 1:
            raise ParseError(f"heure « {_shown(value)} » invalide : les heures vont de 0 à 23")
        return (dt.datetime.min + value).time()
    if _is_number(value):
        number = _as_float(value)
        if not math.isfinite(number) or number < 0:
            raise ParseError(f"heure « {_shown(value)} » invalide")
        if number < 1:  # a spreadsheet time: a fraction of a day
            return _time_from_seconds(value, round(number * 86400))
        if number == int(number):  # a clerk typed « 18 » in an hour column
            return _make_time(value, int(number), 0)
        raise ParseError(f"heure « {_shown(value)} » invalide : attendu par exemple 18h00")
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ParseError("heure manquante")
    if not isinstance(value, str):
        raise ParseError(f"heure « {_shown(value)} » invalide")
    text = fold(value)
    if m := _COLON_TIME.fullmatch(text):
        return _make_time(value, int(m[1]), int(m[2]), int(m[3] or 0))
    if m := _H_TIME.fullmatch(text):
        return _make_time(value, int(m[1]), int(m[2] or 0))
    if _HOUR_ONLY.fullmatch(text):
        return _make_time(value, int(text), 0)
    raise ParseError(f"heure « {_shown(value)} » invalide : attendu par exemple 18h00 ou 18:00")


_RANGE_SEPARATOR = re.compile(r" ?(?:[-‐‑‒–—―/]|\ba\b|\bau\b|\bjusqu ?a\b) ?")


def parse_time_range(value: Any) -> tuple[dt.time, dt.time]:
    """« 18h00 - 21h00 », « de 18h à 21h », « 18:00 à 21:00 »: start and end of a slot."""
    if isinstance(value, (tuple, list)) and len(value) == 2:
        start, end = parse_time(value[0]), parse_time(value[1])
    else:
        if value is None or (isinstance(value, str) and not value.strip()):
            raise ParseError("horaire manquant")
        if not isinstance(value, str):
            raise ParseError(
                f"horaire « {_shown(value)} » invalide : attendu par exemple 18h00 - 21h00"
            )
        text = fold(value).replace("’", " ").replace("'", " ")
        text = re.sub(r"^(?:de|entre) ", "", text)
        parts = _RANGE_SEPARATOR.split(text)
        if len(parts) != 2 or not parts[0] or not parts[1]:
            raise ParseError(
                f"horaire « {_shown(value)} » invalide : attendu par exemple 18h00 - 21h00"
            )
        try:
            start, end = parse_time(parts[0]), parse_time(parts[1])
        except ParseError:
            raise ParseError(
                f"horaire « {_shown(value)} » invalide : attendu par exemple 18h00 - 21h00"
            ) from None
    if end <= start:
        raise ParseError(f"horaire « {_shown(value)} » invalide : la fin doit suivre le début")
    return start, end


# --------------------------------------------------------------------------- durations

_DURATION_H = re.compile(r"(\d{1,2}) ?(?:h|heures?) ?(?:(\d{1,2}) ?(?:min|mn|m)?)?")
_DURATION_MIN = re.compile(r"(\d{1,4}) ?(?:min|mn|minutes?)")
_DURATION_COLON = re.compile(r"(\d{1,2}) ?: ?(\d{2})")
_DURATION_NUMBER = re.compile(r"\d{1,2}(?:[.,]\d+)?")
_MAX_DURATION = dt.timedelta(hours=24)


def _checked_duration(original: Any, duration: dt.timedelta) -> dt.timedelta:
    if duration <= dt.timedelta(0):
        raise ParseError(f"durée « {_shown(original)} » invalide : une durée est positive")
    if duration > _MAX_DURATION:
        raise ParseError(f"durée « {_shown(original)} » invalide : plus de 24 heures")
    return duration


def parse_duration(value: Any) -> dt.timedelta:
    """« 3h », « 1h30 », « 90 min », a number of hours (1.5), a time or duration cell."""
    if isinstance(value, dt.timedelta):
        return _checked_duration(value, value)
    if isinstance(value, dt.time) and not isinstance(value, dt.datetime):
        duration = dt.timedelta(
            hours=value.hour,
            minutes=value.minute,
            seconds=value.second,
            microseconds=value.microsecond,
        )
        return _checked_duration(value, duration)
    if _is_number(value):
        hours = _as_float(value)
        if not math.isfinite(hours):
            raise ParseError(f"durée « {_shown(value)} » invalide")
        if not 0 < hours <= 24:
            return _checked_duration(value, dt.timedelta(hours=max(min(hours, 25), -1)))
        return _checked_duration(value, dt.timedelta(seconds=round(hours * 3600)))
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ParseError("durée manquante")
    if not isinstance(value, str):
        raise ParseError(f"durée « {_shown(value)} » invalide")
    text = fold(value)
    if m := _DURATION_H.fullmatch(text):
        minutes = int(m[2] or 0)
        if minutes >= 60:
            raise ParseError(f"durée « {_shown(value)} » invalide : les minutes vont de 0 à 59")
        return _checked_duration(value, dt.timedelta(hours=int(m[1]), minutes=minutes))
    if m := _DURATION_MIN.fullmatch(text):
        return _checked_duration(value, dt.timedelta(minutes=int(m[1])))
    if m := _DURATION_COLON.fullmatch(text):
        if int(m[2]) >= 60:
            raise ParseError(f"durée « {_shown(value)} » invalide : les minutes vont de 0 à 59")
        return _checked_duration(value, dt.timedelta(hours=int(m[1]), minutes=int(m[2])))
    if _DURATION_NUMBER.fullmatch(text):
        return _checked_duration(
            value, dt.timedelta(seconds=round(float(text.replace(",", ".")) * 3600))
        )
    raise ParseError(f"durée « {_shown(value)} » invalide : attendu par exemple 3h, 1h30 ou 90 min")


# --------------------------------------------------------------------------- grades

_GRADE = re.compile(r"([+-]?)(\d+(?:\.\d*)?|\.\d+)(?: ?/ ?20)?")
_TWENTY = Decimal(20)
_HUNDREDTH = Decimal("0.01")
_FLOAT_TOLERANCE = Decimal("1e-9")


def _checked_grade(shown: str, grade: Decimal) -> Decimal:
    if grade < 0 or grade > _TWENTY:
        raise ParseError(f"{shown} : une note est comprise entre 0 et 20")
    exponent = grade.as_tuple().exponent
    assert isinstance(exponent, int)
    if exponent < -2:
        if grade != grade.quantize(_HUNDREDTH):
            raise ParseError(f"{shown} : deux décimales au plus")
        grade = grade.quantize(_HUNDREDTH)  # « 12,500 » is 12,50
    if grade == 0:
        grade = abs(grade)  # no « -0 »
    return grade


def parse_grade(value: Any) -> Decimal | GradeCode | None:
    """A grade out of 20 (« 12,5 », 12.5), ABI or ABJ, or None for an empty cell."""
    if value is None:
        return None
    if isinstance(value, GradeCode):
        return value
    if isinstance(value, bool):
        raise ParseError(f"note « {_shown(value)} » invalide : attendu une note sur 20, ABI ou ABJ")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ParseError(f"note « {_shown(value)} » invalide : ce n’est pas un nombre")
        shown = _shown(value)
        nearest = round(value, 2)
        # compare the decimal texts, as the sheet shows them, not the binary floats
        if abs(Decimal(repr(value)) - Decimal(repr(nearest))) > _FLOAT_TOLERANCE:
            if not 0 <= value <= 20:
                raise ParseError(f"{shown} : une note est comprise entre 0 et 20")
            raise ParseError(f"{shown} : deux décimales au plus")
        # the shortest text of the nearest 2-decimal float is what the clerk typed
        text = _number_text(nearest)
        return _checked_grade(shown, Decimal(text))
    if isinstance(value, int):
        return _checked_grade(_shown(value), Decimal(value))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ParseError(f"note « {value} » invalide : ce n’est pas un nombre")
        return _checked_grade(_shown(value).replace(".", ","), value)
    if not isinstance(value, str):
        raise ParseError(f"note « {_shown(value)} » invalide : attendu une note sur 20, ABI ou ABJ")
    text = fold(value)
    if not text:
        return None
    if text in ("abi", "abj"):
        return GradeCode(text.upper())
    shown = _shown(value)
    m = _GRADE.fullmatch(text.replace(" ", "").replace(",", ".").replace("−", "-"))
    if m is None:
        raise ParseError(
            f"note « {shown} » invalide : attendu une note sur 20 (par exemple 12,5), ABI ou ABJ"
        )
    try:
        grade = Decimal(m[1] + m[2])
    except InvalidOperation:  # pragma: no cover - the pattern only lets digits through
        raise ParseError(f"note « {shown} » invalide") from None
    return _checked_grade(shown, grade)


# --------------------------------------------------------------------------- text


def parse_text(value: Any) -> str:
    """A cell as clean text: « 12 » for 12.0, no control characters, single spaces, stripped."""
    if value is None:
        return ""
    if isinstance(value, str):
        return _clean(value)
    if isinstance(value, bool):
        return "VRAI" if value else "FAUX"
    if isinstance(value, float):
        return _number_text(value) if math.isfinite(value) else ""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.strftime("%d/%m/%Y")
        return value.strftime("%d/%m/%Y %H:%M:%S" if value.second else "%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S" if value.second else "%H:%M")
    return _clean(str(value))


# --- student numbers -------------------------------------------------------------------------

# The office's student numbers: digits (1 to 12), after at most three capital letters.
STUDENT_NUMBER = re.compile(r"[A-Z]{0,3}[0-9]{1,12}")
STUDENT_NUMBER_RULE = "de 1 à 12 chiffres, précédés au plus de 3 lettres (par exemple 100023001 ou PA100023)"


def student_number_problem(number: str) -> str | None:
    """What is wrong with a student number already cleaned (spaces out, capitals), None when it is right."""
    if STUDENT_NUMBER.fullmatch(number):
        return None
    shown = number if len(number) <= 40 else number[:40] + "…"
    return f"numéro d'auditeur « {shown} » invalide : attendu {STUDENT_NUMBER_RULE}"
