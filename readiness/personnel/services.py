"""Personnel rules: the roster by service number, unit scope, and the bulk contract."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Select, false, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from readiness import audit
from readiness.auth.scope import ensure_writable, in_scope
from readiness.errors import ConflictError, ForbiddenError, InvalidError, NotFoundError
from readiness.extensions import db
from readiness.personnel.models import Person
from readiness.signals import people_changed
from readiness.units.models import Unit
from readiness.units.services import units_by_code

FIELDS = ("service_number", "rank", "family_name", "given_name", "patronymic", "unit", "role",
          "status", "earmarked", "email")
COLUMNS = tuple(f for f in FIELDS if f != "unit")
DEFAULTS: dict[str, Any] = {"patronymic": None, "status": "active", "earmarked": False, "email": None}

# IN lists stay well below the bind-parameter limits of SQLite and PostgreSQL.
CHUNK = 1000

Errors = dict[int, dict[str, list[str]]]


def get_person(service_number: str) -> Person:
    """Return the person with `service_number` or raise NotFoundError."""
    person = db.session.scalar(select(Person).where(Person.service_number == service_number))
    if person is None:
        raise NotFoundError(f"Person {service_number!r} not found.")
    return person


def people_by_service_number(numbers: Iterable[str]) -> dict[str, Person]:
    """Return the people among `numbers`, by service number (one query per thousand)."""
    wanted = sorted(set(numbers))
    found: dict[str, Person] = {}
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start:start + CHUNK]
        found.update((p.service_number, p) for p in
                     db.session.scalars(select(Person).where(Person.service_number.in_(chunk))))
    return found


# Lower-casing in SQL is not the same everywhere: SQLite folds ASCII only, and PostgreSQL
# turns İ into i where Python makes it i + combining dot. Folding the Azerbaijani capitals
# (and the dotted/dotless i pair) by hand on both sides makes the search agree.
_FOLD = {"İ": "i", "ı": "i", "I": "i", "Ə": "ə", "Ğ": "ğ", "Ş": "ş", "Ç": "ç", "Ö": "ö", "Ü": "ü"}


def _fold(text: str) -> str:
    return "".join(_FOLD.get(ch, ch) for ch in text).lower()


def _fold_sql(column: Any) -> ColumnElement[str]:
    expr = column
    for upper, lower in _FOLD.items():
        if not upper.isascii():
            expr = func.replace(expr, upper, lower)
    return func.lower(expr)


def list_people(filters: dict[str, Any], scope_clause: Any) -> Select[tuple[Person]]:
    """Return the statement listing people in scope (a clause on Unit), filtered by `filters`."""
    stmt = (select(Person).join(Person.unit).options(contains_eager(Person.unit))
            .where(scope_clause)
            .order_by(Person.family_name, Person.given_name, Person.service_number))
    if "unit" in filters:
        path = db.session.scalar(select(Unit.path).where(Unit.code == filters["unit"]))
        # An unknown unit has no people; saying so would also tell which codes exist.
        stmt = stmt.where(Unit.path.startswith(path, autoescape=True) if path else false())
    for key in ("role", "status", "earmarked", "rank", "service_number"):
        if key in filters:
            stmt = stmt.where(getattr(Person, key) == filters[key])
    if "q" in filters:
        needle = _fold(filters["q"])
        stmt = stmt.where(or_(_fold_sql(Person.family_name).contains(needle, autoescape=True),
                              _fold_sql(Person.given_name).contains(needle, autoescape=True)))
    return stmt


def _names(values: Iterable[str]) -> str:
    return ", ".join(repr(v) for v in sorted(set(values)))


def _taken_numbers(numbers: list[str]) -> set[str]:
    wanted = sorted(set(numbers))
    taken: set[str] = set()
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start:start + CHUNK]
        taken.update(db.session.scalars(
            select(Person.service_number).where(Person.service_number.in_(chunk))))
    return taken


def _check_units(rows: list[dict[str, Any]], units: dict[str, Unit],
                 actor: Any) -> tuple[Errors, Errors]:
    unknown: Errors = {}
    outside: Errors = {}
    for i, row in enumerate(rows):
        code = row["unit"]
        unit = units.get(code)
        if unit is None:
            unknown[i] = {"unit": [f"Unknown unit {code!r}."]}
        # No actor is the system itself (CLI imports): the whole force.
        elif actor is not None and not in_scope(actor, unit):
            outside[i] = {"unit": [f"Unit {code!r} is outside your scope."]}
    return unknown, outside


def _check_numbers(numbers: list[str]) -> tuple[Errors, list[str]]:
    errors: Errors = {}
    messages: list[str] = []
    taken = _taken_numbers(numbers)
    where: dict[str, list[int]] = defaultdict(list)
    for i, number in enumerate(numbers):
        where[number].append(i)
    repeated = {n for n, count in Counter(numbers).items() if count > 1}
    for i, number in enumerate(numbers):
        if number in taken:
            errors[i] = {"service_number": [f"Service number {number!r} already exists."]}
        elif number in repeated:
            items = ", ".join(str(j) for j in where[number])
            errors[i] = {"service_number": [
                f"Service number {number!r} is given more than once in the list (items {items})."]}
    if taken:
        messages.append(f"Service number(s) already exist: {_names(taken)}.")
    if repeated - taken:
        messages.append(f"Service number(s) given more than once: {_names(repeated - taken)}.")
    return errors, messages


# Changing these changes which requirements apply and who counts as assigned.
READINESS_FIELDS = {"unit", "role", "status", "earmarked"}


def create_people(rows: list[dict[str, Any]], actor: Any) -> list[Person]:
    """Create people from schema-loaded rows, all or none; return them in the same order."""
    units = units_by_code({row["unit"] for row in rows})
    unknown, outside = _check_units(rows, units, actor)
    if outside:
        codes = {rows[i]["unit"] for i in outside}
        raise ForbiddenError(f"Outside your scope: unit(s) {_names(codes)}. Nothing was created.",
                             outside)
    duplicates, messages = _check_numbers([row["service_number"] for row in rows])
    if unknown:
        codes = {rows[i]["unit"] for i in unknown}
        errors: Errors = {i: {**unknown.get(i, {}), **duplicates.get(i, {})}
                          for i in sorted(unknown.keys() | duplicates.keys())}
        raise InvalidError(" ".join([f"Unknown unit(s): {_names(codes)}.", *messages,
                                     "Nothing was created."]), errors)
    if duplicates:
        raise ConflictError(" ".join([*messages, "Nothing was created."]), duplicates)

    values = [{**DEFAULTS, **{c: row[c] for c in COLUMNS if c in row},
               "unit_id": units[row["unit"]].id} for row in rows]
    try:
        # One executemany for the whole list, not one ORM flush per object.
        db.session.execute(Person.__table__.insert(), values)
    except IntegrityError as exc:
        raise ConflictError("A concurrent change took a service number or removed a unit; "
                            "nothing was created. Try again.") from exc
    found = people_by_service_number(row["service_number"] for row in rows)
    people = [found[row["service_number"]] for row in rows]
    audit.record_many(actor, "create", "person", [
        (person.service_number, {f: row.get(f, DEFAULTS.get(f)) for f in FIELDS})
        for person, row in zip(people, rows, strict=True)
    ])
    db.session.flush()
    people_changed.send(person_ids=[person.id for person in people])
    return people


def update_person(person: Person, data: dict[str, Any], actor: Any) -> Person:
    """Change a person; a move must stay in the actor's scope, a new service number be free."""
    unit = person.unit
    if "unit" in data and data["unit"] != person.unit.code:
        found = units_by_code({data["unit"]}).get(data["unit"])
        if found is None:
            raise InvalidError(f"Unknown unit {data['unit']!r}.",
                               {"unit": [f"Unknown unit {data['unit']!r}."]})
        if actor is not None:
            ensure_writable(actor, found)
        unit = found
    number = data.get("service_number", person.service_number)
    if number != person.service_number and _taken_numbers([number]):
        raise ConflictError(f"Service number {number!r} already exists.",
                            {"service_number": [f"Service number {number!r} already exists."]})

    changes: dict[str, Any] = {}
    if unit is not person.unit:
        changes["unit"] = [person.unit.code, unit.code]
        person.unit = unit
    for field in COLUMNS:
        if field in data and data[field] != getattr(person, field):
            changes[field] = [getattr(person, field), data[field]]
            setattr(person, field, data[field])
    try:
        db.session.flush()
    except IntegrityError as exc:
        raise ConflictError("A concurrent change took this service number or removed the unit; "
                            "nothing was changed. Try again.") from exc
    if changes:
        audit.record(actor, "update", "person", person.service_number, changes)
    if changes.keys() & READINESS_FIELDS:
        people_changed.send(person_ids=[person.id])
    return person
