"""Keep the engine's derived data (readiness.engine.models) equal to what the records say.

`refresh` recomputes the facts of some people (or everyone) with a handful of set-based
statements; the signal receivers call it inside the transaction of every write that
changes the roster, the requirements or the records, so readers never see stale facts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import (
    Executable,
    FromClause,
    Select,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    update,
)

from readiness.engine import rules
from readiness.engine.models import (
    FOREVER,
    HELD,
    MISSING,
    PersonFact,
    RequirementFact,
    UnitPersonTotal,
    UnitRequirementTotal,
    refresh_people,
)
from readiness.extensions import db
from readiness.personnel.models import Person
from readiness.records.keys import keyed

# Up to this many people are bound as parameters (an IN list the planner sees); more go
# through the scratch table, which also keeps within SQLite's limit on parameters.
_BIND_LIMIT = 500
_FACT_COLUMNS = ("person_id", "requirement_id", "unit_id", "assigned", "course_id", "standard_id", "below",
                 "expires_on", *rules.HISTORY)
#: What records change in a fact (the rest follows from the roster and the requirement).
_CHANGING = ("below", "expires_on", *rules.HISTORY)
_PERSON_COLUMNS = ("person_id", "unit_id", "assigned", "blocked", "qualified_until")


def refresh(person_ids: Collection[int] | None = None) -> None:
    """Recompute the facts of `person_ids` (None: everyone) in the current transaction."""
    if person_ids is None:
        _run("everyone")
        _run("all units")
        return
    ids = sorted(set(person_ids))
    if not ids:
        return
    if len(ids) <= _BIND_LIMIT:
        params: dict[str, Any] | None = {"person_ids": ids}
        kind = "listed"
    else:
        db.session.execute(insert(refresh_people), [{"person_id": i} for i in ids])
        params, kind = None, "scratch"
    # The units of these people before and after: a move changes the totals of both.
    units = set(db.session.scalars(_units_of(kind), params))
    _run(kind, params)
    units.update(db.session.scalars(_units_of(kind), params))
    if kind == "scratch":
        db.session.execute(delete(refresh_people))
    if len(units) > _BIND_LIMIT:
        _run("all units")
    elif units:
        _run("units", {"unit_ids": sorted(units)})


def refresh_records(person_ids: Collection[int]) -> None:
    """Recompute the facts of `person_ids` after their records (only) changed.

    The requirements that apply are the same, so only the facts whose standing changed
    are rewritten: an import of many records touches few facts of each person.
    """
    ids = sorted(set(person_ids))
    if not ids:
        return
    if len(ids) <= _BIND_LIMIT:
        params: dict[str, Any] | None = {"person_ids": ids}
        kind = "listed"
    else:
        db.session.execute(insert(refresh_people), [{"person_id": i} for i in ids])
        params, kind = None, "scratch"
    for statement in _update_statements(kind, rules.prefers_joins() and kind == "scratch"):
        db.session.execute(statement, params)
    units = set(db.session.scalars(_units_of(kind), params))
    if kind == "scratch":
        db.session.execute(delete(refresh_people))
    if len(units) > _BIND_LIMIT:
        _run("all units")
    elif units:
        _run("units", {"unit_ids": sorted(units)})


def fold_completions(added: Iterable[tuple[int, int, date, date | None]]) -> None:
    """Bring the facts up to date after completions were added, none revoked or removed.

    `added`: (person_id, course_id, completed_on, expires_on) of each new completion. A
    course's fact holds the latest expiry of the person's completions, so new ones can
    only raise it (and turn a missing requirement into a held one), and they move the
    history dates: the facts of those courses are updated in one statement, the person
    facts of those whose earliest expiry or blocking requirement it was are recomputed,
    and the unit totals move by the differences. Equal to `refresh_records` of the same
    people (tests prove it), for a fraction of the work: an import adds many records to
    few requirements of each person.
    """
    by_pair: dict[tuple[int, int], list[tuple[date, date]]] = {}
    for person_id, course_id, completed_on, expiry in added:
        by_pair.setdefault((person_id, course_id), []).append((completed_on, expiry or FOREVER))
    # Per (person, course), what the history needs of the new records: the first and last
    # dates, the one before the last, the latest expiry of all and of all but the last.
    news: list[tuple[int, int, date, date, date | None, date, date | None]] = []
    for (person_id, course_id), records in by_pair.items():
        if len(records) == 1:
            ((on, expiry),) = records
            news.append((person_id, course_id, on, on, None, expiry, None))
        else:
            records.sort()
            news.append((person_id, course_id, records[0][0], records[-1][0], records[-2][0],
                         max(e for _on, e in records), max(e for _on, e in records[:-1])))
    if news:
        _fold(news)


def _fold(news: list[tuple[int, int, date, date, date | None, date, date | None]]) -> None:
    """Fold the new completions of each (person, course), summarised as `fold_completions` says."""
    f = RequirementFact.__table__
    summary = [f.c.person_id, f.c.course_id, f.c.first_on, f.c.last_on, f.c.prior_on, f.c.expires_on,
               f.c.prior_expires_on]
    statements, params = keyed("fold", news, summary, _fold_statements)
    if rules.prefers_joins():
        (moved,) = statements
        before = [row[:6] for row in db.session.execute(moved, params) if row[6]]
    else:
        read, moved = statements
        before = db.session.execute(read, params).all()
        db.session.execute(moved, params)
    # A person's fact changes only if a raised fact was missing (blocking) or the earliest.
    people = sorted({p for p, _r, _u, _a, old, until in before if old is None or old == until})
    _refresh_person_facts(people)
    # Totals: a missing fact became held; the blocked counts move with the person facts.
    now_held = Counter((u, r) for _p, r, u, assigned, old, _until in before if old is None and assigned)
    _move_requirement_totals(now_held)


def _fold_statements(wanted: FromClause, fields: list[Any]) -> tuple[Executable, ...]:
    """The fold's statements over the new records' summaries `wanted`: each raised fact as it
    was before, with its person's `qualified_until`, and the update of the facts."""
    f, pf = RequirementFact.__table__, PersonFact.__table__
    w_person, w_course, w_first, w_last, w_prior, w_expiry, w_prior_expiry = fields
    pair = (f.c.person_id == w_person, f.c.course_id == w_course)
    raised = or_(f.c.expires_on.is_(None), f.c.expires_on < w_expiry)
    # Every fact of the course moves its history; the right-hand sides read the old values.
    # Without records before, the new ones make the history; with a new latest record, the
    # old latest may be the one before it; else the new ones may be the one before the latest.
    first_record, latest = f.c.last_on.is_(None), w_last > f.c.last_on
    moved = update(f).where(*pair).values(
        expires_on=case((raised, w_expiry), else_=f.c.expires_on),
        first_on=case((or_(f.c.first_on.is_(None), w_first < f.c.first_on), w_first), else_=f.c.first_on),
        last_on=case((or_(first_record, latest), w_last), else_=f.c.last_on),
        prior_on=case((first_record, w_prior),
                      (latest, case((w_prior > f.c.last_on, w_prior), else_=f.c.last_on)),
                      (or_(f.c.prior_on.is_(None), w_last > f.c.prior_on), w_last), else_=f.c.prior_on),
        prior_expires_on=case(
            (first_record, w_prior_expiry),
            (latest, case((w_prior_expiry > f.c.expires_on, w_prior_expiry), else_=f.c.expires_on)),
            (or_(f.c.prior_expires_on.is_(None), f.c.prior_expires_on < w_expiry), w_expiry),
            else_=f.c.prior_expires_on),
    )
    if rules.prefers_joins():
        # PostgreSQL, in the same statement: `old`, the fact joined to itself, is read as it
        # was before the update (RETURNING would give the new values), one pass less.
        old = f.alias("old")
        was_raised = or_(old.c.expires_on.is_(None), old.c.expires_on < w_expiry)
        return (moved.where(old.c.person_id == f.c.person_id, old.c.requirement_id == f.c.requirement_id,
                            pf.c.person_id == f.c.person_id)
                .returning(f.c.person_id, f.c.requirement_id, f.c.unit_id, f.c.assigned, old.c.expires_on,
                           pf.c.qualified_until, was_raised),)
    # SQLite returns only the updated table's new values: read them first.
    return (select(f.c.person_id, f.c.requirement_id, f.c.unit_id, f.c.assigned, f.c.expires_on,
                   pf.c.qualified_until)
            .select_from(wanted).join(f, and_(*pair, raised)).join(pf, pf.c.person_id == f.c.person_id),
            moved)


def _refresh_person_facts(people: list[int]) -> None:
    """Recompute the person facts of `people` and move the units' blocked counts by the change."""
    if not people:
        return
    pf = PersonFact.__table__
    listed = len(people) <= _BIND_LIMIT
    if listed:
        params: dict[str, Any] | None = {"person_ids": people}
        kind = "listed"
    else:
        db.session.execute(insert(refresh_people), [{"person_id": i} for i in people])
        params, kind = None, "scratch"
    blocked = (select(pf.c.unit_id, func.count())
               .where(_FILTERS[kind](pf.c.person_id), pf.c.assigned == true(), pf.c.blocked == true())
               .group_by(pf.c.unit_id))
    was = dict(db.session.execute(blocked, params).all())
    db.session.execute(_update_statements(kind, rules.prefers_joins() and not listed)[1], params)
    now = dict(db.session.execute(blocked, params).all())
    if kind == "scratch":
        db.session.execute(delete(refresh_people))
    moved = {u: now.get(u, 0) - was.get(u, 0) for u in was.keys() | now.keys()}
    totals = UnitPersonTotal.__table__
    for unit_id, delta in moved.items():
        if delta:
            db.session.execute(update(totals).where(totals.c.unit_id == unit_id)
                               .values(blocked=totals.c.blocked + delta))


def _move_requirement_totals(now_held: Counter[tuple[int, int]]) -> None:
    """Move `now_held` people per (unit, requirement) from MISSING to HELD in the unit totals."""
    if not now_held:
        return
    t = UnitRequirementTotal.__table__
    rows = [(u, r, n) for (u, r), n in sorted(now_held.items())]
    statements, params = keyed("now held", rows, [t.c.unit_id, t.c.requirement_id, t.c.people],
                               _now_held_statements)
    for statement in statements:
        db.session.execute(statement, params)


def _now_held_statements(wanted: FromClause, fields: list[Any]) -> tuple[Executable, ...]:
    t = UnitRequirementTotal.__table__
    w_unit, w_req, w_n = fields
    match = (t.c.unit_id == w_unit, t.c.requirement_id == w_req)
    held = select(t.c.unit_id).where(t.c.unit_id == w_unit, t.c.requirement_id == w_req,
                                     t.c.state == HELD).exists()
    return (
        update(t).where(*match, t.c.state == MISSING).values(people=t.c.people - w_n),
        delete(t).where(t.c.state == MISSING, t.c.people == 0),
        update(t).where(*match, t.c.state == HELD).values(people=t.c.people + w_n),
        insert(t).from_select(("unit_id", "requirement_id", "state", "people"),
                              select(w_unit, w_req, literal(HELD), w_n).select_from(wanted).where(~held)),
    )


@cache
def _update_statements(kind: str, grouped: bool) -> list[Executable]:
    people = _FILTERS[kind]
    f, pf = RequirementFact.__table__, PersonFact.__table__
    pairs = select(f.c.person_id, f.c.requirement_id, f.c.unit_id, f.c.assigned, f.c.course_id,
                   f.c.standard_id).where(people(f.c.person_id))
    new = rules.standing(pairs, None, grouped=grouped, history=True).subquery("new")
    fresh = person_facts(people).subquery("fresh")
    return [
        update(f).where(f.c.person_id == new.c.person_id, f.c.requirement_id == new.c.requirement_id,
                        or_(*(f.c[n].is_distinct_from(new.c[n]) for n in _CHANGING)))
        .values({n: new.c[n] for n in _CHANGING}),
        update(pf).where(pf.c.person_id == fresh.c.id,
                         or_(pf.c.blocked != fresh.c.blocked, pf.c.qualified_until != fresh.c.until))
        .values(blocked=fresh.c.blocked, qualified_until=fresh.c.until),
    ]


_FILTERS: dict[str, rules.PersonFilter] = {
    "everyone": rules.everyone,
    "listed": lambda column: column.in_(bindparam("person_ids", expanding=True)),
    "scratch": lambda column: column.in_(select(refresh_people.c.person_id)),
    "units": lambda column: column.in_(bindparam("unit_ids", expanding=True)),
}


@cache
def _statements(kind: str, grouped: bool) -> list[Executable]:
    # Built once: building the statements costs more than running them for one person.
    if kind == "all units":
        return total_statements(rules.everyone)
    if kind == "units":
        return total_statements(_FILTERS[kind])
    return statements(_FILTERS[kind], many=kind != "listed", grouped=grouped)


@cache
def _units_of(kind: str) -> Select[Any]:
    return select(PersonFact.unit_id).where(_FILTERS[kind](PersonFact.person_id)).distinct()


def _run(kind: str, params: dict[str, Any] | None = None) -> None:
    for statement in _statements(kind, rules.prefers_joins() and kind != "listed"):
        db.session.execute(statement, params)


def statements(people: rules.PersonFilter, *, many: bool = True, grouped: bool = False) -> list[Executable]:
    """Return the statements that recompute the facts of `people` (also run by migrations)."""
    # Core tables, not the ORM classes: an ORM insert with parameters would be a bulk insert.
    req_facts, person_facts_ = RequirementFact.__table__, PersonFact.__table__
    everyone = people is rules.everyone
    return [
        # Without a WHERE clause SQLite empties a table at once instead of row by row.
        delete(req_facts) if everyone else delete(req_facts).where(people(req_facts.c.person_id)),
        insert(req_facts).from_select(
            _FACT_COLUMNS,
            rules.standing(rules.applicable_pairs(people, many=many), None, grouped=grouped, history=True)),
        delete(person_facts_) if everyone else delete(person_facts_).where(people(person_facts_.c.person_id)),
        insert(person_facts_).from_select(_PERSON_COLUMNS, person_facts(people)),
    ]


def person_facts(people: rules.PersonFilter) -> Select[Any]:
    """Return the select computing person facts from the requirement facts of `people`."""
    f = RequirementFact
    per_person = (
        select(f.person_id,
               func.max(case((rules.fact_state(f.below, f.expires_on) != HELD, 1), else_=0)).label("bad"),
               func.min(f.expires_on).label("until"))
        .where(people(f.person_id))
        .group_by(f.person_id)
        .subquery()
    )
    return (
        select(Person.id, Person.unit_id, rules.is_assigned(Person).label("assigned"),
               (func.coalesce(per_person.c.bad, 0) == 1).label("blocked"),
               func.coalesce(per_person.c.until, FOREVER).label("until"))
        .outerjoin(per_person, per_person.c.person_id == Person.id)
        .where(people(Person.id))
    )


def total_statements(units: rules.PersonFilter) -> list[Executable]:
    """Return the statements that recompute the per-unit totals of `units` from the facts."""
    req_totals, person_totals = UnitRequirementTotal.__table__, UnitPersonTotal.__table__
    everyone = units is rules.everyone
    return [
        delete(req_totals) if everyone else delete(req_totals).where(units(req_totals.c.unit_id)),
        insert(req_totals).from_select(("unit_id", "requirement_id", "state", "people"),
                                       requirement_totals(units)),
        delete(person_totals) if everyone else delete(person_totals).where(units(person_totals.c.unit_id)),
        insert(person_totals).from_select(("unit_id", "assigned", "blocked"), person_totals_select(units)),
    ]


def requirement_totals(units: rules.PersonFilter) -> Select[Any]:
    """Return the select counting assigned people per unit, requirement and state."""
    f = RequirementFact
    state = rules.fact_state(f.below, f.expires_on)
    return (select(f.unit_id, f.requirement_id, state, func.count())
            .where(f.assigned == true(), units(f.unit_id))
            .group_by(f.unit_id, f.requirement_id, state))


def person_totals_select(units: rules.PersonFilter) -> Select[Any]:
    """Return the select counting assigned and blocked people per unit."""
    pf = PersonFact
    return (select(pf.unit_id, func.count(), func.sum(case((pf.blocked == true(), 1), else_=0)))
            .where(pf.assigned == true(), units(pf.unit_id))
            .group_by(pf.unit_id))


def stale() -> dict[str, int]:
    """Count stored rows that differ from a recomputation, per table (all 0 when all is well)."""
    fresh = rules.standing(rules.applicable_pairs(rules.everyone), None, history=True).subquery()
    req_totals, person_totals = UnitRequirementTotal, UnitPersonTotal
    return {
        "requirement_facts": _both_ways(select(*(getattr(RequirementFact, c) for c in _FACT_COLUMNS)),
                                        select(*(fresh.c[c] for c in _FACT_COLUMNS))),
        "person_facts": _both_ways(select(*(getattr(PersonFact, c) for c in _PERSON_COLUMNS)),
                                   person_facts(rules.everyone)),
        "unit_requirement_totals": _both_ways(
            select(req_totals.unit_id, req_totals.requirement_id, req_totals.state, req_totals.people),
            requirement_totals(rules.everyone)),
        "unit_person_totals": _both_ways(
            select(person_totals.unit_id, person_totals.assigned, person_totals.blocked),
            person_totals_select(rules.everyone)),
    }


def _both_ways(left: Any, right: Any) -> int:
    return sum(db.session.scalar(select(func.count()).select_from(a.except_(b).subquery())) or 0
               for a, b in ((left, right), (right, left)))


def _on_people_changed(_sender: Any, person_ids: Collection[int] | None = None, **_kw: Any) -> None:
    refresh(person_ids)


def _on_records_changed(_sender: Any, person_ids: Collection[int] | None = None,
                        added_completions: Collection[tuple[int, int, date, date | None]] | None = None,
                        **_kw: Any) -> None:
    if person_ids is None:
        refresh(None)
    elif added_completions is not None:
        fold_completions(added_completions)
    else:
        refresh_records(person_ids)


def _on_requirements_changed(_sender: Any, **_kw: Any) -> None:
    # Any person may gain or lose a requirement: recompute everyone.
    refresh(None)


def connect() -> None:
    """Connect the receivers that keep the facts current (idempotent)."""
    from readiness import signals

    signals.people_changed.connect(_on_people_changed)
    signals.records_changed.connect(_on_records_changed)
    signals.requirements_changed.connect(_on_requirements_changed)
