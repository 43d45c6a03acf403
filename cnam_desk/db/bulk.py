"""Many rows into one table at the driver's pace, on SQLite as on PostgreSQL.

A Core `insert()` run with a list of rows converts every parameter of every row (on SQLite a
date or a time becomes text) and builds each row's parameters anew: an import of 50,000 exams
spends more time there than in the driver. Here the statement is compiled once for the
connection's dialect and given to the driver's `executemany`, and each column's own conversion
(the same `bind_processor` SQLAlchemy applies) runs once per distinct value of the column: what
is stored is what a Core insert stores. The connection's events still see the statement (a
database opened for reading only refuses it the same way).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table, bindparam, insert


def _converted(values: Sequence[Any], processor: Any) -> Sequence[Any]:
    if processor is None:
        return values
    try:
        done = {value: processor(value) for value in set(values)}
    except TypeError:  # unhashable values (a JSON document): each one converted
        return [processor(value) for value in values]
    return [done[value] for value in values]


def insert_columns(connection: Connection, table: Table, columns: Mapping[str, Sequence[Any]]) -> int:
    """Insert one row per index of the (equally long) columns, given by column name; returns how many."""
    names = list(columns)
    lengths = {len(values) for values in columns.values()}
    if len(lengths) > 1:
        raise ValueError(f"columns of different lengths for {table.name}: {sorted(lengths)}")
    count = lengths.pop() if lengths else 0
    if count == 0:
        return 0
    columns = dict(columns)
    for column in table.columns:  # the Python-side defaults a Core insert would have added
        if column.name in columns or column.default is None:
            continue
        if not column.default.is_scalar:
            raise ValueError(f"{table.name}.{column.name}: a computed default must be given to insert_columns")
        columns[column.name] = [column.default.arg] * count  # type: ignore[attr-defined]
    names = list(columns)
    dialect = connection.dialect
    compiled = insert(table).values({name: bindparam(name) for name in names}).compile(dialect=dialect)
    converted = {
        name: _converted(columns[name], table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
        for name in names
    }
    escaped = getattr(compiled, "escaped_bind_names", None) or {}
    if compiled.positional:
        unescaped = {escaped.get(name, name): name for name in names}
        order = [unescaped[key] for key in compiled.positiontup or ()]
        rows: list[Any] = list(zip(*(converted[name] for name in order), strict=True))
    else:
        keys = [escaped.get(name, name) for name in names]
        rows = [dict(zip(keys, row, strict=True)) for row in zip(*(converted[name] for name in names), strict=True)]
    connection.exec_driver_sql(compiled.string, rows)
    return count
