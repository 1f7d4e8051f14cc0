"""Set-based questions behind the readiness pages: the people × requirements matrix, the gap
list and the deployment-day lapses of a subtree on a date, each in a few statements.

The rules are the engine's (`readiness.engine.rules`): a requirement's standing comes from
the derived facts for today and later dates, and from the records themselves for past
dates (`rules.standing`), so these answers agree with `engine.services.unit_readiness`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, func, literal, not_, null, select, true

from readiness.engine import queries as engine_queries
from readiness.engine import rules, snapshots
from readiness.engine.models import RequirementFact
from readiness.extensions import db
from readiness.personnel.models import Person
from readiness.training.models import Course, Requirement, Standard
from readiness.units.models import Unit

#: The order of urgency of what is not good: gone first, then never held, then too low.
URGENCY = {"expired": 0, "missing": 1, "insufficient": 2, "expiring": 3, "valid": 4}


@dataclass(frozen=True)
class MatrixFilters:
    """What a matrix shows: a subtree (the unit or a sub-unit), optionally one role and one status."""

    path: str  # the subtree's materialised path
    role: str | None = None
    status: str | None = None
    everyone: bool = False  # the whole roster, not only the assigned people


@dataclass(frozen=True)
class PersonRow:
    """A person of the matrix, gap or lapse list."""

    id: int
    service_number: str
    rank: str
    family_name: str
    given_name: str
    role: str
    unit: str
    assigned: bool


def _subtree(path: str) -> Select[Any]:
    return select(Unit.id).where(Unit.path.startswith(path, autoescape=True))


def _standing(on: date, people: rules.PersonFilter, path: str, *, everyone: bool) -> Any:
    """(person_id, requirement_id, unit_id, assigned, below, expires_on) of the subtree's people on `on`.

    Read it only through `_status`, `_good` and `_expiry`, which hold the engine's conventions.
    """
    if engine_queries.source_for(on) is engine_queries.Source.FACTS:
        f = RequirementFact
        where = [f.unit_id.in_(_subtree(path)), people(f.person_id)]
        if not everyone:
            where.append(f.assigned == true())
        return select(f.person_id, f.requirement_id, f.unit_id, f.assigned, f.below, f.expires_on).where(
            *where).subquery("standing")
    # A past date: what the records said then, on today's roster and requirements (as the engine does).
    in_subtree = select(Person.id).where(Person.unit_id.in_(_subtree(path)))
    if not everyone:
        in_subtree = in_subtree.where(rules.is_assigned(Person))
    pairs = rules.applicable_pairs(lambda column: and_(column.in_(in_subtree), people(column)))
    return rules.standing(pairs, on).subquery("standing")


def _status(st: Any, on: date) -> Any:
    """SQL: the status on `on` of a standing row."""
    return rules.status(st.c.below, st.c.expires_on, on, on + timedelta(days=rules.warning_days()))


def _good(st: Any, on: date) -> Any:
    """SQL: whether a standing row is valid or expiring on `on`."""
    return rules.is_good(st.c.below, st.c.expires_on, on)


def _expiry(value: date | None) -> date | None:
    """The expiry a person sees (none for a record that never expires)."""
    return rules.shown_expiry(value)


# ---- labels and navigation ------------------------------------------------------------------

@dataclass(frozen=True)
class RequirementLabel:
    """What a requirement asks for: the engine's `target` and the course or standard title."""

    id: int
    target: str
    title: str
    scope: str  # 'everyone', a unit code, a role or both


def requirement_labels(ids: set[int]) -> dict[int, RequirementLabel]:
    """Return the label of each requirement, in one query."""
    if not ids:
        return {}
    targets = engine_queries.targets(ids)
    rows = db.session.execute(
        select(Requirement.id, func.coalesce(Course.title, Standard.title), Unit.code, Requirement.role)
        .outerjoin(Course, Course.id == Requirement.course_id)
        .outerjoin(Standard, Standard.id == Requirement.standard_id)
        .outerjoin(Unit, Unit.id == Requirement.unit_id)
        .where(Requirement.id.in_(ids)))
    out = {}
    for rid, title, unit, role in rows:
        scope = " · ".join(p for p in (unit, role.replace("_", " ") if role else None) if p) or "everyone"
        out[rid] = RequirementLabel(rid, targets[rid], title, scope)
    return out


def ancestors(unit: Unit, scope_path: str | None) -> list[tuple[str, str]]:
    """Return (code, name) of `unit`'s ancestors inside the scope, root first."""
    ids = [int(i) for i in unit.path.strip("/").split("/")[:-1]]
    if not ids:
        return []
    rows = db.session.execute(select(Unit.code, Unit.name, Unit.path).where(Unit.id.in_(ids))
                              .order_by(Unit.depth))
    return [(code, name) for code, name, path in rows if scope_path is None or path.startswith(scope_path)]


def unit_names(codes: set[str]) -> dict[str, tuple[str, str]]:
    """Return code → (name, kind) for the given units."""
    if not codes:
        return {}
    return {code: (name, kind) for code, name, kind in db.session.execute(
        select(Unit.code, Unit.name, Unit.kind).where(Unit.code.in_(codes)))}


def sub_units(unit: Unit, levels: int = 2) -> list[tuple[str, str, int]]:
    """Return (code, name, depth below `unit`) of the units up to `levels` below it, in tree order."""
    rows = db.session.execute(
        select(Unit.code, Unit.name, Unit.depth)
        .where(Unit.path.startswith(unit.path, autoescape=True), Unit.depth > unit.depth,
               Unit.depth <= unit.depth + levels)
        .order_by(Unit.path))
    return [(code, name, depth - unit.depth) for code, name, depth in rows]


def unit_under(unit: Unit, code: str) -> Unit | None:
    """Return the unit `code` if it lies in `unit`'s subtree, else None."""
    found = db.session.scalar(select(Unit).where(Unit.code == code))
    return found if found is not None and found.path.startswith(unit.path) else None


def roles(unit: Unit) -> list[str]:
    """Return the roles held by people of `unit`'s subtree."""
    return list(db.session.scalars(
        select(Person.role).where(Person.unit_id.in_(_subtree(unit.path))).distinct().order_by(Person.role)))


def roots() -> list[Unit]:
    """Return the units without a parent, by code."""
    return list(db.session.scalars(select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.code)))


# ---- the matrix ----------------------------------------------------------------------------

def _people_where(filters: MatrixFilters) -> list[Any]:
    where = [Person.unit_id.in_(_subtree(filters.path))]
    if not filters.everyone:
        where.append(rules.is_assigned(Person))
    if filters.role:
        where.append(Person.role == filters.role)
    return where


def _filtered_ids(filters: MatrixFilters, on: date) -> Select[Any]:
    """The ids of the people the filters keep (status: at least one requirement in that status)."""
    ids = select(Person.id).where(*_people_where(filters))
    if filters.status:
        st = _standing(on, lambda column: column.in_(ids), filters.path, everyone=filters.everyone)
        ids = select(st.c.person_id).where(_status(st, on) == filters.status)
    return ids


def _person_rows(stmt: Select[Any]) -> list[PersonRow]:
    return [PersonRow(*row) for row in db.session.execute(stmt)]


def _person_columns() -> tuple[Any, ...]:
    return (Person.id, Person.service_number, Person.rank, Person.family_name, Person.given_name, Person.role,
            Unit.code, rules.is_assigned(Person))


@dataclass
class Matrix:
    """A page of the matrix: its people, the requirements as columns, and each cell's status."""

    people: list[PersonRow]
    total: int  # people the filters keep, over all pages
    requirements: list[RequirementLabel]
    cells: dict[tuple[int, int], tuple[str, date | None]]  # (person, requirement) → status, expires_on
    counts: dict[str, int]  # cells per status over all pages


def matrix(filters: MatrixFilters, on: date, page: int | None = 1, per_page: int = 200) -> Matrix:
    """Return one page of people (all of them when `page` is None) with the status of every cell on `on`."""
    ids = _filtered_ids(filters, on)
    people_stmt = (select(*_person_columns()).join(Unit, Unit.id == Person.unit_id)
                   .where(Person.id.in_(ids)).order_by(Unit.path, Person.family_name, Person.given_name,
                                                       Person.service_number))
    if page is not None:
        people_stmt = people_stmt.limit(per_page).offset((page - 1) * per_page)
    people = _person_rows(people_stmt)

    # Counts and columns are over every person the filters keep, so pages agree on them.
    st = _standing(on, lambda column: column.in_(ids), filters.path, everyone=filters.everyone)
    status = _status(st, on)
    counts: dict[str, int] = {}
    columns: set[int] = set()
    for rid, name, n in db.session.execute(
            select(st.c.requirement_id, status, func.count()).group_by(st.c.requirement_id, status)):
        columns.add(rid)
        counts[name] = counts.get(name, 0) + n
    total = db.session.scalar(select(func.count()).select_from(ids.subquery())) or 0

    cells: dict[tuple[int, int], tuple[str, date | None]] = {}
    if people:
        page_ids = [p.id for p in people]
        page_st = _standing(on, lambda column: column.in_(page_ids), filters.path, everyone=True)
        for pid, rid, name, expires in db.session.execute(
                select(page_st.c.person_id, page_st.c.requirement_id, _status(page_st, on),
                       page_st.c.expires_on)):
            cells[(pid, rid)] = (name, _expiry(expires))
            columns.add(rid)
    labels = requirement_labels(columns)
    return Matrix(people, total, sorted(labels.values(), key=lambda r: (r.target, r.id)), cells, counts)


# ---- the gap list --------------------------------------------------------------------------

@dataclass
class GapGroup:
    """One requirement: who needs it now, who lapses by the horizon, the most urgent first."""

    requirement: RequirementLabel
    now: int  # expired, missing or insufficient on the date
    lapsing: int  # good on the date, gone by the horizon
    first_lapse: date | None
    people: list[tuple[PersonRow, str, date | None]]  # person, status on the date, expires_on


def gaps(path: str, on: date, horizon: date, per_group: int = 25) -> list[GapGroup]:
    """Return, per requirement, the assigned people who are not good on `horizon`, most urgent first."""
    st = _standing(on, rules.everyone, path, everyone=False)
    status = _status(st, on)
    needed = not_(_good(st, horizon))
    now = not_(_good(st, on))
    summary = {rid: (int(n_now or 0), int(n_all) - int(n_now or 0), _expiry(first))
               for rid, n_now, n_all, first in db.session.execute(
                   select(st.c.requirement_id, func.sum(case((now, 1), else_=0)), func.count(),
                          func.min(case((now, null()), else_=st.c.expires_on)))
                   .where(needed).group_by(st.c.requirement_id))}
    if not summary:
        return []
    urgency = case(*((status == name, literal(rank)) for name, rank in URGENCY.items()), else_=literal(9))
    ranked = (select(st.c.person_id, st.c.requirement_id, status.label("status"),
                     st.c.expires_on, urgency.label("urgency"),
                     func.row_number().over(partition_by=st.c.requirement_id,
                                            order_by=(urgency, st.c.expires_on, st.c.person_id)).label("n"))
              .where(needed).subquery("ranked"))
    rows = db.session.execute(
        select(*_person_columns(), ranked.c.requirement_id, ranked.c.status, ranked.c.expires_on)
        .join(ranked, ranked.c.person_id == Person.id).join(Unit, Unit.id == Person.unit_id)
        .where(ranked.c.n <= per_group)
        .order_by(ranked.c.requirement_id, ranked.c.urgency, ranked.c.expires_on, Person.family_name))
    people: dict[int, list[tuple[PersonRow, str, date | None]]] = {}
    for row in rows:
        people.setdefault(row[8], []).append((PersonRow(*row[:8]), row[9], _expiry(row[10])))
    labels = requirement_labels(set(summary))
    groups = [GapGroup(labels[rid], n_now, lapsing, first, people.get(rid, []))
              for rid, (n_now, lapsing, first) in summary.items()]
    return sorted(groups, key=lambda g: (-g.now, -g.lapsing, g.first_lapse or date.max, g.requirement.target))


# ---- deployment day ------------------------------------------------------------------------

@dataclass
class Lapses:
    """Who holds something on the base date that is gone on deployment day."""

    people: list[tuple[PersonRow, list[tuple[RequirementLabel, date]]]]  # earliest lapse first
    total_people: int
    total_items: int


def lapses(path: str, base: date, deploy_on: date, page: int | None = 1, per_page: int = 100) -> Lapses:
    """Return the assigned people whose requirements are good on `base` and lapse by `deploy_on`.

    Both dates are today or later, so the derived facts answer: a held requirement lapses
    when its expiry falls after `base` and on or before `deploy_on`.
    """
    f = RequirementFact
    lapsing = and_(f.assigned == true(), f.unit_id.in_(_subtree(path)),
                   rules.is_good(f.below, f.expires_on, base), f.expires_on <= deploy_on)
    per_person = (select(f.person_id, func.min(f.expires_on).label("first"), func.count().label("n"))
                  .where(lapsing).group_by(f.person_id).subquery("per_person"))
    total_people, total_items = db.session.execute(
        select(func.count(), func.coalesce(func.sum(per_person.c.n), 0))).one()
    stmt = (select(*_person_columns()).join(Unit, Unit.id == Person.unit_id)
            .join(per_person, per_person.c.person_id == Person.id)
            .order_by(per_person.c.first, Unit.path, Person.family_name, Person.id))
    if page is not None:
        stmt = stmt.limit(per_page).offset((page - 1) * per_page)
    people = _person_rows(stmt)
    items: dict[int, list[tuple[int, date]]] = {}
    if people:
        for pid, rid, expires in db.session.execute(
                select(f.person_id, f.requirement_id, f.expires_on)
                .where(lapsing, f.person_id.in_([p.id for p in people])).order_by(f.expires_on)):
            items.setdefault(pid, []).append((rid, expires))
    labels = requirement_labels({rid for rows in items.values() for rid, _ in rows})
    return Lapses([(p, [(labels[rid], d) for rid, d in items.get(p.id, [])]) for p in people],
                  int(total_people), int(total_items))


# ---- history -------------------------------------------------------------------------------

def trend(unit: Unit, start: date, end: date) -> list[dict[str, Any]]:
    """Return the unit's daily snapshots (the scheduler's `snapshots` job) from `start` to `end`."""
    return [{"date": s.as_of, "qualified_pct": s.qualified_pct, "manning_pct": s.manning_pct,
             "level": s.level} for s in snapshots.history(unit.id, start, end)]


def has_history_table() -> bool:
    """Tell whether the scheduler has stored any snapshot yet (of any unit)."""
    return snapshots.any_stored()

