"""Set-based questions to the database, each answered in one or two statements.

Every question can be asked of three sources, which must agree:
- FACTS: the derived data, valid for today and later dates (records never lie ahead);
- RECORDS: applicability and the history of each standing from the facts, the records read
  only where two or more were made since the date (past dates);
- PLAIN: everything from the base tables, no derived data (the reference and the bench's baseline).

Statements are built once and cached, with bound parameters (`on`, `warn_until`, the
subtree's `path`, `person_id`): building one costs more than running it for a battalion.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    Date,
    Select,
    and_,
    bindparam,
    case,
    false,
    func,
    literal,
    not_,
    select,
    text,
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

ON = bindparam("on", type_=Date)
WARN_UNTIL = bindparam("warn_until", type_=Date)
#: A requirement's status counts are keyed requirement id × STATUS_KEYS + status code.
STATUS_KEYS = 8


class Source(enum.Enum):
    """Where the answers come from (see the module docstring)."""

    FACTS = "facts"
    RECORDS = "records"
    PLAIN = "plain"


def source_for(on: date, plain: bool = False) -> Source:
    """Return the cheapest source that is exact for `on`.

    Before today the records decide, read through the facts' history (RECORDS).
    """
    if plain:
        return Source.PLAIN
    return Source.FACTS if on >= rules.today() else Source.RECORDS


def _custom_plans() -> None:
    # psycopg prepares a statement on its sixth run, and PostgreSQL then may switch to a
    # generic plan that cannot see how selective `expires_on <= :on` is; plan each run.
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


def _day(on: date) -> dict[str, date]:
    return {"on": on, "warn_until": on + timedelta(days=rules.warning_days())}


def _status(below: Any, expires_on: Any) -> Any:
    return rules.status(below, expires_on, ON, WARN_UNTIL)


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
    rows = db.session.execute(_subtree_units(), {"path": unit.path})
    return [SubtreeUnit(*row) for row in rows]


@cache
def _subtree_units() -> Select[Any]:
    return (select(Unit.id, Unit.code, Unit.parent_id, Unit.path, Unit.depth, Unit.authorized_strength)
            .where(_in_subtree(Unit.path)).order_by(Unit.path))


def _in_subtree(path_column: Any) -> Any:
    # Paths hold digits and slashes only, so the prefix needs no escaping.
    return path_column.startswith(bindparam("path"))


def _subtree_ids() -> Select[Any]:
    return select(Unit.id).where(_in_subtree(Unit.path))


def _assigned_in_subtree(column: Any) -> Any:
    """People assigned (rule 8) to the subtree, from the roster itself."""
    return column.in_(select(Person.id).where(rules.is_assigned(Person), Person.unit_id.in_(_subtree_ids())))


@dataclass
class UnitCounts:
    """Counts of a subtree on a date: people per unit, statuses per requirement."""

    people: dict[int, tuple[int, int]]  # unit id → (assigned, qualified)
    requirements: dict[int, dict[str, int]]  # requirement id → status → count


def unit_counts(unit: Unit, on: date, source: Source) -> UnitCounts:
    """Count assigned and qualified people per unit, and statuses per requirement, on `on`."""
    params = {"path": unit.path, **_day(on)}
    _custom_plans()
    if source is Source.FACTS:
        return UnitCounts(_people_from_facts(params), _requirements_from_facts(params))
    requirements: dict[int, dict[str, int]] = defaultdict(dict)
    failing_in: dict[int, int] = {}
    scan = source is Source.RECORDS and _scans_facts(params)
    for kind, key, count in db.session.execute(_standing_counts(source, rules.prefers_joins(), scan), params):
        if kind == "r":
            rid, status = divmod(key, STATUS_KEYS)
            requirements[rid][rules.STATUS_ORDER[status]] = count
        else:
            failing_in[key] = count
    assigned = dict(db.session.execute(_assigned_per_unit(source), params).all())
    return UnitCounts({uid: (n, n - failing_in.get(uid, 0)) for uid, n in assigned.items()},
                      dict(requirements))


#: From this share of everyone assigned, SQLite reads a subtree's facts by scanning the whole
#: table in key order: a look-up through the unit index costs about four times a scanned row
#: (190 against 50 ms for the 450,000 facts of a national force).
SCAN_FROM_SHARE = 0.2


def _scans_facts(params: dict[str, Any]) -> bool:
    if rules.prefers_joins():  # PostgreSQL weighs an index against a scan itself
        return False
    inside, everyone = db.session.execute(_assigned_share(), params).one()
    return bool(everyone) and inside >= SCAN_FROM_SHARE * everyone


@cache
def _assigned_share() -> Select[Any]:
    t = UnitPersonTotal
    return select(func.coalesce(func.sum(case((t.unit_id.in_(_subtree_ids()), t.assigned), else_=0)), 0),
                  func.coalesce(func.sum(t.assigned), 0))


@cache
def _standing_counts(source: Source, grouped: bool, scan: bool = False) -> Any:
    """One pass over the standing on the day: statuses per requirement, and per unit the
    people with a failing requirement (everyone else assigned there is qualified).

    `scan` (SQLite, a past date, most of the force): the facts are read by scanning their
    table; SQLite uses no index for a term whose column sits inside an expression.
    """
    F = RequirementFact  # noqa: N806 - read like a table
    if source is Source.PLAIN:
        pairs = rules.applicable_pairs(_assigned_in_subtree, many=True)
        standing = rules.standing(pairs, ON, grouped=grouped)
    else:
        if scan:
            where = and_(func.coalesce(F.assigned, false()) == true(), (F.unit_id + 0).in_(_subtree_ids()))
        else:
            where = and_(F.assigned == true(), F.unit_id.in_(_subtree_ids()))
        standing = rules.standing_from_facts(where, ON)
        # Only what the counts read goes into the materialised rows.
        read = ("person_id", "requirement_id", "unit_id", "below", "expires_on")
        standing = standing.with_only_columns(*(standing.selected_columns[name] for name in read))
    # Materialised: both counts read it, and it is the costly part.
    st = standing.cte("standing").prefix_with("MATERIALIZED")
    # Grouped by one integer, requirement and status together: SQLite sorts the pairs to
    # group them, and an integer key sorts in two thirds of the time of (id, name).
    code = rules.status(st.c.below, st.c.expires_on, ON, WARN_UNTIL, coded=True)
    key = st.c.requirement_id * STATUS_KEYS + code
    failing = not_(rules.is_good(st.c.below, st.c.expires_on, ON))
    return union_all(
        select(literal("r"), key, func.count()).group_by(key),
        select(literal("u"), st.c.unit_id, func.count(st.c.person_id.distinct()))
        .where(failing).group_by(st.c.unit_id),
    )


@cache
def _assigned_per_unit(source: Source) -> Select[Any]:
    """Assigned people per unit of the subtree: the totals, or the roster itself (PLAIN)."""
    if source is Source.PLAIN:
        return (select(Person.unit_id, func.count())
                .where(rules.is_assigned(Person), Person.unit_id.in_(_subtree_ids()))
                .group_by(Person.unit_id))
    return select(UnitPersonTotal.unit_id, UnitPersonTotal.assigned).where(
        UnitPersonTotal.unit_id.in_(_subtree_ids()))


def _people_from_facts(params: dict[str, Any]) -> dict[int, tuple[int, int]]:
    # Qualified = assigned − blocked − those whose earliest expiry has come by the day;
    # only the last are read person by person, through the expiry index.
    totals, lapsed_stmt = _people_statements()
    lapsed = dict(db.session.execute(lapsed_stmt, params).all())
    return {uid: (assigned, assigned - blocked - lapsed.get(uid, 0))
            for uid, assigned, blocked in db.session.execute(totals, params)}


@cache
def _people_statements() -> tuple[Select[Any], Select[Any]]:
    f = PersonFact
    return (
        select(UnitPersonTotal.unit_id, UnitPersonTotal.assigned, UnitPersonTotal.blocked)
        .where(UnitPersonTotal.unit_id.in_(_subtree_ids())),
        select(f.unit_id, func.count())
        .where(f.assigned == true(), f.blocked == false(), f.unit_id.in_(_subtree_ids()),
               f.qualified_until <= ON)
        .group_by(f.unit_id),
    )


def _requirements_from_facts(params: dict[str, Any]) -> dict[int, dict[str, int]]:
    # The totals per state hold for any day; a day only turns the facts that expire by the
    # end of its warning window into `expired` or `expiring`, and only those are read.
    totals_stmt, soon_stmt = _requirement_statements()
    totals: dict[int, dict[int, int]] = defaultdict(dict)
    for rid, state, people in db.session.execute(totals_stmt, params):
        totals[rid][state] = int(people)
    soon: dict[int, dict[tuple[int, bool], int]] = defaultdict(dict)
    for rid, below, lapsed, people in db.session.execute(soon_stmt, params):
        soon[rid][(INSUFFICIENT if below else HELD, bool(lapsed))] = people
    out = {}
    for rid, by_state in totals.items():
        near = soon.get(rid, {})
        expired_held, expired_low = near.get((HELD, True), 0), near.get((INSUFFICIENT, True), 0)
        expiring = near.get((HELD, False), 0)
        counts = {"missing": by_state.get(MISSING, 0), "expired": expired_held + expired_low,
                  "insufficient": by_state.get(INSUFFICIENT, 0) - expired_low, "expiring": expiring,
                  "valid": by_state.get(HELD, 0) - expired_held - expiring}
        out[rid] = {k: v for k, v in counts.items() if v}
    return out


@cache
def _requirement_statements() -> tuple[Select[Any], Select[Any]]:
    t, f = UnitRequirementTotal, RequirementFact
    lapsed = f.expires_on <= ON
    return (
        select(t.requirement_id, t.state, func.sum(t.people))
        .where(t.unit_id.in_(_subtree_ids())).group_by(t.requirement_id, t.state),
        select(f.requirement_id, f.below, lapsed, func.count())
        .where(f.assigned == true(), f.unit_id.in_(_subtree_ids()), f.expires_on <= WARN_UNTIL)
        .group_by(f.requirement_id, f.below, lapsed),
    )


# ---- one person -------------------------------------------------------------------------------

@dataclass(frozen=True)
class PersonStatus:
    """A requirement that applies to a person, its status on the date, and what it asks for."""

    requirement_id: int
    status: str
    expires_on: date | None
    target: str


def person_statuses(person: Person, on: date, source: Source) -> list[PersonStatus]:
    """Return the status on `on` of every requirement that applies to `person`, by requirement id."""
    rows = db.session.execute(_person_statement(source), {"person_id": person.id, **_day(on)})
    return sorted((PersonStatus(rid, status, rules.shown_expiry(exp), target_name(*asked))
                   for rid, status, exp, *asked in rows), key=lambda s: s.requirement_id)


@cache
def _person_statement(source: Source) -> Select[Any]:
    # What each requirement asks for comes in the same statement: one round trip per person.
    st = _person_standing(source).subquery("statuses")
    return (select(st.c.requirement_id, st.c.status, st.c.expires_on, *_TARGET_COLUMNS)
            .join_from(st, Requirement, Requirement.id == st.c.requirement_id)
            .outerjoin(Course, Course.id == Requirement.course_id)
            .outerjoin(Standard, Standard.id == Requirement.standard_id))


def _person_standing(source: Source) -> Select[Any]:
    person_id = bindparam("person_id")
    if source is Source.FACTS:
        f = RequirementFact
        return select(f.requirement_id, _status(f.below, f.expires_on).label("status"), f.expires_on).where(
            f.person_id == person_id)
    if source is Source.PLAIN:
        standing = rules.standing(rules.applicable_pairs(lambda column: column == person_id), ON)
    else:
        standing = rules.standing_from_facts(RequirementFact.person_id == person_id, ON)
    st = standing.subquery("standing")
    return select(st.c.requirement_id, _status(st.c.below, st.c.expires_on).label("status"), st.c.expires_on)


# ---- the forecast ----------------------------------------------------------------------------

def qualified_until_counts(unit: Unit, source: Source) -> dict[tuple[bool, date], int]:
    """Count assigned people of the subtree by (blocked, qualified_until): the future in one table."""
    _custom_plans()
    rows = db.session.execute(_until_statement(source, rules.prefers_joins()), {"path": unit.path})
    return {(bool(blocked), until): n for blocked, until, n in rows}


@cache
def _until_statement(source: Source, grouped: bool) -> Select[Any]:
    if source is Source.FACTS:
        f = PersonFact
        return (select(f.blocked, f.qualified_until, func.count())
                .where(f.assigned == true(), f.unit_id.in_(_subtree_ids()))
                .group_by(f.blocked, f.qualified_until))
    # PLAIN: the same table straight from the records, no derived data.
    pairs = rules.applicable_pairs(_assigned_in_subtree, many=True)
    st = rules.standing(pairs, None, grouped=grouped).subquery("standing")
    per_person = (select(st.c.person_id,
                         func.max(case((rules.fact_state(st.c.below, st.c.expires_on) != HELD, 1), else_=0))
                         .label("bad"),
                         func.min(st.c.expires_on).label("until"))
                  .group_by(st.c.person_id).subquery("per_person"))
    bad, until = func.coalesce(per_person.c.bad, 0), func.coalesce(per_person.c.until, FOREVER)
    return (select(bad, until, func.count())
            .select_from(Person).outerjoin(per_person, per_person.c.person_id == Person.id)
            .where(_assigned_in_subtree(Person.id))
            .group_by(bad, until))


def authorized_strength(unit: Unit) -> int:
    """Return the authorized strength of `unit`'s subtree."""
    return db.session.scalar(_authorized_statement(), {"path": unit.path}) or 0


@cache
def _authorized_statement() -> Select[Any]:
    return select(func.coalesce(func.sum(Unit.authorized_strength), 0)).where(_in_subtree(Unit.path))


# ---- labels ---------------------------------------------------------------------------------

_TARGET_COLUMNS = (Course.code, Standard.code.label("standard_code"), Standard.scale, Requirement.min_level)


def targets(requirement_ids: set[int]) -> dict[int, str]:
    """Return what each requirement asks for: a course code, or a standard code and minimum."""
    if not requirement_ids:
        return {}
    rows = db.session.execute(
        select(Requirement.id, *_TARGET_COLUMNS)
        .outerjoin(Course, Course.id == Requirement.course_id)
        .outerjoin(Standard, Standard.id == Requirement.standard_id)
        .where(Requirement.id.in_(requirement_ids)))
    return {rid: target_name(*asked) for rid, *asked in rows}


def target_name(course: str | None, standard: str | None, scale: str | None, minimum: str | None) -> str:
    """Return what a requirement asks for, from its course, or its standard, scale and minimum."""
    if course is not None:
        return course
    if minimum and scale == "slp":
        return f"{standard} {slp.display(minimum)}"
    return f"{standard} {minimum}" if minimum else str(standard)
