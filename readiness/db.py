"""Declarative base with a constraint naming convention, time helpers and bulk loading."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, MetaData, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """Return the current time in UTC, timezone-aware."""
    return datetime.now(UTC)


@event.listens_for(Engine, "connect")
def _sqlite_enforces_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    # SQLite ignores foreign keys unless each connection asks for them.
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        # 64 MB of page cache instead of 2 MB: the indexes an import of many records writes
        # into stay in memory (an import of 100,000 completions takes half the time).
        cursor.execute("PRAGMA cache_size = -65536")
        cursor.close()
        # SQLite's own lower() folds ASCII only; names here are Azerbaijani and Cyrillic.
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)


def copy_rows(connection: Any, table: Any, names: list[str], rows: Iterable[Sequence[Any]]) -> None:
    """Load `rows` (values in the order of `names`) into `table` with PostgreSQL's COPY.

    COPY is PostgreSQL's bulk load: a fraction of the time of an executemany of many rows.
    `connection` is the session's: the rows are part of its transaction.
    """
    quote = connection.dialect.identifier_preparer
    sql = f"COPY {quote.format_table(table)} ({', '.join(quote.quote(n) for n in names)}) FROM STDIN"
    raw = connection.connection.driver_connection
    try:
        with raw.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
    except raw.Error as error:  # as SQLAlchemy reports any statement's: an IntegrityError, …
        raise DBAPIError.instance(sql, None, error, type(raw).Error, connection_invalidated=False) from error


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value
