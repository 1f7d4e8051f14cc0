"""Look up a whole list of keys in one query: people, catalogue entries, stored records.

The keys travel as ONE JSON parameter that the database unpacks into a table (SQLite's
json_each, PostgreSQL's json_array_elements) and joins on its indexes; a long list on
PostgreSQL goes through a temporary table instead. An IN list would need a bound
parameter per value (SQLite builds may stop at 999), and a row-value IN list makes SQLite
scan the whole index for every chunk.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

import orjson
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
from readiness.extensions import db
from readiness.personnel.models import Person
from readiness.records.bulk import BULK_FROM
from readiness.units.models import Unit

Key = tuple[Any, ...]
T = TypeVar("T")


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


def locked(stmt: Select[Any], *tables: Any) -> Select[Any]:
    """Return `stmt` locking the rows it reads of `tables` as a foreign key check does (PostgreSQL).

    FOR KEY SHARE: until the transaction ends, nobody can delete these rows or change their
    keys, while updates of other columns go on. SQLite writes one transaction at a time.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        return stmt
    return stmt.with_for_update(read=True, key_share=True, of=list(tables))


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
