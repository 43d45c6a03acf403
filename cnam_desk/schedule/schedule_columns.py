"""A schedule file's sheets as columns: each recognised column of a table is one list of cells.

`cnam_desk.spreadsheets.read_tables` gives one `Row` per line; an import of 50,000 lines spends
more time building and reading those rows than parsing what they hold. Here the sheets are read
the same way (`read_workbook`, `find_header`, the same refusal when no sheet has the columns),
but each table keeps its lines as they are and gives its columns as lists, so that each distinct
cell of a column is parsed once. `row()` builds the `Row` of one line when a line needs reading
as a whole (a note, a total, a value in error).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from cnam_desk import spreadsheets
from cnam_desk.spreadsheets import Field, Row, column_letter

T = TypeVar("T")


def _blank_line(cells: Sequence[Any]) -> bool:
    for value in cells:
        if value is not None and (value.__class__ is not str or value.strip()):
            return False
    return True


@dataclass
class ColumnTable:
    """The non-blank lines under a recognised header in one sheet, read by column."""

    file_name: str
    sheet: str
    header_row: int
    columns: dict[str, int]
    # Each line as read (every cell, recognised column or not) and its number in the sheet.
    lines: list[Sequence[Any]] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    # The non-blank lines above the header (titles, dates of the version): (line number, cells).
    above: list[tuple[int, Sequence[Any]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.letters = {name: column_letter(index) for name, index in self.columns.items()}
        self._by_index: list[tuple[Any, ...]] | None = None

    def __len__(self) -> int:
        return len(self.lines)

    def column(self, name: str) -> Sequence[Any]:
        """The cells of a field's column, one per line (None for a missing column or a short line)."""
        index = self.columns.get(name)
        if index is None:
            return [None] * len(self.lines)
        if self._by_index is None:
            needed = max(self.columns.values()) + 1
            # calamine gives every line of a sheet the same width: one transposition, in C
            full = all(len(cells) >= needed for cells in self.lines)
            self._by_index = list(zip(*self.lines, strict=False))[:needed] if full and self.lines else []
        if self._by_index:
            return self._by_index[index]
        return [cells[index] if len(cells) > index else None for cells in self.lines]

    def row(self, index: int) -> Row:
        """One line as `read_tables` gives it."""
        cells = self.lines[index]
        width = len(cells)
        values = {name: cells[i] if i < width else None for name, i in self.columns.items()}
        return Row(self.sheet, self.numbers[index], values, self.letters, cells)


def read_column_tables(path: str | Path, fields: Sequence[Field]) -> list[ColumnTable]:
    """Every sheet whose header names the required fields; refuses a file with none, as read_tables does."""
    path = Path(path)
    sheets = spreadsheets.read_workbook(path)
    tables: list[ColumnTable] = []
    for sheet in sheets:
        header = spreadsheets.find_header(sheet, fields)
        if header is None:
            continue
        header_index, columns = header
        table = ColumnTable(
            path.name, sheet.name, header_index + 1, columns,
            above=[(n, cells) for n, cells in enumerate(sheet.rows[:header_index], start=1) if not _blank_line(cells)],
        )  # fmt: skip
        for number, cells in enumerate(sheet.rows[header_index + 1 :], start=header_index + 2):
            if not _blank_line(cells):
                table.lines.append(cells)
                table.numbers.append(number)
        tables.append(table)
    if not tables:
        spreadsheets.tables_in(path.name, sheets, fields)  # raises the refusal naming the missing columns
    return tables


# Cell types equal to one another across types (1 == 1.0 == True): a column holding two of them is
# looked up by (type, value).
_NUMBERS = frozenset({int, float, bool, Decimal})


def _one_kind_of_number(values: Iterable[Any]) -> bool:
    kinds: set[type] = set()
    for value in values:
        kinds.update(map(type, value) if value.__class__ is tuple else (type(value),))
    return len(kinds & _NUMBERS) <= 1


def parse_distinct(parse: Callable[[Any], T], values: Sequence[Any], cache: dict[Any, T] | None = None) -> list[T]:
    """`parse` of each value, called once per distinct value (a cell's type counts: 1, 1.0 and True differ).

    `values` may also be tuples of cells (several columns read together). `cache` keeps the
    answers from one call to the next (the tables of one file).
    """
    known: dict[Any, T] = {} if cache is None else cache
    try:
        distinct = dict.fromkeys(values)
    except TypeError:  # a value that cannot be a key (never read from a file): parsed each time
        return [parse(value) for value in values]
    if _one_kind_of_number(distinct):
        # No two distinct values are equal: each line's answer is looked up in C.
        answers = {value: _answer(parse, known, value) for value in distinct}
        return list(map(answers.__getitem__, values))
    return [_answer(parse, known, value) for value in values]


def _typed(value: Any) -> Any:
    if value.__class__ is tuple:
        return tuple((item.__class__, item) for item in value)
    return (value.__class__, value)


def _answer(parse: Callable[[Any], T], known: dict[Any, T], value: Any) -> T:
    key = _typed(value)
    try:
        return known[key]
    except KeyError:
        answer = known[key] = parse(value)
        return answer
