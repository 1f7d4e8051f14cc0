"""Bulk writes: insert a whole list in one statement, in one transaction, and say what is wrong
with which row (the look-ups before it are in `readiness.records.keys`).
"""

from __future__ import annotations

import gc
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Table

from readiness.db import copy_rows
from readiness.errors import ConflictError, DomainError, ForbiddenError, InvalidError, describe_errors
from readiness.extensions import db

#: From this many rows on, inserts take the bulk path (COPY, or ready-made executemany).
BULK_FROM = 500


def local_today() -> date:
    """Return today's date in the configured time zone (the edge passes it to services)."""
    return datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()


def insert_columns(table: Table, columns: dict[str, list[Any]], *, references_locked: bool = False) -> None:
    """Insert rows given as equally long lists of values by column name, in one statement.

    `references_locked`: the caller read every row its foreign keys point to in this
    transaction, with `keys.locked` (FOR KEY SHARE), so they exist and stay until it ends; a
    long list then skips PostgreSQL's check of each row (see `_checked_ahead`).
    """
    names = list(columns)
    count = len(columns[names[0]]) if names else 0
    if not count:
        return
    connection = db.session.connection()
    if connection.dialect.name == "postgresql" and count >= BULK_FROM:
        rows = zip(*(columns[n] for n in names), strict=True)
        if references_locked and _may_skip_triggers(connection):
            with _checked_ahead(connection):
                copy_rows(connection, table, names, rows)
        else:
            copy_rows(connection, table, names, rows)
    elif count >= BULK_FROM:
        # SQLAlchemy prepares each row's parameters in Python; for long lists that costs a
        # quarter of the insert, so the driver gets them ready-made, converted by the same
        # type processors SQLAlchemy would use.
        compiled = table.insert().compile(dialect=connection.dialect, column_keys=names)
        order = list(compiled.positiontup or names)
        converted = [_converted(columns[n], _driver_form(table.c[n].type, connection.dialect)) for n in order]
        connection.exec_driver_sql(str(compiled), list(zip(*converted, strict=True)))
    else:
        connection.execute(table.insert(), [dict(zip(names, row, strict=True))
                                            for row in zip(*(columns[n] for n in names), strict=True)])


@contextmanager
def many_objects(count: int) -> Iterator[None]:
    """Hold Python's cycle collector while a list of `count` rows (BULK_FROM or more) is written.

    Such a write makes and drops a few objects per row while millions are alive; the
    collector's full passes over them, set off by the allocations, took half a second of a
    100,000-row import. Reference counting frees what the write drops meanwhile.
    """
    if count < BULK_FROM or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@contextmanager
def savepoint() -> Iterator[None]:
    """Run the block in a savepoint of the session's transaction: an error in it takes back only it."""
    raw = db.session.connection().connection.driver_connection
    if isinstance(raw, sqlite3.Connection) and not raw.in_transaction:
        # Python's sqlite3 begins a transaction only before a write; a SAVEPOINT outside one
        # would begin its own, and releasing it would commit everything written before.
        raw.execute("BEGIN")
    with db.session.begin_nested():
        yield


def _may_skip_triggers(connection: Any) -> bool:
    """Whether this login may switch off the row triggers of its own statements (PostgreSQL)."""
    # Superusers may; since PostgreSQL 15 so may a role granted it:
    #   GRANT SET ON PARAMETER session_replication_role TO readiness;
    query = "SELECT current_setting('is_superuser') = 'on'"
    if connection.dialect.server_version_info >= (15,):
        query += " OR has_parameter_privilege('session_replication_role', 'SET')"
    return bool(connection.exec_driver_sql(query).scalar())


class _checked_ahead:  # noqa: N801 - used like a function
    """Run a statement without PostgreSQL's per-row foreign key checks, for rows checked ahead.

    PostgreSQL checks a foreign key with a trigger per inserted row: a lookup and a FOR KEY
    SHARE lock of the referenced row, about 7 µs, 1.4 s of a 100,000-row import with two keys.
    The caller did the same for the whole list in one statement (`keys.locked`), so the check
    would find what is already known. Only triggers are skipped, for this statement only:
    unique and check constraints still hold, and no other triggers exist on the tables
    written this way. SET LOCAL ends with the transaction or a rolled back savepoint too.
    """

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    def __enter__(self) -> None:
        self.connection.exec_driver_sql("SET LOCAL session_replication_role = replica")

    def __exit__(self, kind: object, *_exc: object) -> None:
        if kind is None:  # after an error the transaction is aborted, and the setting with it
            self.connection.exec_driver_sql("SET LOCAL session_replication_role = origin")


def _driver_form(type_: Any, dialect: Any) -> Callable[[Any], Any] | None:
    """Return what turns a value of `type_` into what the driver stores, or None to pass it as is.

    SQLAlchemy's processor; on SQLite, for dates and timestamps (which SQLAlchemy leaves to
    the driver), the driver's own adapter, so that a value repeated in every row is adapted
    once, not per row.
    """
    process = type_.bind_processor(dialect)
    try:
        adapt = sqlite3.adapters.get((type_.python_type, sqlite3.PrepareProtocol))
    except NotImplementedError:
        adapt = None
    if dialect.name != "sqlite" or process is not None or adapt is None:
        return process

    def adapted(value: Any) -> Any:
        return adapt(value) if type(value) is type_.python_type else value
    return adapted


def _converted(column: list[Any], process: Callable[[Any], Any] | None) -> list[Any]:
    """Return a column's values as the driver takes them, each distinct value converted once.

    A long list repeats few dates and one timestamp: converting each once halves the cost.
    Only values whose equality means the same text are shared (not 1.0 and Decimal("1.00")).
    """
    if process is None:
        return column
    done: dict[tuple[type, Any], Any] = {}
    out = []
    for value in column:
        kind = type(value)
        if kind not in _SHARED:
            out.append(process(value))
        elif (kind, value) in done:
            out.append(done[kind, value])
        else:
            out.append(done.setdefault((kind, value), process(value)))
    return out


_SHARED = frozenset({date, datetime, str, int, bool, type(None)})


class RowErrors:
    """Errors of a list of rows by index and field, sorted into 422, 403 and 409."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.invalid: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        self.forbidden: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        self.conflict: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))

    def raise_any(self) -> None:
        """Raise the most fundamental kind found: invalid input, then scope, then duplicates."""
        for found, kind in ((self.invalid, InvalidError), (self.forbidden, ForbiddenError),
                            (self.conflict, ConflictError)):
            if found:
                errors = {i: dict(fields) for i, fields in sorted(found.items())}
                raise kind(summary(kind, self.what, errors), errors)


_SUMMARY = {InvalidError: "Invalid {what}", ForbiddenError: "Not allowed to record {what}",
            ConflictError: "Already recorded {what}"}


def summary(kind: type[DomainError], what: str, errors: dict[Any, Any]) -> str:
    """Return the message of a bulk error: what failed, then each field's message."""
    lines = describe_errors(errors)
    more = f"; and {len(lines) - 10} more" if len(lines) > 10 else ""
    return f"{_SUMMARY[kind].format(what=what)}: " + "; ".join(lines[:10]) + more


def unwrap_single(error: DomainError, what: str) -> DomainError:
    """Turn a bulk error about row 0 into one about a single object (field → messages)."""
    if not isinstance(error.errors, dict) or set(error.errors) != {0}:
        return error
    errors = error.errors[0]
    kind = type(error)
    message = summary(kind, what, errors) if kind in _SUMMARY else error.message
    return kind(message, errors)
