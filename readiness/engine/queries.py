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
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    false,
    func,
    literal,
    not_,
    select,
    true,
    union_all,
)

from readiness.engine import rules
from readiness.engine.models import (
    FOREVER,
    HELD,
    INSUFFICIENT,
    MISSING,
    PersonFact,
    RequirementFact,
    UnitPersonTotal,
    UnitRequirementTotal,
)
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
    return (select(f.person_id, f.requirement_id, f.unit_id, f.assigned, f.course_id, f.standard_id)
            .where(where))


def _standing(unit: Unit, on: date, source: Source) -> Any:
    """Standing on `on` of the assigned people of the subtree (RECORDS or PLAIN)."""
    if source is Source.PLAIN:
        pairs = rules.applicable_pairs(_assigned_in(unit))
    else:
        pairs = _pairs_from_facts(and_(RequirementFact.assigned == true(),
                                       RequirementFact.unit_id.in_(_subtree_ids(unit))))
    # Materialised: both counts of unit_counts read it, and it is the costly part.
    return rules.standing(pairs, on).cte("standing").prefix_with("MATERIALIZED")


@dataclass
class UnitCounts:
    """Counts of a subtree on a date: people per unit, statuses per requirement."""

    people: dict[int, tuple[int, int]]  # unit id → (assigned, qualified)
    requirements: dict[int, dict[str, int]]  # requirement id → status → count


def unit_counts(unit: Unit, on: date, source: Source) -> UnitCounts:
    """Count assigned and qualified people per unit, and statuses per requirement, on `on`."""
    if source is Source.FACTS:
        return UnitCounts(_people_from_facts(unit, on), _requirements_from_facts(unit, on))
    # One pass over the standing: statuses per requirement, and per unit the people with
    # a requirement that fails on the date (everyone else assigned there is qualified).
    st = _standing(unit, on, source)
    status = rules.status(st.c.below, st.c.expires_on, on)
    failing = not_(rules.is_good(st.c.below, st.c.expires_on, on))
    rows = db.session.execute(union_all(
        select(literal("r"), st.c.requirement_id, status, func.count())
        .group_by(st.c.requirement_id, status),
        select(literal("u"), st.c.unit_id, literal("failing"), func.count(st.c.person_id.distinct()))
        .where(failing).group_by(st.c.unit_id),
    ))
    requirements: dict[int, dict[str, int]] = defaultdict(dict)
    failing_in: dict[int, int] = {}
    for kind, key, name, count in rows:
        if kind == "r":
            requirements[key][name] = count
        else:
            failing_in[key] = count
    return UnitCounts({uid: (assigned, assigned - failing_in.get(uid, 0))
                       for uid, assigned in _assigned(unit, source).items()}, dict(requirements))


def _assigned(unit: Unit, source: Source) -> dict[int, int]:
    """Assigned people per unit of the subtree: the totals, or the roster itself (PLAIN)."""
    if source is Source.PLAIN:
        stmt = (select(Person.unit_id, func.count())
                .where(rules.is_assigned(Person), Person.unit_id.in_(_subtree_ids(unit)))
                .group_by(Person.unit_id))
    else:
        stmt = select(UnitPersonTotal.unit_id, UnitPersonTotal.assigned).where(
            UnitPersonTotal.unit_id.in_(_subtree_ids(unit)))
    return dict(db.session.execute(stmt).all())


def _people_from_facts(unit: Unit, on: date) -> dict[int, tuple[int, int]]:
    # Qualified = assigned − blocked − those whose earliest expiry has come by `on`;
    # only the last are read person by person, through the expiry index.
    totals = db.session.execute(
        select(UnitPersonTotal.unit_id, UnitPersonTotal.assigned, UnitPersonTotal.blocked)
        .where(UnitPersonTotal.unit_id.in_(_subtree_ids(unit))))
    f = PersonFact
    lapsed = dict(db.session.execute(
        select(f.unit_id, func.count())
        .where(f.assigned == true(), f.blocked == false(), f.unit_id.in_(_subtree_ids(unit)),
               f.qualified_until <= on)
        .group_by(f.unit_id)).all())
    return {uid: (assigned, assigned - blocked - lapsed.get(uid, 0)) for uid, assigned, blocked in totals}


def _requirements_from_facts(unit: Unit, on: date) -> dict[int, dict[str, int]]:
    # The totals per state hold for any date; a date only turns facts that expire by
    # `on` + the warning window into `expired` or `expiring`, and only those are read.
    t = UnitRequirementTotal
    totals: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for rid, state, people in db.session.execute(
            select(t.requirement_id, t.state, func.sum(t.people))
            .where(t.unit_id.in_(_subtree_ids(unit))).group_by(t.requirement_id, t.state)):
        totals[rid][state] = int(people)
    f = RequirementFact
    lapsed = f.expires_on <= on
    soon: dict[int, dict[tuple[int, bool], int]] = defaultdict(lambda: defaultdict(int))
    for rid, below, is_lapsed, people in db.session.execute(
            select(f.requirement_id, f.below, lapsed, func.count())
            .where(f.assigned == true(), f.unit_id.in_(_subtree_ids(unit)),
                   f.expires_on <= on + timedelta(days=rules.warning_days()))
            .group_by(f.requirement_id, f.below, lapsed)):
        soon[rid][(INSUFFICIENT if below else HELD, bool(is_lapsed))] = people
    out = {}
    for rid, by_state in totals.items():
        near = soon.get(rid, {})
        expired_held, expired_low = near.get((HELD, True), 0), near.get((INSUFFICIENT, True), 0)
        expiring = near.get((HELD, False), 0)
        out[rid] = {"missing": by_state.get(MISSING, 0), "expired": expired_held + expired_low,
                    "insufficient": by_state.get(INSUFFICIENT, 0) - expired_low,
                    "expiring": expiring, "valid": by_state.get(HELD, 0) - expired_held - expiring}
    return {rid: {k: v for k, v in counts.items() if v} for rid, counts in out.items()}


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
        stmt = select(f.requirement_id, rules.status(f.below, f.expires_on, on), f.expires_on).where(
            f.person_id == person.id)
    else:
        if source is Source.PLAIN:
            pairs = rules.applicable_pairs(lambda column: column == person.id)
        else:
            pairs = _pairs_from_facts(RequirementFact.person_id == person.id)
        st = rules.standing(pairs, on).subquery("standing")
        stmt = select(st.c.requirement_id, rules.status(st.c.below, st.c.expires_on, on), st.c.expires_on)
    rows = db.session.execute(stmt)
    return sorted((PersonStatus(rid, name, rules.shown_expiry(exp)) for rid, name, exp in rows),
                  key=lambda s: s.requirement_id)


# ---- the forecast ----------------------------------------------------------------------------

def qualified_until_counts(unit: Unit, source: Source) -> dict[tuple[bool, date], int]:
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
                         func.max(case((rules.fact_state(st.c.below, st.c.expires_on) != HELD, 1), else_=0))
                         .label("bad"),
                         func.min(st.c.expires_on).label("until"))
                  .group_by(st.c.person_id).subquery("per_person"))
    bad, until = func.coalesce(per_person.c.bad, 0), func.coalesce(per_person.c.until, FOREVER)
    rows = db.session.execute(
        select(bad, until, func.count())
        .select_from(Person).outerjoin(per_person, per_person.c.person_id == Person.id)
        .where(_assigned_in(unit)(Person.id))
        .group_by(bad, until))
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
