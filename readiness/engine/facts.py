"""Keep the engine's derived data (readiness.engine.models) equal to what the records say.

`refresh` recomputes the facts of some people (or everyone) with a handful of set-based
statements; the signal receivers call it inside the transaction of every write that
changes the roster, the requirements or the records, so readers never see stale facts.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import cache
from typing import Any

from sqlalchemy import Executable, bindparam, case, delete, func, insert, select

from readiness.engine import rules
from readiness.engine.models import HELD, PersonFact, RequirementFact, refresh_people
from readiness.extensions import db
from readiness.personnel.models import Person

# Up to this many people are bound as parameters (an IN list the planner sees); more go
# through the scratch table, which also keeps within SQLite's limit on parameters.
_BIND_LIMIT = 500
_FACT_COLUMNS = ("person_id", "requirement_id", "unit_id", "assigned", "state", "expires_on")


def refresh(person_ids: Collection[int] | None = None) -> None:
    """Recompute the facts of `person_ids` (None: everyone) in the current transaction."""
    if person_ids is None:
        _run("everyone")
        return
    ids = sorted(set(person_ids))
    if not ids:
        return
    if len(ids) <= _BIND_LIMIT:
        _run("listed", {"person_ids": ids})
        return
    db.session.execute(insert(refresh_people), [{"person_id": i} for i in ids])
    try:
        _run("scratch")
    finally:
        db.session.execute(delete(refresh_people))


_FILTERS: dict[str, rules.PersonFilter] = {
    "everyone": rules.everyone,
    "listed": lambda column: column.in_(bindparam("person_ids", expanding=True)),
    "scratch": lambda column: column.in_(select(refresh_people.c.person_id)),
}


@cache
def _statements(kind: str) -> list[Executable]:
    # Built once: building the statements costs more than running them for one person.
    return statements(_FILTERS[kind])


def _run(kind: str, params: dict[str, Any] | None = None) -> None:
    for statement in _statements(kind):
        db.session.execute(statement, params)


def statements(people: rules.PersonFilter) -> list[Executable]:
    """Return the statements that recompute the facts of `people` (also run by migrations)."""
    # Core tables, not the ORM classes: an ORM insert with parameters would be a bulk insert.
    req_facts, person_facts_ = RequirementFact.__table__, PersonFact.__table__
    return [
        delete(req_facts).where(people(req_facts.c.person_id)),
        insert(req_facts).from_select(
            _FACT_COLUMNS, rules.standing(rules.applicable_pairs(people), None)),
        delete(person_facts_).where(people(person_facts_.c.person_id)),
        insert(person_facts_).from_select(
            ("person_id", "unit_id", "assigned", "blocked", "qualified_until"), person_facts(people)),
    ]


def person_facts(people: rules.PersonFilter) -> Any:
    """Return the select computing person facts from the requirement facts of `people`."""
    per_person = (
        select(RequirementFact.person_id,
               func.max(case((RequirementFact.state != HELD, 1), else_=0)).label("bad"),
               func.min(RequirementFact.expires_on).label("until"))
        .where(people(RequirementFact.person_id))
        .group_by(RequirementFact.person_id)
        .subquery()
    )
    return (
        select(Person.id, Person.unit_id, rules.is_assigned(Person),
               func.coalesce(per_person.c.bad, 0) == 1, per_person.c.until)
        .outerjoin(per_person, per_person.c.person_id == Person.id)
        .where(people(Person.id))
    )


def stale() -> dict[str, int]:
    """Count facts that differ from a recomputation (0, 0 when all is well); for checks."""
    fresh = rules.standing(rules.applicable_pairs(rules.everyone), None).subquery()
    stored = select(*(getattr(RequirementFact, c) for c in _FACT_COLUMNS))
    recomputed = select(*(fresh.c[c] for c in _FACT_COLUMNS))
    people_fresh = person_facts(rules.everyone).subquery()
    people_stored = select(PersonFact.person_id, PersonFact.unit_id, PersonFact.assigned,
                           PersonFact.blocked, PersonFact.qualified_until)
    people_recomputed = select(*people_fresh.c)
    return {
        "requirement_facts": _difference(stored, recomputed) + _difference(recomputed, stored),
        "person_facts": _difference(people_stored, people_recomputed)
        + _difference(people_recomputed, people_stored),
    }


def _difference(left: Any, right: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(left.except_(right).subquery())) or 0


def _on_change(_sender: Any, person_ids: Collection[int] | None = None, **_kw: Any) -> None:
    refresh(person_ids)


def _on_requirements_changed(_sender: Any, **_kw: Any) -> None:
    # Any person may gain or lose a requirement: recompute everyone.
    refresh(None)


def connect() -> None:
    """Connect the receivers that keep the facts current (idempotent)."""
    from readiness import signals

    signals.people_changed.connect(_on_change)
    signals.records_changed.connect(_on_change)
    signals.requirements_changed.connect(_on_requirements_changed)
