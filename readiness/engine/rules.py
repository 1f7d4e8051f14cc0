"""The readiness rules of DESIGN.md §2, each stated once.

Rules 2–7 are SQL building blocks (set-based, SQLite and PostgreSQL alike): which
requirements apply to whom, what a person's records make of a requirement on a date,
and the status that follows. Rule 1 and rule 5's parsing live in readiness.training
(dates, slp); rules 8 and 9's percentages and levels and rule 10's forecast points are
plain Python in readiness.engine.levels.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    false,
    func,
    literal,
    not_,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import aliased

from readiness.engine.models import FOREVER, HELD, INSUFFICIENT, MISSING, RequirementFact
from readiness.personnel.models import Person
from readiness.training.models import Attainment, Completion, Requirement, Standard
from readiness.units.models import Unit

STATUSES = ("valid", "expiring", "expired", "insufficient", "missing")
GOOD = ("valid", "expiring")

#: Restricts a statement to some people: takes the person-id column, returns a WHERE clause.
PersonFilter = Callable[[Any], ColumnElement[bool]]


def everyone(_column: Any) -> ColumnElement[bool]:
    """Keep every person."""
    return true()


def today() -> date:
    """Return today's date in the configured time zone."""
    return datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()


def warning_days() -> int:
    """Return EXPIRY_WARNING_DAYS (rule 3)."""
    return int(current_app.config["EXPIRY_WARNING_DAYS"])


# ---- rule 5: STANAG 6001 profiles compared per skill, in SQL ---------------------------

# A stored profile ('3+32+2') becomes four letters, one per skill, ordered like the skill
# values of readiness.training.slp (2·level + plus): 'a' = 0, 'b' = 0+, … 'k' = 5.
# Plus tokens first, so that the digit of a plus token is never read on its own.
_SLP_LETTERS = [(f"{n}+", chr(ord("a") + 2 * n + 1)) for n in range(5)] + [
    (str(n), chr(ord("a") + 2 * n)) for n in range(6)]


def slp_key(level: Any) -> ColumnElement[str]:
    """Return SQL turning a stored profile into four skill letters that compare per skill."""
    expr = level
    for token, letter in _SLP_LETTERS:
        expr = func.replace(expr, token, letter)
    return expr


def level_meets(level: Any, minimum: Any, scale: Any) -> ColumnElement[bool]:
    """Return SQL telling whether a result meets a requirement's minimum (rules 4 and 5)."""
    have, need = slp_key(level), slp_key(minimum)
    per_skill = and_(*(func.substr(have, i, 1) >= func.substr(need, i, 1) for i in range(1, 5)))
    return case(
        (scale == "pass", level == "pass"),
        (minimum.is_(None), true()),
        else_=per_skill,
    )


# ---- rule 6: which requirements apply to whom ---------------------------------------------

def applicable_pairs(people: PersonFilter, *, many: bool = False) -> Select[Any]:
    """Return (person_id, requirement_id, unit_id, assigned, course_id, standard_id).

    One row per requirement that applies to a person of `people`, on today's roster.
    `many`: the statement suits many people (it goes from each requirement to the units
    of its subtree, then to their people) rather than a few (from each person to every
    requirement); both give the same rows.
    """
    columns = (Person.id.label("person_id"), Requirement.id.label("requirement_id"),
               Person.unit_id.label("unit_id"), is_assigned(Person).label("assigned"),
               Requirement.course_id, Requirement.standard_id)
    role_fits = or_(Requirement.role.is_(None), Requirement.role == Person.role)
    if many:
        req_unit, unit = aliased(Unit), aliased(Unit)
        reach = union_all(
            select(Requirement.id.label("requirement_id"), unit.id.label("unit_id"))
            .join(req_unit, req_unit.id == Requirement.unit_id)
            .join(unit, unit.path.startswith(req_unit.path)),
            select(Requirement.id, unit.id).select_from(Requirement).join(unit, true())
            .where(Requirement.unit_id.is_(None)),
        ).offset(0).subquery("reach")  # a fence: SQLite would otherwise go person by person
        return (select(*columns).select_from(reach)
                .join(Requirement, Requirement.id == reach.c.requirement_id)
                .join(Person, and_(Person.unit_id == reach.c.unit_id, role_fits))
                .where(people(Person.id)))
    person_unit, req_unit = aliased(Unit), aliased(Unit)
    return (
        select(*columns)
        .join(person_unit, person_unit.id == Person.unit_id)
        .join(Requirement, role_fits)
        .outerjoin(req_unit, req_unit.id == Requirement.unit_id)
        .where(or_(Requirement.unit_id.is_(None), person_unit.path.startswith(req_unit.path)),
               people(Person.id))
    )


def prefers_joins() -> bool:
    """Tell whether the database plans joins better than correlated probes (PostgreSQL)."""
    from readiness.extensions import db

    return db.engine.dialect.name == "postgresql"


def is_assigned(person: Any) -> ColumnElement[bool]:
    """Return SQL for rule 8's `assigned`: earmarked and active."""
    return and_(person.earmarked == true(), person.status == "active")


# ---- rules 2–4: what a person's records make of a requirement -----------------------------

#: The history a fact keeps besides its standing, so that a past date rarely reads the records.
HISTORY = ("first_on", "last_on", "prior_on", "prior_below", "prior_expires_on")


def standing(pairs: Select[Any], on: Any, *, grouped: bool = False, history: bool = False) -> Select[Any]:
    """Return (person_id, requirement_id, unit_id, assigned, course_id, standard_id, below, expires_on).

    `pairs` has the columns of `applicable_pairs`. With `on` a date, only records made on
    or before it count; with None, all records do (the standing from today on).
    `expires_on` is the latest expiry of the counting completions of a course, or the
    expiry of the latest result of a standard (rule 4: it supersedes older ones); null
    when there is none, FOREVER when it never expires. `below`: that result is under the
    minimum. `status()` turns these into the status on a date.

    `history` (with `on` None): also the columns of HISTORY, what the facts keep so that
    `standing_from_facts` can tell the standing on a past date: the dates of the first
    and the latest counting record, and of the one before the latest with the standing
    it gave (what held from `prior_on` until `last_on`). Null where there is no such record.

    `grouped`: join the completions and group, instead of one correlated probe per pair;
    the same rows, and what suits PostgreSQL (hash joins) where SQLite prefers the probes.
    """
    if history and on is not None:
        raise ValueError("history is kept for the standing from today on only")
    p = pairs.subquery("pairs")
    keys = (p.c.person_id, p.c.requirement_id, p.c.unit_id, p.c.assigned, p.c.course_id, p.c.standard_id)

    # Rule 2: revoked completions never count.
    counting = and_(Completion.person_id == p.c.person_id, Completion.course_id == p.c.course_id,
                    ~Completion.revoked)
    if on is not None:
        counting = and_(counting, Completion.completed_on <= on)
    expiry_of = func.coalesce(Completion.expires_on, FOREVER)
    if grouped and history:
        courses = _course_history_grouped(p, keys)
    elif grouped:
        expiry = func.max(case((Completion.id.is_not(None), expiry_of)))
        courses = (select(*keys, false().label("below"), expiry.label("expires_on"))
                   .select_from(p).outerjoin(Completion, counting)
                   .where(p.c.course_id.is_not(None)).group_by(*keys))
    else:  # probes of ix_completions_standing per pair
        latest_expiry = select(func.max(expiry_of)).where(counting).scalar_subquery()
        extra = []
        if history:
            def probe(aggregate: Callable[[Any], Any], before_last: bool = False) -> Any:
                # Each probe on its own alias: a subquery inside another must not correlate to it.
                c = aliased(Completion)
                where = [c.person_id == p.c.person_id, c.course_id == p.c.course_id, ~c.revoked]
                if before_last:
                    where.append(c.completed_on < probe(lambda c: func.max(c.completed_on)))
                return select(aggregate(c)).where(*where).correlate(p).scalar_subquery()

            extra = [probe(lambda c: func.min(c.completed_on)).label("first_on"),
                     probe(lambda c: func.max(c.completed_on)).label("last_on"),
                     probe(lambda c: func.max(c.completed_on), True).label("prior_on"),
                     false().label("prior_below"),
                     probe(lambda c: func.max(func.coalesce(c.expires_on, FOREVER)), True)
                     .label("prior_expires_on")]
        courses = select(*keys, false().label("below"), latest_expiry.label("expires_on"), *extra
                         ).where(p.c.course_id.is_not(None))

    earlier = aliased(Attainment)
    same_standard = and_(earlier.person_id == p.c.person_id, earlier.standard_id == p.c.standard_id)
    latest = select(func.max(earlier.assessed_on)).where(same_standard)
    if on is not None:
        latest = latest.where(earlier.assessed_on <= on)
    found = Attainment.id.is_not(None)
    extra = []
    prior = aliased(Attainment)
    if history:
        before = aliased(Attainment)
        prior_on = (select(func.max(before.assessed_on))
                    .where(before.person_id == p.c.person_id, before.standard_id == p.c.standard_id,
                           before.assessed_on < latest.correlate(p).scalar_subquery())
                    .correlate(p).scalar_subquery())
        first_on = select(func.min(earlier.assessed_on)).where(same_standard).scalar_subquery()
        prior_low = not_(level_meets(prior.level, Requirement.min_level, Standard.scale))
        extra = [first_on.label("first_on"), latest.scalar_subquery().label("last_on"),
                 prior.assessed_on.label("prior_on"),
                 case((prior.id.is_not(None), prior_low), else_=null()).label("prior_below"),
                 case((prior.id.is_not(None), func.coalesce(prior.expires_on, FOREVER)), else_=null())
                 .label("prior_expires_on")]
    standards = (
        select(*keys,
               and_(found, not_(level_meets(Attainment.level, Requirement.min_level, Standard.scale)))
               .label("below"),
               case((found, func.coalesce(Attainment.expires_on, FOREVER)), else_=null()).label("expires_on"),
               *extra)
        .select_from(p)
        .join(Requirement, Requirement.id == p.c.requirement_id)
        .join(Standard, Standard.id == p.c.standard_id)
        .outerjoin(Attainment, and_(Attainment.person_id == p.c.person_id,
                                    Attainment.standard_id == p.c.standard_id,
                                    Attainment.assessed_on == latest.scalar_subquery()))
    )
    if history:
        standards = standards.outerjoin(prior, and_(prior.person_id == p.c.person_id,
                                                    prior.standard_id == p.c.standard_id,
                                                    prior.assessed_on == prior_on))
    # OFFSET 0 keeps SQLite from inlining this into an outer query, which would copy the
    # correlated subqueries into every reference to `expires_on` and run them that often.
    return union_all(courses, standards).offset(0)


def _course_history_grouped(p: Any, keys: tuple[Any, ...]) -> Select[Any]:
    """The course part of `standing(..., grouped=True, history=True)`: one pass over the records."""
    # Each counting completion, numbered from the latest down per person and course (all of
    # them: PostgreSQL would not push the pairs' people into the window; it hash-joins instead).
    rank = func.row_number().over(partition_by=(Completion.person_id, Completion.course_id),
                                  order_by=Completion.completed_on.desc())
    ranked = (select(Completion.person_id, Completion.course_id, Completion.completed_on,
                     func.coalesce(Completion.expires_on, FOREVER).label("expiry"), rank.label("rank"))
              .where(~Completion.revoked).subquery("ranked"))
    r = ranked.c
    per_course = (select(r.person_id, r.course_id,
                         func.max(r.expiry).label("expires_on"),
                         func.min(r.completed_on).label("first_on"),
                         func.max(case((r.rank == 1, r.completed_on))).label("last_on"),
                         func.max(case((r.rank == 2, r.completed_on))).label("prior_on"),
                         func.max(case((r.rank > 1, r.expiry))).label("prior_expires_on"))
                  .group_by(r.person_id, r.course_id).subquery("per_course"))
    c = per_course.c
    return (select(*keys, false().label("below"), c.expires_on, c.first_on, c.last_on, c.prior_on,
                   false().label("prior_below"), c.prior_expires_on)
            .select_from(p)
            .outerjoin(per_course, and_(c.person_id == p.c.person_id, c.course_id == p.c.course_id))
            .where(p.c.course_id.is_not(None)))


def standing_from_facts(where: Any, on: Any) -> Select[Any]:
    """Return what `standing(pairs, on)` returns for the facts matching `where`, on a past date `on`.

    A fact's history answers most pairs: nothing recorded by then (missing), the latest
    record made by then (today's standing), or only the latest made since (the prior
    standing). Only a pair with two or more records made since reads the records.
    """
    F = RequirementFact  # noqa: N806 - read like a table
    counting = and_(Completion.person_id == F.person_id, Completion.course_id == F.course_id,
                    ~Completion.revoked, Completion.completed_on <= on)
    course_expiry = select(func.max(func.coalesce(Completion.expires_on, FOREVER))).where(counting)
    def latest_result(value: Callable[[Any], Any]) -> Any:
        a = aliased(Attainment)
        return (select(value(a)).where(a.person_id == F.person_id, a.standard_id == F.standard_id,
                                       a.assessed_on <= on)
                .order_by(a.assessed_on.desc()).limit(1).scalar_subquery())

    # Correlated explicitly: they sit two levels down, inside the probe of the latest result.
    minimum = (select(Requirement.min_level).where(Requirement.id == F.requirement_id)
               .correlate(F).scalar_subquery())
    scale = select(Standard.scale).where(Standard.id == F.standard_id).correlate(F).scalar_subquery()
    result_expiry = latest_result(lambda a: func.coalesce(a.expires_on, FOREVER))
    result_below = latest_result(lambda a: not_(level_meets(a.level, minimum, scale)))
    # The dates are ordered (first_on <= prior_on < last_on, null where there is no such
    # record), so the latest record made by then is tried first and a pair with none made by
    # then falls through every branch: the fewest comparisons for the most pairs.
    read_records = F.first_on <= on
    expires_on = case(
        (F.last_on <= on, F.expires_on),
        (F.prior_on <= on, F.prior_expires_on),
        (and_(read_records, F.course_id.is_not(None)), course_expiry.scalar_subquery()),
        (read_records, result_expiry),
        else_=null(),
    )
    below = case(
        (F.last_on <= on, F.below),
        (F.prior_on <= on, F.prior_below),
        (and_(read_records, F.course_id.is_(None)), result_below),
        else_=false(),
    )
    return (select(F.person_id, F.requirement_id, F.unit_id, F.assigned, F.course_id, F.standard_id,
                   below.label("below"), expires_on.label("expires_on"))
            .where(where).offset(0))


#: The statuses in the order `status` tells them apart; `status(coded=True)` gives the index.
STATUS_ORDER = ("missing", "expired", "insufficient", "expiring", "valid")


def status(below: Any, expires_on: Any, on: Any, warn_until: Any, *,
           coded: bool = False) -> ColumnElement[Any]:
    """Return SQL for a requirement's status on `on` (rules 2–4) from its standing.

    `warn_until` is `on` + EXPIRY_WARNING_DAYS; both may be dates or bound parameters.
    `coded`: the status's index in STATUS_ORDER instead of its name (cheaper to group by).
    """
    name = (lambda i: literal(i)) if coded else (lambda i: literal(STATUS_ORDER[i]))
    return case(
        (expires_on.is_(None), name(0)),
        (expires_on <= on, name(1)),
        (below == true(), name(2)),
        (expires_on <= warn_until, name(3)),
        else_=name(4),
    )


def is_good(below: Any, expires_on: Any, on: date) -> ColumnElement[bool]:
    """Return SQL telling whether a standing is `valid` or `expiring` on `on` (rule 7), never null."""
    return and_(expires_on.is_not(None), expires_on > on, below == false())


def fact_state(below: Any, expires_on: Any) -> ColumnElement[int]:
    """Return SQL for what a standing amounts to from today on: MISSING, INSUFFICIENT or HELD."""
    return case((expires_on.is_(None), MISSING), (below == true(), INSUFFICIENT), else_=HELD)


def qualified_from_facts(blocked: Any, qualified_until: Any, on: date) -> ColumnElement[bool]:
    """Return SQL for rule 7 on a date from today on, from a person's facts."""
    return and_(blocked == false(), qualified_until > on)


def shown_expiry(expires_on: date | None) -> date | None:
    """Return an expiry as the API shows it: null for a record that never expires."""
    return None if expires_on == FOREVER else expires_on
