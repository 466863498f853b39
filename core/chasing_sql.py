"""Set-based writes for the chase tick, on PostgreSQL and SQLite alike: many rows a statement.

On PostgreSQL a batch of rows travels as one binary array per column and the server unnests
them (INSERT ... SELECT FROM unnest(...)): one short statement, where a multi-row VALUES list
of thousands of placeholders costs more to build, send and parse than to run. On SQLite,
executemany. `insert_rows(..., conflict=KEY)` is INSERT ... ON CONFLICT DO NOTHING RETURNING
(PostgreSQL; SQLite 3.35 and later): it answers the rows this statement wrote, so a caller
acts only on the keys it won.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import Connection, Row, String, Table, bindparam, update
from sqlalchemy.dialects import sqlite

T = TypeVar("T")
# SQLite refuses statements with more than 32,766 bound values; PostgreSQL 65,535.
CHUNK = 900


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def insert_rows(connection: Connection, table: Table, rows: list[dict[str, Any]], *,
                conflict: Sequence[str] = (), returning: Sequence[str] = ()) -> list[Row[Any]]:
    """Insert the rows (all with the same keys), skipping those whose `conflict` key is taken;
    the rows written, as the `returning` columns (in the order of `rows` without `conflict`)."""
    if not rows:
        return []
    if connection.dialect.name == "postgresql":
        return _insert_unnested(connection, table, rows, conflict, returning)
    if connection.dialect.name != "sqlite":
        raise NotImplementedError(f"the chase tick runs on PostgreSQL or SQLite, not "
                                  f"{connection.dialect.name}")
    statement: Any = sqlite.insert(table)
    if conflict:
        statement = statement.on_conflict_do_nothing(index_elements=list(conflict))
    if not returning:
        connection.execute(statement, rows)
        return []
    return list(connection.execute(statement.returning(
        *(table.c[name] for name in returning), sort_by_parameter_order=not conflict), rows))


def insert_returning_ids(connection: Connection, table: Table,
                         rows: list[dict[str, Any]]) -> list[int]:
    """Insert the rows; their new ids, in the order of `rows`."""
    return [row.id for row in insert_rows(connection, table, rows, returning=["id"])]


def set_column(connection: Connection, table: Table, column: str,
               values: list[tuple[int, Any]]) -> None:
    """Set `column` on each row, given (row id, value) pairs."""
    if not values:
        return
    if connection.dialect.name == "postgresql":
        name, cast = _quote(connection, table.name), _sql_type(connection, table, column)
        connection.exec_driver_sql(
            f"UPDATE {name} SET {_quote(connection, column)} = u.value FROM unnest("
            f"%(ids)b::INTEGER[], %(values)b::{cast}[]) AS u(row_id, value) "
            f"WHERE {name}.id = u.row_id",
            {"ids": [i for i, _ in values],
             "values": _bound(connection, table, column, [v for _, v in values])})
        return
    statement = update(table).where(table.c.id == bindparam("row_id")).values(
        {column: bindparam("value")})
    connection.execute(statement, [{"row_id": i, "value": v} for i, v in values])


def _insert_unnested(connection: Connection, table: Table, rows: list[dict[str, Any]],
                     conflict: Sequence[str], returning: Sequence[str]) -> list[Row[Any]]:
    """INSERT ... SELECT FROM unnest(one array per column that varies) WITH ORDINALITY; a
    value every row shares goes once, as a plain parameter. Serial ids are drawn in the order
    of the rows, so sorting what comes back by id gives the order of `rows`."""
    first = rows[0]
    names = list(first)
    varying = [n for n in names if any(row[n] != first[n] for row in rows)] or names[:1]
    params: dict[str, Any] = {}
    arrays, values = [], []
    for i, name in enumerate(names):
        cast = _sql_type(connection, table, name)
        if name in varying:
            params[f"a{i}"] = _bound(connection, table, name, [row[name] for row in rows])
            arrays.append(f"%(a{i})b::{cast}[]")
            values.append(f"u.{_quote(connection, name)}")
        else:
            params[f"k{i}"] = _bound(connection, table, name, [first[name]])[0]
            values.append(f"%(k{i})s::{cast}")
    columns = ", ".join(_quote(connection, n) for n in names)
    sql = (f"INSERT INTO {_quote(connection, table.name)} ({columns}) "
           f"SELECT {', '.join(values)} FROM unnest({', '.join(arrays)}) WITH ORDINALITY "
           f"AS u({', '.join(_quote(connection, n) for n in varying)}, n) ORDER BY u.n")
    if conflict:
        sql += f" ON CONFLICT ({', '.join(_quote(connection, n) for n in conflict)}) DO NOTHING"
    if not returning:
        connection.exec_driver_sql(sql, params)
        return []
    wanted = [*returning, *([] if "id" in returning else ["id"])]
    sql += f" RETURNING {', '.join(_quote(connection, n) for n in wanted)}"
    return sorted(connection.exec_driver_sql(sql, params).all(), key=lambda row: row.id)


def _quote(connection: Connection, name: str) -> str:
    return str(connection.dialect.identifier_preparer.quote(name))


def _sql_type(connection: Connection, table: Table, name: str) -> str:
    # Strings go as unbounded text, so an over-long value fails at the column as it would in a
    # plain INSERT, instead of an explicit cast to varchar(n) cutting it short.
    column_type = table.c[name].type
    if isinstance(column_type, String):
        return "TEXT"
    return str(column_type.compile(dialect=connection.dialect))


def _bound(connection: Connection, table: Table, name: str, values: list[Any]) -> list[Any]:
    """The values as the column's type binds them (a UTC instant refuses a naive datetime)."""
    process = table.c[name].type.bind_processor(connection.dialect)
    return values if process is None else [process(v) for v in values]
