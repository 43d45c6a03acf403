"""What every spreadsheet import shares: the pipeline, row errors, the all-or-nothing refusal, memoised cell parsers.

Every import (schedule, enrolments, grades) goes the same way: read the file into rows (errors
located by sheet, row and column), compare with what the office holds (the preview the clerk
sees), then write it all in one transaction with one audit event; a dry run stops after the
comparison. `run_import` and `record_import` are those shared steps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, NamedTuple, TypeVar

from sqlalchemy.orm import Session

from cnam_desk import parsing
from cnam_desk.db import audit
from cnam_desk.errors import Location, RefusedInput
from cnam_desk.progress import Steps, run_to_end

T = TypeVar("T")
F = TypeVar("F")  # a file as read
P = TypeVar("P")  # its comparison with the office's data
S = TypeVar("S")  # what the import reports
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


@dataclass(frozen=True)
class Pipeline(Generic[F, P, S]):
    """One import's own steps; `run_import` runs them in the order every import follows."""

    read: Callable[[], F]  # the file as read: an object with `errors` (RowError)
    compare: Callable[[F], P]  # compared with what the office holds, nothing written
    dry_summary: Callable[[F, P], S]  # what a dry run reports
    write: Callable[[F], Steps[S]]  # everything written, in one transaction


def run_import(pipeline: Pipeline[F, P, S], *, skip_errors: bool = False, dry_run: bool = False) -> S:
    """Read, refuse a file with row errors (unless skip_errors), then compare (dry run) or write."""
    file = pipeline.read()
    errors = getattr(file, "errors", ())
    if errors and not skip_errors:
        raise refuse_errors(errors)
    if dry_run:
        return pipeline.dry_summary(file, pipeline.compare(file))
    return run_to_end(pipeline.write(file))


def record_import(
    s: Session, entity: str, key: str | None, file_name: str, counts: dict[str, Any], *,
    before: dict[str, Any] | None = None, **more: Any,
) -> None:
    """The one audit event of an import: the file, what it changed (counts, never the rows' values)."""
    audit.record(s, "import", entity, key, before=before, after={"file": file_name, **counts, **more})
