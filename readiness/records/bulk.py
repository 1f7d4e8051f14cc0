"""Bulk writes: look up a whole list of keys in one query, insert it in one statement.

The keys travel as ONE JSON parameter that the database unpacks into a table (SQLite's
json_each, PostgreSQL's json_array_elements) and joins on its indexes. An IN list would
need a bound parameter per value (SQLite builds may stop at 999), and a row-value IN list
makes SQLite scan the whole index for every chunk.
"""

from __future__ import annotations

import gc
import itertools
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import orjson
from flask import current_app
from sqlalchemy import (
    JSON,
    Column,
    ColumnElement,
    FromClause,
    MetaData,
    Select,
    Table,
    Text,
    and_,
    bindparam,
    cast,
    func,
    literal_column,
    select,
)

from readiness.db import copy_rows
from readiness.errors import ConflictError, DomainError, ForbiddenError, InvalidError, describe_errors
from readiness.extensions import db
from readiness.personnel.models import Person
from readiness.units.models import Unit

Key = tuple[Any, ...]
T = TypeVar("T")
#: From this many rows on, inserts take the bulk path (COPY, or ready-made executemany).
BULK_FROM = 500


def local_today() -> date:
    """Return today's date in the configured time zone (the edge passes it to services)."""
    return datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()


def _json_default(value: Any) -> Any:
    raise TypeError(f"Cannot send {type(value).__name__} as a key.")


def _json(keys: list[Key]) -> str:
    """Return `keys` as a JSON array of arrays (dates as ISO text, as SQLite stores them)."""
    return orjson.dumps(keys, default=_json_default).decode()


#: The bound parameter a short list of keys travels in, as JSON.
KEYS = "keys"


def keyed(name: Hashable, keys: Iterable[Key], columns: Sequence[Any],
          build: Callable[[FromClause, list[ColumnElement[Any]]], T], *,
          also: Sequence[Any] = ()) -> tuple[T, dict[str, Any]]:
    """Return what `build` makes of `keys` as a table typed like `columns`, and its parameters.

    `build` gets the key table and its fields, and returns statements reading them; what
    it makes must depend on nothing but `name`, `columns` and `also`. A short
    list travels as one JSON parameter, so its statements are the same every time: they
    are built once per `name`, `columns`, the other columns or entities `build` reads
    (`also`) and database (building a statement and its cache key costs several times what
    running it costs for one key). A long list on PostgreSQL goes through a temporary
    table, with statements built for it.
    """
    keys = keys if isinstance(keys, list) else list(keys)
    dialect = db.engine.dialect.name
    if dialect == "postgresql" and len(keys) >= BULK_FROM:
        return build(*_temporary_table(keys, columns)), {}
    # By identity; the entry holds the columns and entities, so no other object takes their ids.
    cache_key = (dialect, name, *map(id, columns), *map(id, also))
    entry = _built.get(cache_key)
    if entry is None:
        entry = _built[cache_key] = ((*columns, *also), build(*_parameter_table(columns, dialect)))
    return entry[1], {KEYS: _json(keys)}


_built: dict[tuple[Any, ...], tuple[tuple[Any, ...], Any]] = {}


def _parameter_table(columns: Sequence[Any], dialect: str) -> tuple[FromClause, list[ColumnElement[Any]]]:
    keys = bindparam(KEYS, type_=Text())
    if dialect == "postgresql":
        table = func.json_array_elements(cast(keys, JSON)).table_valued("value", name="wanted")
        return table, [cast(table.c.value.op("->>")(literal_column(str(i))), c.type)
                       for i, c in enumerate(columns)]
    table = func.json_each(keys).table_valued("value", name="wanted")
    # SQLite keeps dates as ISO text, so the JSON strings compare equal to the stored values.
    return table, [func.json_extract(table.c.value, literal_column(f"'$[{i}]'")) for i in range(len(columns))]


def _temporary_table(keys: list[Key], columns: Sequence[Any]) -> tuple[FromClause, list[ColumnElement[Any]]]:
    """Copy many keys into a temporary table that lives until the transaction ends (PostgreSQL).

    The planner knows its size once analysed and hash-joins it; a JSON parameter of
    100,000 keys would be joined key by key, ten times slower.
    """
    table = Table(f"wanted_{next(_temporary_names)}", MetaData(),
                  *(Column(f"k{i}", c.type) for i, c in enumerate(columns)), prefixes=["TEMPORARY"],
                  postgresql_on_commit="DROP")
    connection = db.session.connection()
    table.create(connection)
    copy_rows(connection, table, [c.name for c in table.columns], keys)
    connection.exec_driver_sql(f"ANALYZE {table.name}")
    return table, list(table.columns)


#: Names of temporary key tables: unique within a connection's transaction, which is all they need.
_temporary_names = itertools.count(1)


def matching(name: Hashable, columns: Sequence[Any], keys: Iterable[Key], *entities: Any,
             then: Callable[[Select[Any]], Select[Any]] | None = None) -> tuple[Select[Any], dict[str, Any]]:
    """Return a select of `entities` (default: `columns`) whose `columns` equal one of `keys`,
    finished by `then`, and its parameters (see `keyed`: `name` tells its statements apart,
    so `then` must not vary for one name).
    """
    def build(wanted: FromClause, fields: list[ColumnElement[Any]]) -> Select[Any]:
        # Read from the key table and probe the stored table's index once per key.
        target = getattr(columns[0], "class_", None) or columns[0].table
        stmt = (select(*(entities or columns)).select_from(wanted)
                .join(target, and_(*(c == f for c, f in zip(columns, fields, strict=True)))))
        return then(stmt) if then else stmt

    return keyed(("matching", name), keys, columns, build, also=entities)


def insert_columns(table: Table, columns: dict[str, list[Any]], *, references_locked: bool = False) -> None:
    """Insert rows given as equally long lists of values by column name, in one statement.

    `references_locked`: the caller read every row its foreign keys point to in this
    transaction, with `locked` (FOR KEY SHARE), so they exist and stay until it ends; a
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


def locked(stmt: Select[Any], *tables: Any) -> Select[Any]:
    """Return `stmt` locking the rows it reads of `tables` as a foreign key check does (PostgreSQL).

    FOR KEY SHARE: until the transaction ends, nobody can delete these rows or change their
    keys, while updates of other columns go on. SQLite writes one transaction at a time.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        return stmt
    return stmt.with_for_update(read=True, key_share=True, of=list(tables))


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
    The caller did the same for the whole list in one statement (`locked`), so the check
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


def existing_keys(columns: Sequence[Any], keys: Iterable[Key]) -> set[Key]:
    """Return those of `keys` (tuples of values of `columns`) already stored."""
    keys = list(keys)
    if not keys:
        return set()
    return {tuple(row) for row in db.session.execute(*matching("existing", columns, keys))}


def people_by_service_number(numbers: Iterable[str], *, lock: bool = False) -> dict[str, tuple[int, str]]:
    """Return (person id, unit path) by service number, for the numbers that exist.

    `lock`: hold the people as a foreign key to them would (`locked`).
    """
    wanted = [(n,) for n in set(numbers)]
    if not wanted:
        return {}
    def then(stmt: Select[Any]) -> Select[Any]:
        stmt = stmt.join(Unit, Person.unit_id == Unit.id)
        return locked(stmt, Person) if lock else stmt

    found = matching(("people", lock), [Person.service_number], wanted, Person.service_number, Person.id,
                     Unit.path, then=then)
    return {number: (person_id, path) for number, person_id, path in db.session.execute(*found)}


def by_code(columns: Sequence[Any], codes: Iterable[str], *, lock: bool = False) -> dict[str, Any]:
    """Return rows of `columns` (the first a unique code) by code, for the codes that exist.

    `lock`: hold the rows as a foreign key to them would (`locked`).
    """
    wanted = [(c,) for c in set(codes)]
    if not wanted:
        return {}
    model = columns[0].class_
    found = matching(("by code", lock), columns[:1], wanted, *columns,
                     then=(lambda stmt: locked(stmt, model)) if lock else None)
    return {row[0]: row for row in db.session.execute(*found)}


class Recorded(Sequence[Any]):
    """The records a bulk write created, in input order, read from the database on first use.

    An import of 100,000 completions only counts what it wrote, and building that many ORM
    objects takes longer than writing the rows; an API answer reads its few back in one query.
    """

    def __init__(self, model: Any, key_columns: Sequence[Any], keys: list[Key]) -> None:
        self._model, self._columns, self._keys = model, key_columns, keys
        self._records: list[Any] | None = None

    def _load(self) -> list[Any]:
        if self._records is None:
            names = [c.key for c in self._columns]
            found = {}
            if self._keys:
                stmt, params = matching("records", self._columns, self._keys, self._model)
                stored = db.session.scalars(stmt, params)
                found = {tuple(getattr(obj, n) for n in names): obj for obj in stored}
            self._records = [found[k] for k in self._keys]
        return self._records

    def __len__(self) -> int:
        return len(self._keys)

    def __getitem__(self, index: Any) -> Any:
        return self._load()[index]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._load())


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
