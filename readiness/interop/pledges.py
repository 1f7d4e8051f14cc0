"""PCRS pledges and their milestones: register, record, change, list.

`create_pledges` follows the bulk contract of readiness.imports (every row checked before
anything is written, one query per kind of lookup, audited, flushed; the caller commits).
A unit has at most one pledge open at a time: periods from `pledged_on` to `withdrawn_on`
never overlap.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import Select, select

from readiness import audit
from readiness.db import utcnow
from readiness.errors import ConflictError, InvalidError, NotFoundError, describe_errors
from readiness.extensions import db
from readiness.interop.models import VISITS, Milestone, Pledge, label
from readiness.interop.rows import actor_name, ensure_in_scope, not_after, plain, units_of
from readiness.records.bulk import RowErrors, local_today
from readiness.units.models import Unit

FIELDS = ("capability", "strength", "pledged_on", "days_to_deploy", "withdrawn_on", "remarks")
MILESTONE_FIELDS = ("kind", "dated_on", "result", "reference", "remarks")
_OPEN = date.max


def pledge_problems(values: dict[str, Any], today: date) -> dict[str, list[str]]:
    """Return what is wrong with a pledge's own values: field → messages."""
    found: dict[str, list[str]] = defaultdict(list)
    found["pledged_on"] += not_after(values["pledged_on"], today, ": register a pledge once it is made")
    withdrawn = values.get("withdrawn_on")
    if withdrawn is not None:
        if withdrawn <= values["pledged_on"]:
            found["withdrawn_on"].append(f"Must be after pledged_on ({values['pledged_on'].isoformat()}).")
        found["withdrawn_on"] += not_after(withdrawn, today)
    return {k: v for k, v in found.items() if v}


def milestone_problems(values: dict[str, Any], today: date) -> dict[str, list[str]]:
    """Return what is wrong with a milestone (API names: `date` for dated_on): field → messages."""
    kind, day, name = values["kind"], values["dated_on"], label(values["kind"])
    if values.get("result") is not None and kind not in VISITS:
        return {"result": [f"A {name} has no result; only visits (aav, rdl_verification) do."]}
    if values.get("result") is not None and day > today:
        return {
            "result": [
                f"The {name} of {day.isoformat()} lies after today ({today.isoformat()}): "
                "record its result once it has taken place."
            ]
        }
    if kind not in VISITS and day > today:
        return {
            "date": [
                f"The {name} is dated {day.isoformat()}, after today ({today.isoformat()}); "
                "only a visit may be recorded ahead (scheduled)."
            ]
        }
    return {}


def _overlaps(periods: list[tuple[date, date, Any]]) -> dict[Any, str]:
    """Return, for each new pledge (tagged by its index) overlapping another of its unit, the message."""
    found: dict[Any, str] = {}
    reach: tuple[date, date, Any] | None = None  # of the periods so far, the one ending last
    for period in sorted(periods, key=lambda p: (p[0], isinstance(p[2], int))):
        if reach is not None and period[0] < reach[1]:
            new, other = (period, reach) if isinstance(period[2], int) else (reach, period)
            if isinstance(new[2], int):
                found.setdefault(
                    new[2],
                    f"Overlaps the pledge of {other[0].isoformat()} "
                    + (
                        "(still open): withdraw it first."
                        if other[1] == _OPEN
                        else f"(withdrawn {other[1].isoformat()})."
                    ),
                )
        if reach is None or period[1] > reach[1]:
            reach = period
    return found


def _stored_periods(unit_ids: set[int], but: int | None = None) -> dict[int, list[tuple[date, date, Any]]]:
    rows = db.session.execute(
        select(Pledge.unit_id, Pledge.pledged_on, Pledge.withdrawn_on, Pledge.id).where(
            Pledge.unit_id.in_(unit_ids), Pledge.id != (but or 0)
        )
    )
    periods: dict[int, list[tuple[date, date, Any]]] = defaultdict(list)
    for unit_id, start, end, pledge_id in rows:
        periods[unit_id].append((start, end or _OPEN, f"pledge {pledge_id}"))
    return periods


def _milestone(values: dict[str, Any], by: str, now: Any) -> Milestone:
    return Milestone(**{f: values.get(f) for f in MILESTONE_FIELDS}, recorded_by=by, recorded_at=now)


def _milestone_changes(m: dict[str, Any], pledge_id: int) -> dict[str, Any]:
    return {"pledge": pledge_id, **{("date" if f == "dated_on" else f): m.get(f) for f in MILESTONE_FIELDS}}


def _repeated_milestones(milestones: list[dict[str, Any]], stored: set[tuple[str, date]]) -> dict[int, Any]:
    first: dict[tuple[str, date], int] = {}
    found = {}
    for j, m in enumerate(milestones):
        key = (m["kind"], m["dated_on"])
        if key in stored:
            found[j] = {"date": [f"Already recorded: {m['kind']} of {m['dated_on'].isoformat()}."]}
        elif key in first:
            found[j] = {"date": [f"Same kind and date as item {first[key]}."]}
        first.setdefault(key, j)
    return found


def create_pledges(rows: list[dict[str, Any]], actor: Any, *, today: date | None = None) -> list[Pledge]:
    """Register schema-loaded pledge rows (each with its `unit` code and milestones), all or none."""
    today = today or local_today()
    errors = RowErrors("pledges")
    units = units_of(rows, errors, actor)
    for index, row in enumerate(rows):
        if found := pledge_problems(row, today):
            errors.invalid[index].update(found)
        if bad := {
            j: f for j, m in enumerate(row.get("milestones", [])) if (f := milestone_problems(m, today))
        }:
            errors.invalid[index]["milestones"] = bad  # type: ignore[assignment]
        if repeats := _repeated_milestones(row.get("milestones", []), set()):
            errors.conflict[index]["milestones"] = repeats  # type: ignore[assignment]
    known = {u.id for u in units.values()}
    periods = (
        _stored_periods(known) if known and not (errors.invalid or errors.forbidden) else defaultdict(list)
    )
    for index, row in enumerate(rows):
        if row["unit"] in units:
            periods[units[row["unit"]].id].append(
                (row["pledged_on"], row.get("withdrawn_on") or _OPEN, index)
            )
    for unit_periods in periods.values():
        for index, message in _overlaps(unit_periods).items():
            errors.conflict[index]["pledged_on"].append(message)
    errors.raise_any()

    now, by = utcnow(), actor_name(actor)
    created = [
        Pledge(
            unit=units[row["unit"]],
            **{f: row.get(f) for f in FIELDS},
            recorded_by=by,
            recorded_at=now,
            milestones=[_milestone(m, by, now) for m in row.get("milestones", [])],
        )
        for row in rows
    ]
    db.session.add_all(created)
    db.session.flush()
    audit.record_many(
        actor,
        "create",
        "pcrs_pledge",
        [
            (str(p.id), {"unit": row["unit"], **{f: row.get(f) for f in FIELDS}})
            for p, row in zip(created, rows, strict=True)
        ],
    )
    audit.record_many(
        actor,
        "create",
        "pcrs_milestone",
        [
            (str(m.id), _milestone_changes({f: getattr(m, f) for f in MILESTONE_FIELDS}, p.id))
            for p in created
            for m in p.milestones
        ],
    )
    return created


def update_pledge(pledge: Pledge, data: dict[str, Any], actor: Any, *, today: date | None = None) -> Pledge:
    """Change a pledge: what is pledged, the days to deploy, its withdrawal."""
    ensure_in_scope(actor, pledge.unit)
    today = today or local_today()
    before = {f: getattr(pledge, f) for f in FIELDS}
    after = {**before, **data}
    if found := pledge_problems(after, today):
        raise InvalidError("Invalid pledge: " + "; ".join(describe_errors(found)), found)
    periods = _stored_periods({pledge.unit_id}, but=pledge.id)[pledge.unit_id]
    periods.append((after["pledged_on"], after["withdrawn_on"] or _OPEN, 0))
    if message := _overlaps(periods).get(0):
        field = "pledged_on" if after["pledged_on"] != before["pledged_on"] else "withdrawn_on"
        raise ConflictError(message, {field: [message]})
    changes = {f: [plain(before[f]), plain(after[f])] for f in FIELDS if before[f] != after[f]}
    for field in changes:
        setattr(pledge, field, after[field])
    if changes:
        pledge.updated_at = utcnow()
        db.session.flush()
        audit.record(actor, "update", "pcrs_pledge", str(pledge.id), changes)
    return pledge


def create_milestones(
    pledge: Pledge, rows: list[dict[str, Any]], actor: Any, *, today: date | None = None
) -> list[Milestone]:
    """Record schema-loaded milestones of a pledge, all or none."""
    ensure_in_scope(actor, pledge.unit)
    today = today or local_today()
    errors = RowErrors("milestones")
    for index, row in enumerate(rows):
        for field, messages in milestone_problems(row, today).items():
            errors.invalid[index][field] += messages
    stored = {(m.kind, m.dated_on) for m in pledge.milestones}
    for index, found in _repeated_milestones(rows, stored).items():
        errors.conflict[index].update(found)
    errors.raise_any()
    now, by = utcnow(), actor_name(actor)
    created = [_milestone(row, by, now) for row in rows]
    pledge.milestones.extend(created)
    pledge.updated_at = now
    db.session.flush()
    audit.record_many(
        actor,
        "create",
        "pcrs_milestone",
        [(str(m.id), _milestone_changes(row, pledge.id)) for m, row in zip(created, rows, strict=True)],
    )
    return created


def update_milestone(
    milestone: Milestone, data: dict[str, Any], actor: Any, *, today: date | None = None
) -> Milestone:
    """Change a milestone, e.g. record the result of a visit that has taken place."""
    pledge = milestone.pledge
    ensure_in_scope(actor, pledge.unit)
    today = today or local_today()
    before = {f: getattr(milestone, f) for f in MILESTONE_FIELDS}
    after = {**before, **data}
    if found := milestone_problems(after, today):
        raise InvalidError("Invalid milestone: " + "; ".join(describe_errors(found)), found)
    stored = {(m.kind, m.dated_on) for m in pledge.milestones if m.id != milestone.id}
    if (after["kind"], after["dated_on"]) in stored:
        message = f"Already recorded: {after['kind']} of {after['dated_on'].isoformat()}."
        raise ConflictError(message, {"date": [message]})
    changes = {
        ("date" if f == "dated_on" else f): [plain(before[f]), plain(after[f])]
        for f in MILESTONE_FIELDS
        if before[f] != after[f]
    }
    for field in MILESTONE_FIELDS:
        setattr(milestone, field, after[field])
    if changes:
        pledge.updated_at = utcnow()
        db.session.flush()
        audit.record(actor, "update", "pcrs_milestone", str(milestone.id), {"pledge": pledge.id, **changes})
    return milestone


def list_pledges(unit: Unit, filters: dict[str, Any]) -> Select[tuple[Pledge]]:
    """Return the statement listing a unit's pledges, latest first."""
    stmt = select(Pledge).where(Pledge.unit_id == unit.id)
    if "open" in filters:
        stmt = stmt.where(
            Pledge.withdrawn_on.is_(None) if filters["open"] else Pledge.withdrawn_on.is_not(None)
        )
    return stmt.order_by(Pledge.pledged_on.desc(), Pledge.id.desc())


def get_pledge(unit: Unit, pledge_id: int) -> Pledge:
    """Return the unit's pledge with this id, or raise NotFoundError."""
    pledge = db.session.get(Pledge, pledge_id)
    if pledge is None or pledge.unit_id != unit.id:
        raise NotFoundError(f"Pledge {pledge_id} of {unit.code} not found.")
    return pledge


def get_milestone(pledge: Pledge, milestone_id: int) -> Milestone:
    """Return the pledge's milestone with this id, or raise NotFoundError."""
    milestone = db.session.get(Milestone, milestone_id)
    if milestone is None or milestone.pledge_id != pledge.id:
        raise NotFoundError(f"Milestone {milestone_id} of pledge {pledge.id} not found.")
    return milestone
