"""What every spreadsheet import shares: row errors, the all-or-nothing refusal, memoised cell parsers."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar

from cnam_desk import parsing
from cnam_desk.errors import Location, RefusedInput

T = TypeVar("T")
CHUNK = 5000  # rows per progress step and per bulk statement
SHOWN_ERRORS = 20  # errors listed in a refusal; the count says how many more


@dataclass(frozen=True)
class RowError:
    """One unreadable row of an imported file: where, and why in French."""

    file: str
    sheet: str | None
    row: int | None
    column: str | None
    message: str

    def describe(self) -> str:
        """« fichier « x.xlsx », feuille « S1 », ligne 12, colonne C : date manquante »."""
        return f"{Location(self.file, self.sheet, self.row, self.column).describe()} : {self.message}"

    def as_json(self) -> dict[str, Any]:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "message": self.message}


def count(number: int, one: str, many: str) -> str:
    """« 0 épreuve ajoutée », « 1 épreuve ajoutée », « 2 épreuves ajoutées »."""
    return f"{number} {one if number <= 1 else many}"


class RefusedFile(RefusedInput):
    """A file refused whole because some of its rows are in error; `errors` lists them all."""

    def __init__(self, errors: Sequence[RowError]):
        self.errors = list(errors)
        shown = "\n".join(error.describe() for error in errors[:SHOWN_ERRORS])
        more = f"\n… et {len(errors) - SHOWN_ERRORS} autres erreurs." if len(errors) > SHOWN_ERRORS else ""
        super().__init__(f"{self.headline()} :\n{shown}{more}")

    def headline(self) -> str:
        return f"Fichier refusé, rien n'a été enregistré ({count(len(self.errors), 'erreur', 'erreurs')})"


def refuse_errors(errors: Sequence[RowError]) -> RefusedFile:
    """The error that refuses a whole file: one line per problem, each with its place."""
    return RefusedFile(errors)


def chunks(rows: Sequence[T], size: int = CHUNK) -> Iterable[Sequence[T]]:
    for index in range(0, len(rows), size):
        yield rows[index : index + size]


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class _Refused(NamedTuple):
    message: str


def memoised(parse: Callable[[Any], T]) -> Callable[[Any], T]:
    """A cell parser that remembers its answers (and its refusals) to texts, for one file.

    Imported files repeat the same few dates, times, rooms and codes thousands of times as
    text; other cells (dates, times, numbers) are quicker to parse again than to look up.
    """
    cache: dict[str, Any] = {}

    def cached(value: Any) -> T:
        if value.__class__ is not str:
            return parse(value)
        answer = cache.get(value, _MISSING)
        if answer is _MISSING:
            try:
                answer = parse(value)
            except parsing.ParseError as error:
                answer = _Refused(error.message)
            cache[value] = answer
        if answer.__class__ is _Refused:
            raise parsing.ParseError(answer.message)
        return answer  # type: ignore[no-any-return]

    return cached


_MISSING = object()


def clean_ue_code(value: Any) -> str:
    """« nfa 031 » -> « NFA031 »."""
    return "".join(parsing.parse_text(value).split()).upper()
