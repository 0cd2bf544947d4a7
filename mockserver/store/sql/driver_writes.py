"""The statements of a write transaction's usual path (puts, counters, the
version's bump), run on the driver's own cursor of the transaction's
connection. SQLAlchemy's statement machinery costs about ten times what
SQLite takes to run such a statement; here the text is built once per table
and set of columns, and each value is converted by its column's type as
SQLAlchemy would convert it (the bind processor of the type's dialect
implementation: SQLite's instants, for one, are text of a fixed form)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Dialect, Table

from mockserver.store.sql.later import run_later

Row = dict[str, Any]
Processor = Callable[[Any], Any] | None


class DriverWrites:
    """Statements of one dialect (``?`` placeholders in SQLite's, ``%s`` in psycopg's)."""

    def __init__(self, dialect: Dialect):
        self._dialect = dialect
        self.marker = "?" if dialect.paramstyle == "qmark" else "%s"
        self._quote = dialect.identifier_preparer.quote
        self._built: dict[tuple, tuple[str, list[str], list[Processor]]] = {}

    def insert(self, cursor, table: Table, *rows: Row) -> None:
        """``rows`` (all with the same columns) added to ``table`` (on PostgreSQL, with
        the commit: ``later.py``)."""
        sql, names, processors = self._statement("insert", table, tuple(rows[0]))
        values = [_converted(row, names, processors) for row in rows]
        if len(values) == 1:
            run_later(cursor, sql, values[0])
        else:
            run_later(cursor, sql, values, many=True)

    def change(self, cursor, table: Table, row: Row) -> None:
        """``update``, of a row known to be there (on PostgreSQL, with the commit)."""
        sql, names, processors = self._statement("update", table, tuple(row))
        run_later(cursor, sql, _converted(row, names, processors))

    def update(self, cursor, table: Table, row: Row) -> int:
        """The row of ``row``'s tenant and id in ``table`` given ``row``'s other columns;
        how many rows there were (0 or 1)."""
        sql, names, processors = self._statement("update", table, tuple(row))
        cursor.execute(sql, _converted(row, names, processors))
        return cursor.rowcount

    def _statement(self, kind: str, table: Table, columns: tuple[str, ...]):
        key = (kind, table.name, columns)
        built = self._built.get(key)
        if built is None:
            built = self._built[key] = self._build(kind, table, columns)
        return built

    def _build(self, kind: str, table: Table, columns: tuple[str, ...]):
        quote, marker = self._quote, self.marker
        if kind == "insert":
            names = list(columns)
            listed = ", ".join(quote(name) for name in names)
            places = ", ".join(marker for _ in names)
            sql = f"INSERT INTO {quote(table.name)} ({listed}) VALUES ({places})"
        else:
            names = [name for name in columns if name not in ("tenant", "id")]
            changes = ", ".join(f"{quote(name)} = {marker}" for name in names)
            sql = (
                f"UPDATE {quote(table.name)} SET {changes} "
                f"WHERE tenant = {marker} AND id = {marker}"
            )
            names += ["tenant", "id"]
        dialect = self._dialect
        processors = [
            table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
        ]
        return sql, names, processors


def _converted(row: Row, names: list[str], processors: list[Processor]) -> tuple:
    return tuple(
        row[name] if convert is None else convert(row[name])
        for name, convert in zip(names, processors, strict=True)
    )
