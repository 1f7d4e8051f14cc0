"""Daily snapshots: every unit's readiness on a date, stored as history for the trend charts.

`take(on)` computes what `services.unit_readiness` answers for every unit on `on` (rules 8
and 9 of DESIGN.md §2: levels, counts and per-requirement counts over each subtree) and
stores it, replacing what was stored for that date. It asks the same sources as the
engine (`queries.source_for`): the derived facts for today and later, the records for a
past date. The whole force takes a few statements: each unit's own counts come from
the database in one pass, and are added up the tree here (a unit's path lists its
ancestors), instead of one subtree query per unit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    Date,
    DateTime,
    ForeignKey,
    Index,
    Select,
    String,
    bindparam,
    delete,
    event,
    false,
    func,
    insert,
    literal,
    not_,
    select,
    text,
    true,
    union,
    union_all,
)
from sqlalchemy.orm import Mapped, mapped_column

from readiness.db import Base, copy_rows, utcnow
from readiness.engine import levels, queries, rules
from readiness.engine.models import HELD, INSUFFICIENT, MISSING, PersonFact, RequirementFact, UnitPersonTotal
from readiness.engine.models import UnitRequirementTotal as Totals
from readiness.extensions import db
from readiness.personnel.models import Person
from readiness.units.models import Unit

#: The per-requirement counts, in the order they are computed and stored.
COUNTS = ("applicable", "valid", "expiring", "expired", "insufficient", "missing")


class UnitSnapshot(Base):
    """One unit's readiness over its subtree on one date, as `unit_readiness` gave it then.

    No foreign key to units: a unit's delete check counts every table that refers to
    units, and an empty unit must stay deletable; its history goes with it (see below).
    """

    __tablename__ = "unit_snapshots"

    unit_id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[date] = mapped_column(Date, primary_key=True)
    authorized: Mapped[int]
    assigned: Mapped[int]
    qualified: Mapped[int]
    manning_pct: Mapped[float | None]
    qualified_pct: Mapped[float | None]
    p_level: Mapped[str | None] = mapped_column(String(3))
    t_level: Mapped[str | None] = mapped_column(String(3))
    level: Mapped[str | None] = mapped_column(String(3))
    taken_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    # The primary key serves a unit's history; this index a date's rewrite and the last date.
    __table_args__ = (Index("ix_unit_snapshots_as_of", "as_of"),)


class UnitRequirementSnapshot(Base):
    """How the assigned people of a unit's subtree stood on one requirement on one date."""

    __tablename__ = "unit_requirement_snapshots"

    unit_id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[date] = mapped_column(Date, primary_key=True)
    requirement_id: Mapped[int] = mapped_column(
        ForeignKey("requirements.id", ondelete="CASCADE"), primary_key=True, index=True)
    applicable: Mapped[int]
    valid: Mapped[int]
    expiring: Mapped[int]
    expired: Mapped[int]
    insufficient: Mapped[int]
    missing: Mapped[int]


@event.listens_for(Unit, "after_delete")
def _forget_deleted_unit(_mapper: Any, connection: Any, target: Unit) -> None:
    # In the deleting transaction: a later unit must never inherit this one's history.
    for table in (UnitRequirementSnapshot.__table__, UnitSnapshot.__table__):
        connection.execute(delete(table).where(table.c.unit_id == target.id))


@dataclass(frozen=True)
class Taken:
    """What `take` stored for a date."""

    as_of: date
    units: int
    requirement_rows: int


@dataclass
class _Own:
    """A unit's own counts (its people, not its children's)."""

    assigned: int = 0
    qualified: int = 0


def compute(on: date) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Return the unit rows and the requirement rows of every unit's readiness on `on`."""
    source = queries.source_for(on)
    params = {"on": on, "warn_until": on + timedelta(days=rules.warning_days())}
    if db.engine.dialect.name == "postgresql":
        # As the engine does: plan each run, a generic plan cannot see how selective the date is.
        db.session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    if source is queries.Source.FACTS:
        own, own_requirements = _from_facts(params)
    else:
        own, own_requirements = _from_records(source, params)

    units = db.session.execute(select(Unit.id, Unit.path, Unit.authorized_strength)).all()
    chains = {uid: [int(i) for i in path.strip("/").split("/")] for uid, path, _ in units}
    # Up the tree: each unit's own counts go to itself and to every ancestor.
    totals: dict[int, list[int]] = {uid: [0, 0, 0] for uid, _, _ in units}
    for uid, _, authorized in units:
        mine = own.get(uid, _Own())
        for ancestor in chains[uid]:
            row = totals[ancestor]
            row[0] += authorized
            row[1] += mine.assigned
            row[2] += mine.qualified
    per_requirement: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0] * len(COUNTS))
    for (uid, rid), counts in own_requirements.items():
        for ancestor in chains.get(uid, ()):
            row = per_requirement[(ancestor, rid)]
            for i, n in enumerate(counts):
                row[i] += n

    taken_at = utcnow()
    unit_rows = [_unit_row(uid, on, taken_at, *counts) for uid, counts in totals.items()]
    requirement_rows = [
        {"unit_id": uid, "as_of": on, "requirement_id": rid, **dict(zip(COUNTS, c, strict=True))}
        for (uid, rid), c in per_requirement.items() if c[0]]
    return unit_rows, requirement_rows


def _unit_row(unit_id: int, on: date, taken_at: datetime, authorized: int, assigned: int,
              qualified: int) -> dict[str, Any]:
    p, t = levels.p_band(assigned, authorized), levels.t_band(qualified, assigned)
    return {"unit_id": unit_id, "as_of": on, "authorized": authorized, "assigned": assigned,
            "qualified": qualified,
            "manning_pct": levels.display_pct(levels.percent(assigned, authorized)),
            "qualified_pct": levels.display_pct(levels.percent(qualified, assigned)),
            "p_level": p.level, "t_level": t.level, "level": levels.combined_level(p.rank, t.rank),
            "taken_at": taken_at}


def take(on: date) -> Taken:
    """Compute every unit's readiness on `on` and store it in place of that date's snapshot.

    Flushes nothing through the ORM and commits nothing: the caller (the job) commits.
    """
    unit_rows, requirement_rows = compute(on)
    forget(on)
    _insert(UnitSnapshot.__table__, unit_rows)
    _insert(UnitRequirementSnapshot.__table__, requirement_rows)
    return Taken(on, len(unit_rows), len(requirement_rows))


def _insert(table: Any, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    if db.engine.dialect.name == "postgresql":  # COPY: a tenth of the time of an executemany here
        names = list(rows[0])
        copy_rows(db.session.connection(), table, names, ([row[n] for n in names] for row in rows))
    else:
        db.session.execute(insert(table), rows)


def forget(on: date) -> None:
    """Delete the snapshot of `on`, if any."""
    u, r = UnitSnapshot.__table__, UnitRequirementSnapshot.__table__
    # Unit by unit, so each delete probes the primary key (unit_id, as_of, …) instead of a scan.
    units = union(select(Unit.id), select(u.c.unit_id).where(u.c.as_of == on))
    db.session.execute(delete(r).where(r.c.unit_id.in_(units), r.c.as_of == on))
    db.session.execute(delete(u).where(u.c.as_of == on))


def forget_requirements_before(cutoff: date) -> int:
    """Delete the per-requirement counts of dates before `cutoff` (units' figures stay); return how many."""
    r = UnitRequirementSnapshot.__table__
    result = db.session.execute(delete(r).where(r.c.unit_id.in_(select(Unit.id)), r.c.as_of < cutoff))
    return result.rowcount


def last_date(until: date | None = None) -> date | None:
    """Return the latest date with a snapshot (on or before `until` when given)."""
    stmt = select(func.max(UnitSnapshot.as_of))
    if until is not None:
        stmt = stmt.where(UnitSnapshot.as_of <= until)
    return db.session.scalar(stmt)


def history(unit_id: int, start: date, end: date) -> list[UnitSnapshot]:
    """Return a unit's snapshots from `start` to `end`, oldest first."""
    return list(db.session.scalars(
        select(UnitSnapshot).where(UnitSnapshot.unit_id == unit_id, UnitSnapshot.as_of >= start,
                                   UnitSnapshot.as_of <= end).order_by(UnitSnapshot.as_of)))


def any_stored() -> bool:
    """Tell whether any snapshot is stored at all."""
    return db.session.scalar(select(UnitSnapshot.as_of).limit(1)) is not None


# ---- each unit's own counts ---------------------------------------------------------------------

ON = bindparam("on", type_=Date)
WARN_UNTIL = bindparam("warn_until", type_=Date)
Counts = dict[tuple[int, int], list[int]]


def _from_facts(params: dict[str, Any]) -> tuple[dict[int, _Own], Counts]:
    """From the derived data (today and later): the totals per state, then what the date changes."""
    people_stmt, lapsed_stmt, totals_stmt, soon_stmt = _fact_statements()
    lapsed = dict(db.session.execute(lapsed_stmt, params).all())
    own = {uid: _Own(assigned, assigned - blocked - lapsed.get(uid, 0))
           for uid, assigned, blocked in db.session.execute(people_stmt, params)}
    counts: Counts = defaultdict(lambda: [0] * len(COUNTS))
    slot = {MISSING: COUNTS.index("missing"), INSUFFICIENT: COUNTS.index("insufficient"),
            HELD: COUNTS.index("valid")}
    for uid, rid, state, people in db.session.execute(totals_stmt, params):
        row = counts[(uid, rid)]
        row[0] += people
        row[slot[state]] += people
    valid, expiring, expired, insufficient = (COUNTS.index(s) for s in
                                              ("valid", "expiring", "expired", "insufficient"))
    # A fact expiring by the end of the warning window is `expired` once its date has come,
    # else `expiring` (or still `insufficient`); the engine's per-subtree arithmetic, per unit.
    for uid, rid, below, lapsed_now, people in db.session.execute(soon_stmt, params):
        row = counts[(uid, rid)]
        if lapsed_now:
            row[expired] += people
            row[insufficient if below else valid] -= people
        elif not below:
            row[expiring] += people
            row[valid] -= people
    return own, counts


@cache
def _fact_statements() -> tuple[Select[Any], ...]:
    pf, f = PersonFact, RequirementFact
    lapsed = f.expires_on <= ON
    return (
        select(UnitPersonTotal.unit_id, UnitPersonTotal.assigned, UnitPersonTotal.blocked),
        select(pf.unit_id, func.count())
        .where(pf.assigned == true(), pf.blocked == false(), pf.qualified_until <= ON).group_by(pf.unit_id),
        select(Totals.unit_id, Totals.requirement_id, Totals.state, Totals.people),
        select(f.unit_id, f.requirement_id, f.below, lapsed, func.count())
        .where(f.assigned == true(), f.expires_on <= WARN_UNTIL)
        .group_by(f.unit_id, f.requirement_id, f.below, lapsed),
    )


def _from_records(source: queries.Source, params: dict[str, Any]) -> tuple[dict[int, _Own], Counts]:
    """From the records on the date (a past date): one pass over every assigned person's standing."""
    counts: Counts = defaultdict(lambda: [0] * len(COUNTS))
    failing: dict[int, int] = {}
    index = {name: COUNTS.index(name) for name in rules.STATUSES}
    statement = _standing_counts(source, rules.prefers_joins())
    for kind, uid, rid, name, n in db.session.execute(statement, params):
        if kind == "r":
            row = counts[(uid, rid)]
            row[0] += n
            row[index[name]] += n
        else:
            failing[uid] = n
    assigned = dict(db.session.execute(_assigned_statement(source), params).all())
    return {uid: _Own(n, n - failing.get(uid, 0)) for uid, n in assigned.items()}, counts


def _assigned_people(column: Any) -> Any:
    return column.in_(select(Person.id).where(rules.is_assigned(Person)))


@cache
def _standing_counts(source: queries.Source, grouped: bool) -> Any:
    # As queries._standing_counts does for one subtree: the facts' history (RECORDS), or the
    # base tables alone (PLAIN).
    if source is queries.Source.PLAIN:
        standing = rules.standing(rules.applicable_pairs(_assigned_people, many=True), ON, grouped=grouped)
    else:
        standing = rules.standing_from_facts(RequirementFact.assigned == true(), ON)
    st = standing.cte("standing").prefix_with("MATERIALIZED")
    status = rules.status(st.c.below, st.c.expires_on, ON, WARN_UNTIL)
    failing = not_(rules.is_good(st.c.below, st.c.expires_on, ON))
    return union_all(
        select(literal("r"), st.c.unit_id, st.c.requirement_id, status, func.count())
        .group_by(st.c.unit_id, st.c.requirement_id, status),
        select(literal("u"), st.c.unit_id, literal(0), literal("failing"),
               func.count(st.c.person_id.distinct())).where(failing).group_by(st.c.unit_id),
    )


@cache
def _assigned_statement(source: queries.Source) -> Select[Any]:
    if source is queries.Source.PLAIN:
        return select(Person.unit_id, func.count()).where(rules.is_assigned(Person)).group_by(Person.unit_id)
    return select(UnitPersonTotal.unit_id, UnitPersonTotal.assigned)


# ---- which dates a run takes ----------------------------------------------------------------

def dates_to_take(today: date, backfill_days: int, start: date | None = None) -> tuple[list[date], int]:
    """Return the dates a run snapshots, and how many missed dates it leaves out.

    With `start`: every date from it to `today`. Otherwise the dates after the last
    snapshot up to `today` (today again when it is already taken), at most
    `backfill_days` before today; the very first run takes today only.
    """
    if start is not None:
        return _days(start, today), 0
    last = last_date(today)
    if last is None or last >= today:
        return [today], 0
    first = max(last + timedelta(days=1), today - timedelta(days=backfill_days))
    skipped = (first - last).days - 1
    return _days(first, today), skipped


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def take_many(days: Iterable[date], commit: Callable[[], None]) -> list[Taken]:
    """Take each date in turn, calling `commit` after each but the last (a date is whole or absent)."""
    days = list(days)
    taken = []
    for i, day in enumerate(days):
        taken.append(take(day))
        if i < len(days) - 1:
            commit()
    return taken
