"""Set-based questions to the database, each answered in one or two statements.

Every question can be asked of three sources, which must agree:
- FACTS: the derived data, valid for today and later dates (records never lie ahead);
- RECORDS: applicability from the facts, standing from the records on the date (past dates);
- PLAIN: everything from the base tables, no derived data (the reference and the bench's baseline).
"""

from __future__ import annotations

import enum
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, not_, select, true

from readiness.engine import rules
from readiness.engine.models import HELD, PersonFact, RequirementFact
from readiness.extensions import db
from readiness.personnel.models import Person
from readiness.training import slp
from readiness.training.models import Course, Requirement, Standard
from readiness.units.models import Unit


class Source(enum.Enum):
    """Where the answers come from (see the module docstring)."""

    FACTS = "facts"
    RECORDS = "records"
    PLAIN = "plain"


def source_for(on: date, plain: bool = False) -> Source:
    """Return the cheapest source that is exact for `on`."""
    if plain:
        return Source.PLAIN
    return Source.FACTS if on >= rules.today() else Source.RECORDS


@dataclass(frozen=True)
class SubtreeUnit:
    """A unit of a subtree, with what the roll-up needs."""

    id: int
    code: str
    parent_id: int | None
    path: str
    depth: int
    authorized: int


def subtree(unit: Unit) -> list[SubtreeUnit]:
    """Return the units of `unit`'s subtree, in path order."""
    rows = db.session.execute(
        select(Unit.id, Unit.code, Unit.parent_id, Unit.path, Unit.depth, Unit.authorized_strength)
        .where(Unit.path.startswith(unit.path, autoescape=True)).order_by(Unit.path))
    return [SubtreeUnit(*row) for row in rows]


def _subtree_ids(unit: Unit) -> Select[Any]:
    return select(Unit.id).where(Unit.path.startswith(unit.path, autoescape=True))


def _assigned_in(unit: Unit) -> rules.PersonFilter:
    """People assigned (rule 8) to `unit`'s subtree, from the roster itself."""
    people = (select(Person.id).where(rules.is_assigned(Person), Person.unit_id.in_(_subtree_ids(unit))))
    return lambda column: column.in_(people)


def _pairs_from_facts(where: ColumnElement[bool]) -> Select[Any]:
    """The applicable pairs as the facts list them, with the columns of rules.applicable_pairs."""
    f = RequirementFact
    return (select(f.person_id, f.requirement_id, f.unit_id, f.assigned,
                   Requirement.course_id, Requirement.standard_id, Requirement.min_level)
            .join(Requirement, Requirement.id == f.requirement_id).where(where))


def _standing(unit: Unit, on: date, source: Source) -> Any:
    """Standing on `on` of the assigned people of the subtree (RECORDS or PLAIN)."""
    if source is Source.PLAIN:
        pairs = rules.applicable_pairs(_assigned_in(unit))
    else:
        pairs = _pairs_from_facts(and_(RequirementFact.assigned == true(),
                                       RequirementFact.unit_id.in_(_subtree_ids(unit))))
    return rules.standing(pairs, on).subquery("standing")


@dataclass
class UnitCounts:
    """Counts of a subtree on a date: people per unit, statuses per requirement."""

    people: dict[int, tuple[int, int]]  # unit id → (assigned, qualified)
    requirements: dict[int, dict[str, int]]  # requirement id → status → count


def unit_counts(unit: Unit, on: date, source: Source) -> UnitCounts:
    """Count assigned and qualified people per unit, and statuses per requirement, on `on`."""
    if source is Source.FACTS:
        return UnitCounts(_people_from_facts(unit, on), _requirements_from_facts(unit, on))
    st = _standing(unit, on, source)
    status = rules.status(st.c.state, st.c.expires_on, on)
    per_requirement = select(st.c.requirement_id, status, func.count()).group_by(st.c.requirement_id, status)
    requirements: dict[int, dict[str, int]] = defaultdict(dict)
    for rid, name, count in db.session.execute(per_requirement):
        requirements[rid][name] = count
    return UnitCounts(_people_from_standing(unit, on, source, st), dict(requirements))


def _people_from_facts(unit: Unit, on: date) -> dict[int, tuple[int, int]]:
    f = PersonFact
    qualified = rules.qualified_from_facts(f.blocked, f.qualified_until, on)
    rows = db.session.execute(
        select(f.unit_id, func.count(), func.sum(case((qualified, 1), else_=0)))
        .where(f.assigned == true(), f.unit_id.in_(_subtree_ids(unit))).group_by(f.unit_id))
    return {uid: (assigned, int(q or 0)) for uid, assigned, q in rows}


def _requirements_from_facts(unit: Unit, on: date) -> dict[int, dict[str, int]]:
    f = RequirementFact
    status = rules.status(f.state, f.expires_on, on)
    rows = db.session.execute(
        select(f.requirement_id, status, func.count())
        .where(f.assigned == true(), f.unit_id.in_(_subtree_ids(unit)))
        .group_by(f.requirement_id, status))
    out: dict[int, dict[str, int]] = defaultdict(dict)
    for rid, name, count in rows:
        out[rid][name] = count
    return dict(out)


def _people_from_standing(unit: Unit, on: date, source: Source, st: Any) -> dict[int, tuple[int, int]]:
    """Per unit: assigned people, and those of them with no requirement failing on `on`."""
    failing = (select(st.c.person_id).where(not_(rules.is_good(st.c.state, st.c.expires_on, on)))
               .group_by(st.c.person_id).subquery("failing"))
    if source is Source.PLAIN:
        people = select(Person.id.label("id"), Person.unit_id.label("unit_id")).where(
            rules.is_assigned(Person), Person.unit_id.in_(_subtree_ids(unit))).subquery("people")
    else:
        people = select(PersonFact.person_id.label("id"), PersonFact.unit_id.label("unit_id")).where(
            PersonFact.assigned == true(), PersonFact.unit_id.in_(_subtree_ids(unit))).subquery("people")
    rows = db.session.execute(
        select(people.c.unit_id, func.count(),
               func.sum(case((failing.c.person_id.is_(None), 1), else_=0)))
        .select_from(people).outerjoin(failing, failing.c.person_id == people.c.id)
        .group_by(people.c.unit_id))
    return {uid: (assigned, int(q or 0)) for uid, assigned, q in rows}


# ---- one person -------------------------------------------------------------------------------

@dataclass(frozen=True)
class PersonStatus:
    """A requirement that applies to a person, and its status on the date."""

    requirement_id: int
    status: str
    expires_on: date | None


def person_statuses(person: Person, on: date, source: Source) -> list[PersonStatus]:
    """Return the status on `on` of every requirement that applies to `person`, by requirement id."""
    if source is Source.FACTS:
        f = RequirementFact
        stmt = select(f.requirement_id, rules.status(f.state, f.expires_on, on), f.expires_on).where(
            f.person_id == person.id)
    else:
        if source is Source.PLAIN:
            pairs = rules.applicable_pairs(lambda column: column == person.id)
        else:
            pairs = _pairs_from_facts(RequirementFact.person_id == person.id)
        st = rules.standing(pairs, on).subquery("standing")
        stmt = select(st.c.requirement_id, rules.status(st.c.state, st.c.expires_on, on), st.c.expires_on)
    rows = db.session.execute(stmt)
    return sorted((PersonStatus(*row) for row in rows), key=lambda s: s.requirement_id)


# ---- the forecast ----------------------------------------------------------------------------

def qualified_until_counts(unit: Unit, source: Source) -> dict[tuple[bool, date | None], int]:
    """Count assigned people of the subtree by (blocked, qualified_until): the future in one table."""
    if source is Source.FACTS:
        f = PersonFact
        rows = db.session.execute(
            select(f.blocked, f.qualified_until, func.count())
            .where(f.assigned == true(), f.unit_id.in_(_subtree_ids(unit)))
            .group_by(f.blocked, f.qualified_until))
        return {(bool(b), until): n for b, until, n in rows}
    # PLAIN: the same table straight from the records, no derived data.
    st = rules.standing(rules.applicable_pairs(_assigned_in(unit)), None).subquery("standing")
    per_person = (select(st.c.person_id,
                         func.max(case((st.c.state != HELD, 1), else_=0)).label("bad"),
                         func.min(st.c.expires_on).label("until"))
                  .group_by(st.c.person_id).subquery("per_person"))
    rows = db.session.execute(
        select(func.coalesce(per_person.c.bad, 0), per_person.c.until, func.count())
        .select_from(Person).outerjoin(per_person, per_person.c.person_id == Person.id)
        .where(_assigned_in(unit)(Person.id))
        .group_by(func.coalesce(per_person.c.bad, 0), per_person.c.until))
    return {(bool(b), until): n for b, until, n in rows}


# ---- labels ---------------------------------------------------------------------------------

def targets(requirement_ids: set[int]) -> dict[int, str]:
    """Return what each requirement asks for: a course code, or a standard code and minimum."""
    if not requirement_ids:
        return {}
    rows = db.session.execute(
        select(Requirement.id, Course.code, Standard.code, Standard.scale, Requirement.min_level)
        .outerjoin(Course, Course.id == Requirement.course_id)
        .outerjoin(Standard, Standard.id == Requirement.standard_id)
        .where(Requirement.id.in_(requirement_ids)))
    out = {}
    for rid, course, standard, scale, minimum in rows:
        if course is not None:
            out[rid] = course
        elif minimum and scale == "slp":
            out[rid] = f"{standard} {slp.display(minimum)}"
        else:
            out[rid] = f"{standard} {minimum}" if minimum else standard
    return out
