"""Readiness answers (DESIGN.md §4): a unit on a date, a person on a date, a unit's forecast.

The services return plain dicts shaped like the API; the views only dump them.
`plain=True` answers from the base tables alone (the reference the derived data is
checked against, and the benchmark's baseline).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from readiness.engine import levels, queries, rules
from readiness.engine.queries import Source
from readiness.errors import InvalidError
from readiness.personnel.models import Person
from readiness.units.models import Unit

#: The longest forecast answered, in days (a forecast is a planning horizon, not an archive).
MAX_FORECAST_DAYS = 3 * 366


def unit_readiness(unit: Unit, on: date, *, plain: bool = False) -> dict[str, Any]:
    """Return the readiness of `unit`'s subtree on `on`, with its direct children."""
    source = queries.source_for(on, plain)
    units = queries.subtree(unit)
    counts = queries.unit_counts(unit, on, source)

    # Roll every unit of the subtree up into the direct child whose subtree holds it.
    child_of: dict[int, int] = {}
    for u in units:
        ids = u.path.strip("/").split("/")
        if len(ids) > unit.depth + 1:
            child_of[u.id] = int(ids[unit.depth + 1])
    totals = {u.id: [0, 0, 0] for u in units if u.parent_id == unit.id}
    authorized = assigned = qualified = 0
    for u in units:
        a, q = counts.people.get(u.id, (0, 0))
        authorized, assigned, qualified = authorized + u.authorized, assigned + a, qualified + q
        if u.id in child_of:
            row = totals[child_of[u.id]]
            row[0], row[1], row[2] = row[0] + u.authorized, row[1] + a, row[2] + q
    children = []
    for u in sorted((u for u in units if u.id in totals), key=lambda u: u.code):
        c_auth, c_assigned, c_qualified = totals[u.id]
        p, t = levels.p_band(c_assigned, c_auth), levels.t_band(c_qualified, c_assigned)
        children.append({
            "unit": u.code, "authorized": c_auth, "assigned": c_assigned, "qualified": c_qualified,
            "manning_pct": levels.display_pct(levels.percent(c_assigned, c_auth)),
            "qualified_pct": levels.display_pct(levels.percent(c_qualified, c_assigned)),
            "level": levels.combined_level(p.rank, t.rank),
        })

    names = queries.targets(set(counts.requirements))
    requirements = []
    for rid in sorted(counts.requirements):
        by_status = counts.requirements[rid]
        requirements.append({"id": rid, "target": names[rid],
                             "applicable": sum(by_status.values()),
                             **{s: by_status.get(s, 0) for s in rules.STATUSES}})

    p, t = levels.p_band(assigned, authorized), levels.t_band(qualified, assigned)
    level = levels.combined_level(p.rank, t.rank)
    return {
        "unit": unit.code, "as_of": on, "authorized": authorized, "assigned": assigned,
        "qualified": qualified,
        "manning_pct": levels.display_pct(levels.percent(assigned, authorized)),
        "qualified_pct": levels.display_pct(levels.percent(qualified, assigned)),
        "p_level": p.level, "t_level": t.level, "level": level,
        "reasons": reasons(unit.code, level, p, t, (authorized, assigned, qualified), requirements),
        "requirements": requirements,
        "children": children,
    }


def _people(n: int) -> str:
    return f"{n} {'person' if n == 1 else 'people'}"


def _more(n: int, what: str) -> str:
    return f"{n} more {what} {'person' if n == 1 else 'people'}"


def _pct(value: float) -> str:
    return f"{value:g}%"


def reasons(code: str, level: str | None, p: levels.Band, t: levels.Band, counts: tuple[int, int, int],
            requirements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Say why `level` is not higher: the bands below the top, worst first, then each
    requirement that holds people back, the most people first. Empty at C-1."""
    if level is None:
        return [{"kind": "no_data", "message": f"{code} has no authorized posts and no one assigned "
                                               "(earmarked and active): there is no level to give."}]
    authorized, assigned, qualified = counts
    bands = []
    for band, kind, part, whole, what, noun in (
            (p, "p_band", assigned, authorized, "Manning", "assigned"),
            (t, "t_band", qualified, assigned, "Qualified", "qualified")):
        if band.rank is None or band.rank == 1:
            continue
        value = levels.display_pct(levels.percent(part, whole))
        bands.append((band.rank, kind == "t_band", {
            "kind": kind, "level": band.level, "value": value, "next_level": band.next_level,
            "needs": float(band.needs or 0), "short": band.short,
            "message": f"{what} {_pct(value or 0)} is {band.level}: {band.next_level} needs "
                       f"{_pct(float(band.needs or 0))}: {_more(band.short or 0, noun)}.",
        }))
    out = [item for _, _, item in sorted(bands, key=lambda b: (-b[0], not b[1]))]
    if t.rank is not None and t.rank > 1:
        held = []
        for r in requirements:
            held_back = r["expired"] + r["missing"] + r["insufficient"]
            if held_back:
                parts = ", ".join(f"{r[s]} {s}" for s in ("expired", "missing", "insufficient") if r[s])
                held.append({
                    "kind": "requirement", "requirement": r["id"], "target": r["target"],
                    "held_back": held_back, "applicable": r["applicable"], "expired": r["expired"],
                    "missing": r["missing"], "insufficient": r["insufficient"],
                    "message": f"{r['target']} holds back {_people(held_back)} "
                               f"of {r['applicable']} ({parts}).",
                })
        out += sorted(held, key=lambda item: (-item["held_back"], item["requirement"]))
    return out


def person_readiness(person: Person, on: date, *, plain: bool = False) -> dict[str, Any]:
    """Return the status on `on` of every requirement that applies to `person` (rules 3–7)."""
    statuses = queries.person_statuses(person, on, queries.source_for(on, plain))
    return {
        "service_number": person.service_number, "as_of": on,
        "qualified": all(s.status in rules.GOOD for s in statuses),
        "requirements": [{"id": s.requirement_id, "target": s.target,
                          "status": s.status, "expires_on": s.expires_on} for s in statuses],
    }


def check_forecast_dates(start: date, end: date) -> None:
    """Refuse a forecast that starts before today, ends before it starts, or spans too long."""
    today = rules.today()
    if start < today:
        raise InvalidError(
            f"A forecast starts today ({today.isoformat()}) or later; ask for readiness as_of "
            "a past date instead.", {"from": [f"Must not be before today ({today.isoformat()})."]})
    if end < start:
        raise InvalidError("`to` is before `from`.", {"to": ["Must not be before `from`."]})
    if (end - start).days > MAX_FORECAST_DAYS:
        raise InvalidError(f"A forecast spans at most {MAX_FORECAST_DAYS} days.",
                           {"to": [f"Must be at most {MAX_FORECAST_DAYS} days after `from`."]})


def forecast(unit: Unit, start: date, end: date, *, plain: bool = False) -> dict[str, Any]:
    """Return `qualified` on `start` and on each later day up to `end` where it changes (rule 10)."""
    check_forecast_dates(start, end)
    by_until = queries.qualified_until_counts(unit, Source.PLAIN if plain else Source.FACTS)
    authorized = queries.authorized_strength(unit)
    assigned = sum(by_until.values())
    qualified = sum(n for (blocked, until), n in by_until.items() if not blocked and until > start)
    drops: dict[date, int] = {}
    for (blocked, until), n in by_until.items():
        if not blocked and start < until <= end:
            drops[until] = drops.get(until, 0) + n
    p = levels.p_band(assigned, authorized)
    points = []
    for day, q in levels.forecast_points(start, qualified, drops):
        t = levels.t_band(q, assigned)
        points.append({"date": day, "qualified": q,
                       "qualified_pct": levels.display_pct(levels.percent(q, assigned)),
                       "t_level": t.level, "level": levels.combined_level(p.rank, t.rank)})
    first = points[0]["level"]
    first_drop = None
    if first is not None:
        first_drop = next((pt["date"] for pt in points[1:] if _rank(pt["level"]) > _rank(first)), None)
    return {"unit": unit.code, "from": start, "to": end, "points": points, "first_drop": first_drop}


def _rank(level: str | None) -> int:
    return int(level.split("-")[1]) if level else 0
