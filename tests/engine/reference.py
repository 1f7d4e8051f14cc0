"""The rules of DESIGN.md §2 stated plainly in Python, record by record and day by day.

Written from the design, not from the engine: its own month arithmetic, its own
profile comparison, its own rounding. Slow and obvious on purpose; the engine's SQL
must give the same answers.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any


@dataclass
class Unit:
    code: str
    parent: str | None
    authorized: int = 0


@dataclass
class Person:
    sn: str
    unit: str
    role: str
    status: str = "active"
    earmarked: bool = True


@dataclass
class Requirement:
    id: int
    course: str | None = None
    standard: str | None = None
    min_level: str | None = None
    unit: str | None = None
    role: str | None = None


@dataclass
class Completion:
    sn: str
    course: str
    on: date
    revoked: bool = False


@dataclass
class Attainment:
    sn: str
    standard: str
    level: str
    on: date


@dataclass
class World:
    """Everything the rules read, with today's date and the configuration."""

    today: date
    units: dict[str, Unit] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)
    courses: dict[str, int | None] = field(default_factory=dict)  # code → validity months
    standards: dict[str, tuple[str, int | None]] = field(default_factory=dict)  # code → (scale, months)
    requirements: list[Requirement] = field(default_factory=list)
    completions: list[Completion] = field(default_factory=list)
    attainments: list[Attainment] = field(default_factory=list)
    warning_days: int = 90
    p_bands: tuple[int, ...] = (90, 80, 70)
    t_bands: tuple[int, ...] = (85, 75, 65)


def plus_months(day: date, months: int | None) -> date | None:
    """Rule 1: the same day `months` later, or the last day of that month; None never expires."""
    if months is None:
        return None
    total = day.year * 12 + (day.month - 1) + months
    year, month = total // 12, total % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def skills(level: str) -> list[int]:
    """Rule 5: the four skills of a profile, each 2·level + plus."""
    return [2 * int(d) + (1 if p else 0) for d, p in re.findall(r"([0-5])(\+?)", level)]


def in_subtree(w: World, code: str, root: str) -> bool:
    """Tell whether unit `code` is `root` or below it."""
    while code is not None:
        if code == root:
            return True
        code = w.units[code].parent  # type: ignore[assignment]
    return False


def applies(w: World, r: Requirement, p: Person) -> bool:
    """Rule 6."""
    return (r.unit is None or in_subtree(w, p.unit, r.unit)) and (r.role is None or r.role == p.role)


def course_status(w: World, p: Person, r: Requirement, day: date) -> tuple[str, date | None]:
    """Rules 2 and 3; the expiry shown is the latest of the records that count on the day."""
    months = w.courses[r.course]  # type: ignore[index]
    held = [c for c in w.completions
            if c.sn == p.sn and c.course == r.course and not c.revoked and c.on <= day]
    if not held:
        return "missing", None
    expiries = [plus_months(c.on, months) for c in held]
    valid = [e for e in expiries if e is None or day < e]
    if not valid:
        return "expired", max(e for e in expiries if e is not None)
    if any(e is None for e in valid):
        return "valid", None
    latest = max(e for e in valid if e is not None)
    return ("expiring" if latest <= day + timedelta(days=w.warning_days) else "valid"), latest


def standard_status(w: World, p: Person, r: Requirement, day: date) -> tuple[str, date | None]:
    """Rules 4 and 5: the latest result on or before the day decides."""
    scale, months = w.standards[r.standard]  # type: ignore[index]
    results = [a for a in w.attainments if a.sn == p.sn and a.standard == r.standard and a.on <= day]
    if not results:
        return "missing", None
    last = max(results, key=lambda a: a.on)
    expiry = plus_months(last.on, months)
    if expiry is not None and day >= expiry:
        return "expired", expiry
    if scale == "pass":
        below = last.level != "pass"
    else:
        below = r.min_level is not None and any(
            a < b for a, b in zip(skills(last.level), skills(r.min_level), strict=True))
    if below:
        return "insufficient", expiry
    if expiry is not None and expiry <= day + timedelta(days=w.warning_days):
        return "expiring", expiry
    return "valid", expiry


def status(w: World, p: Person, r: Requirement, day: date) -> tuple[str, date | None]:
    """The status of one requirement for one person on a day."""
    return course_status(w, p, r, day) if r.course else standard_status(w, p, r, day)


def qualified(w: World, p: Person, day: date) -> bool:
    """Rule 7."""
    return all(status(w, p, r, day)[0] in ("valid", "expiring") for r in w.requirements if applies(w, r, p))


def assigned_people(w: World, root: str) -> list[Person]:
    """Rule 8: earmarked and active, in the subtree."""
    return [p for p in w.people.values()
            if p.earmarked and p.status == "active" and in_subtree(w, p.unit, root)]


def pct(part: int, whole: int) -> float | None:
    """A percentage rounded half up to one decimal, None without a whole."""
    if whole == 0:
        return None
    exact = Fraction(100 * part, whole)
    return float((Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP))


def rank(part: int, whole: int, bands: tuple[int, ...]) -> int | None:
    """Rule 9: 1 … 4 by the bands, compared exactly (never on the rounded figure)."""
    if whole == 0:
        return None
    for i, band in enumerate(bands, 1):
        if 100 * part >= band * whole:
            return i
    return len(bands) + 1


def level(p_rank: int | None, t_rank: int | None) -> str | None:
    """The worse of the two, or the one there is."""
    ranks = [r for r in (p_rank, t_rank) if r is not None]
    return f"C-{max(ranks)}" if ranks else None


def unit_readiness(w: World, root: str, day: date) -> dict[str, Any]:
    """Unit readiness as the API shows it, without `reasons`."""
    def figures(code: str) -> dict[str, Any]:
        authorized = sum(u.authorized for u in w.units.values() if in_subtree(w, u.code, code))
        people = assigned_people(w, code)
        q = sum(qualified(w, p, day) for p in people)
        pr, tr = rank(len(people), authorized, w.p_bands), rank(q, len(people), w.t_bands)
        return {"unit": code, "authorized": authorized, "assigned": len(people), "qualified": q,
                "manning_pct": pct(len(people), authorized), "qualified_pct": pct(q, len(people)),
                "p_level": None if pr is None else f"P-{pr}", "t_level": None if tr is None else f"T-{tr}",
                "level": level(pr, tr)}

    out = figures(root)
    people = assigned_people(w, root)
    requirements = []
    for r in w.requirements:
        counts = dict.fromkeys(("valid", "expiring", "expired", "insufficient", "missing"), 0)
        applicable = [p for p in people if applies(w, r, p)]
        for p in applicable:
            counts[status(w, p, r, day)[0]] += 1
        if applicable:
            requirements.append({"id": r.id, "applicable": len(applicable), **counts})
    out["requirements"] = requirements
    out["children"] = [
        {k: v for k, v in figures(u.code).items() if k not in ("p_level", "t_level")}
        for u in sorted(w.units.values(), key=lambda u: u.code) if u.parent == root]
    out["as_of"] = day
    return out


def person_readiness(w: World, sn: str, day: date) -> dict[str, Any]:
    """Person readiness as the API shows it, without targets."""
    p = w.people[sn]
    rows = []
    for r in w.requirements:
        if applies(w, r, p):
            s, e = status(w, p, r, day)
            rows.append({"id": r.id, "status": s, "expires_on": e})
    return {"service_number": sn, "as_of": day,
            "qualified": all(row["status"] in ("valid", "expiring") for row in rows), "requirements": rows}


def forecast(w: World, root: str, start: date, end: date) -> dict[str, Any]:
    """Rule 10, day by day."""
    people = assigned_people(w, root)
    authorized = sum(u.authorized for u in w.units.values() if in_subtree(w, u.code, root))
    pr = rank(len(people), authorized, w.p_bands)
    points, day, previous = [], start, None
    while day <= end:
        q = sum(qualified(w, p, day) for p in people)
        if q != previous:
            tr = rank(q, len(people), w.t_bands)
            points.append({"date": day, "qualified": q, "qualified_pct": pct(q, len(people)),
                           "t_level": None if tr is None else f"T-{tr}", "level": level(pr, tr)})
            previous = q
        day += timedelta(days=1)
    first = points[0]["level"]
    worse = [pt["date"] for pt in points[1:]
             if first is not None and int(pt["level"][2:]) > int(first[2:])]
    return {"unit": root, "from": start, "to": end, "points": points,
            "first_drop": worse[0] if worse else None}
