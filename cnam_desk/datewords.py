"""Month and weekday words as spreadsheets write them, from babel's French (and English) names.

« janvier », « janv. », « janv », « févr. », « fevr », « fev », « déc. », « aout »; « mardi »,
« mar. », « mar ». Every word is folded (lower case, no accents, no trailing dot); besides
babel's wide and abbreviated names, any prefix of three letters or more of a French name that
names only one month (or one weekday) is read, as clerks abbreviate by hand.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Mapping

from babel.dates import get_day_names, get_month_names

_LOCALES = ("fr", "en")
_PREFIX_MIN = 3


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.strip().lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).rstrip(".")


def _table(getter: Callable[..., Mapping[int, str]]) -> dict[str, int]:
    words: dict[str, int] = {}
    french: dict[str, int] = {}
    for locale in _LOCALES:
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for number, name in getter(width, context, locale).items():
                    words[_fold(name)] = number
                    if locale == "fr" and width == "wide":
                        french[_fold(name)] = number
    prefixes: dict[str, set[int]] = {}
    for name, number in french.items():
        for end in range(_PREFIX_MIN, len(name)):
            prefixes.setdefault(name[:end], set()).add(number)
    for prefix, numbers in prefixes.items():
        if len(numbers) == 1:
            words.setdefault(prefix, next(iter(numbers)))
    return words


@functools.cache
def months() -> dict[str, int]:
    """Folded month word -> 1..12."""
    return _table(get_month_names)


@functools.cache
def weekdays() -> dict[str, int]:
    """Folded weekday word -> 0 (Monday) .. 6."""
    return _table(get_day_names)


@functools.cache
def weekday_name(number: int) -> str:
    return str(get_day_names("wide", locale="fr")[number])


@functools.cache
def month_name(number: int) -> str:
    return str(get_month_names("wide", locale="fr")[number])


# A date written with words or numbers, after folding: an optional weekday, the day, the month
# (a number or a word) and an optional year, separated by spaces, slashes, dots or dashes.
_TIME_SUFFIX = r"(?:[ t]+\d{1,2}[:h]\d{2}(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})?)?"
_DATE = re.compile(
    r"(?:le )?(?:([a-z]+)\.? ?)?"  # weekday
    r"(\d{1,2}) ?(?:er)?"  # day
    r"(?: ?[/.-] ?| )"
    r"(\d{1,2}|[a-z]+)\.?"  # month
    r"(?:(?: ?[/.-] ?| )(\d{4}|\d{2}))?" + _TIME_SUFFIX
)


def split_date(text: str) -> tuple[str | None, int, str, str | None] | None:
    """The parts of a folded date text, or None when it is not shaped like a date."""
    m = _DATE.fullmatch(text)
    if m is None:
        return None
    return m[1], int(m[2]), m[3], m[4]
