"""A national-scale force for the benchmark, as rows ready for bulk loading.

1,000 units in five levels, 50,000 people, 200 courses, 4 language standards,
200 requirements, 2,000,000 completions and 100,000 language results over six years,
deterministic for a seed and a date. Most training is current; each battalion has its
own lapse rate, so units land on every level.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from readiness.training.dates import add_months, expires_on

ROLES_BY_KIND = {
    "force": (("staff_officer", 8), ("signaller", 1), ("driver", 1)),
    "brigade": (("staff_officer", 6), ("signaller", 2), ("driver", 1), ("medic", 1)),
    "battalion": (("staff_officer", 5), ("signaller", 2), ("driver", 2), ("medic", 1)),
    "company": (("company_commander", 1), ("squad_leader", 2), ("driver", 3), ("medic", 2),
                ("signaller", 2)),
    "platoon": (("platoon_commander", 1), ("squad_leader", 4), ("rifleman", 20), ("medic", 1),
                ("driver", 1), ("engineer", 1)),
}
# People per unit of each kind (its own posts), before scaling to the head count.
WEIGHT = {"force": 100, "brigade": 100, "battalion": 40, "company": 10, "platoon": 70}
LANGUAGES = ("EN", "FR", "AR", "RU")
VALIDITY = (None, 12, 24, 24, 36, 36, 48, 48, 48)
YEARS_OF_RECORDS = 6
LAPSES = (0.3, 0.6, 1, 1, 1.5, 2.5, 4)  # how often a battalion lets training lapse
STAMP = datetime(2020, 1, 1, 12, 0, 0)


@dataclass(frozen=True)
class Scale:
    """How big a force to build."""

    units: int = 1_000
    people: int = 50_000
    courses: int = 200
    requirements: int = 200
    completions: int = 2_000_000
    attainments: int = 100_000
    seed: int = 2026


@dataclass
class Force:
    """Rows per table, as tuples in the order of `COLUMNS`."""

    today: date
    rows: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)


COLUMNS = {
    "units": ("id", "code", "name", "parent_id", "kind", "authorized_strength", "path", "depth"),
    "personnel": ("id", "service_number", "rank", "family_name", "given_name", "patronymic", "unit_id",
                  "role", "status", "earmarked", "email"),
    "courses": ("id", "code", "title", "provider", "kind", "validity_months"),
    "standards": ("id", "code", "title", "body", "scale", "validity_months"),
    "requirements": ("id", "course_id", "standard_id", "min_level", "unit_id", "role"),
    "completions": ("id", "person_id", "course_id", "completed_on", "expires_on", "score",
                    "verification_code", "revoked", "revoke_reason", "revoked_at", "recorded_by",
                    "recorded_at"),
    "attainments": ("id", "person_id", "standard_id", "level", "assessed_on", "expires_on",
                    "recorded_by", "recorded_at"),
}


def _level_sizes(total: int) -> list[int]:
    # 1 force HQ, brigades, battalions (~500 people each), companies, platoons.
    sizes = [1, 8, 100, 300]
    return [*sizes, total - sum(sizes)]


def _units(scale: Scale, rng: random.Random) -> list[dict[str, Any]]:
    kinds = ("force", "brigade", "battalion", "company", "platoon")
    units: list[dict[str, Any]] = []
    previous: list[dict[str, Any]] = []
    for depth, (kind, count) in enumerate(zip(kinds, _level_sizes(scale.units), strict=True)):
        level = []
        for i in range(count):
            uid = len(units) + 1
            parent = previous[i * len(previous) // count] if previous else None
            code = "FORCE" if parent is None else f"{parent['code']}-{i + 1}" if depth < 2 else \
                f"{parent['code']}-{kind[0].upper()}{i + 1}"
            unit = {"id": uid, "code": code, "kind": kind, "parent": parent, "depth": depth,
                    "path": (parent["path"] if parent else "/") + f"{uid}/",
                    "lapse": parent["lapse"] if parent and depth > 2 else rng.choice(LAPSES)}
            level.append(unit)
            units.append(unit)
        previous = level
    return units


def _window(rng: random.Random, today: date, months: int | None, outcome: str, start: date) -> date:
    """Pick the date of the latest record so that today it is `outcome`."""
    if months is None:
        return start + timedelta(days=rng.randint(0, (today - start).days))
    if outcome == "expiring":
        lo = add_months(today + timedelta(days=3), -months)
        hi = add_months(today + timedelta(days=88), -months)
    elif outcome == "expired":
        hi = add_months(today, -months) - timedelta(days=3)
        lo = hi - timedelta(days=400)
    else:
        lo, hi = add_months(today + timedelta(days=95), -months), today
    lo, hi = max(lo, start), max(min(hi, today), start)
    return lo + timedelta(days=rng.randint(0, max(0, (hi - lo).days)))


def _outcome(rng: random.Random, lapse: float) -> str:
    r = rng.random()
    for name, p in (("missing", 0.015 * lapse), ("expired", 0.02 * lapse), ("expiring", 0.04)):
        if r < p:
            return name
        r -= p
    return "valid"


def _slp(rng: random.Random, mean: float) -> str:
    base = round(rng.gauss(mean, 0.5) * 2)
    values = [min(10, max(0, base + rng.choice((-1, 0, 0, 1)))) for _ in range(4)]
    return "".join(f"{min(v, 10) // 2}{'+' if v % 2 and v < 10 else ''}" for v in values)


def build(scale: Scale, today: date) -> Force:
    """Build the force's rows for `today` (records up to it, none after)."""
    rng = random.Random(scale.seed)
    force = Force(today)
    start = add_months(today, -12 * YEARS_OF_RECORDS)
    units = _units(scale, rng)
    weights = [WEIGHT[u["kind"]] for u in units]
    per_weight = scale.people / sum(weights)

    # People: each unit holds about its share of the head count; authorized a bit above.
    people: list[dict[str, Any]] = []
    unit_rows = []
    owed = 0.0
    for unit, weight in zip(units, weights, strict=True):
        owed += weight * per_weight
        count = int(owed)
        owed -= count
        roles, role_weights = zip(*ROLES_BY_KIND[unit["kind"]], strict=True)
        for _ in range(count):
            role = rng.choices(roles, role_weights)[0]
            r = rng.random()
            status = ("active" if r < 0.88 else "deployed" if r < 0.93
                      else "unavailable" if r < 0.97 else "separated")
            people.append({"id": len(people) + 1, "unit": unit, "role": role, "status": status,
                           "earmarked": status != "separated" and rng.random() < 0.85})
        unit_rows.append((unit["id"], unit["code"], f"{unit['kind'].title()} {unit['code']}",
                          unit["parent"]["id"] if unit["parent"] else None, unit["kind"],
                          round(count * rng.uniform(1.0, 1.25)), unit["path"], unit["depth"]))
    while len(people) < scale.people:  # rounding leftovers go to the last platoon
        people.append({"id": len(people) + 1, "unit": units[-1], "role": "rifleman", "status": "active",
                       "earmarked": True})
    force.rows["units"] = unit_rows
    force.rows["personnel"] = [
        (p["id"], f"BN-{p['id']:06d}", "Private", f"Family{p['id'] % 997}", f"Given{p['id'] % 211}", None,
         p["unit"]["id"], p["role"], p["status"], p["earmarked"], None) for p in people]

    validity = {c: rng.choice(VALIDITY) for c in range(1, scale.courses + 1)}
    force.rows["courses"] = [
        (c, f"C{c:03d}", f"Course {c}", "Bench Training Centre", "individual", validity[c]) for c in validity]
    force.rows["standards"] = [(i, f"STANAG6001-{lang}", f"{lang} language (STANAG 6001)", "NATO", "slp", 36)
                               for i, lang in enumerate(LANGUAGES, 1)]

    # Requirements: force-wide, per brigade, per battalion; some for a role only.
    brigades = [u for u in units if u["kind"] == "brigade"]
    battalions = [u for u in units if u["kind"] == "battalion"]
    reqs: list[tuple[Any, ...]] = []

    def add(course: int | None, standard: int | None, minimum: str | None, unit: Any,
            role: str | None) -> None:
        reqs.append((len(reqs) + 1, course, standard, minimum, unit["id"] if unit else None, role))

    for c in range(1, 9):
        add(c, None, None, None, None)
    add(9, None, None, None, "staff_officer")
    add(10, None, None, None, "medic")
    add(None, 1, "2222", None, "staff_officer")
    add(None, 1, "2+2+22", None, "company_commander")
    for i, brigade in enumerate(brigades):
        for k in range(4):
            add(11 + (4 * i + k) % 40, None, None, brigade, None if k < 3 else "squad_leader")
        add(None, 2 + i % 3, "2211", brigade, "staff_officer")
    course_no = 51
    while len(reqs) < scale.requirements:
        battalion = battalions[len(reqs) % len(battalions)]
        add(course_no, None, None, battalion, rng.choice((None, None, "rifleman", "driver", "medic")))
        course_no = course_no + 1 if course_no < scale.courses else 51
    force.rows["requirements"] = reqs

    # Which requirements apply to whom (rule 6), by walking each person's ancestry.
    by_unit: dict[int | None, list[tuple[Any, ...]]] = {}
    for r in reqs:
        by_unit.setdefault(r[4], []).append(r)
    completions: list[tuple[Any, ...]] = []
    attainments: list[tuple[Any, ...]] = []
    course_ids = list(validity)
    for p in people:
        chain = [int(x) for x in p["unit"]["path"].strip("/").split("/")]
        applicable = [r for key in (None, *chain) for r in by_unit.get(key, ())
                      if r[5] is None or r[5] == p["role"]]
        lapse = p["unit"]["lapse"]
        taken: set[tuple[int, date]] = set()
        for r in applicable:
            if r[1] is not None:
                _history(rng, p["id"], r[1], validity[r[1]], _outcome(rng, lapse), today, start, taken,
                         completions)
            else:
                _results(rng, p["id"], r[2], r[3], _outcome(rng, lapse), today, start, attainments)
        p["taken"] = taken
    # Courses nobody requires of them fill the records up to the total.
    while len(completions) < scale.completions:
        p = people[rng.randrange(len(people))]
        course = course_ids[rng.randrange(len(course_ids))]
        day = start + timedelta(days=rng.randint(0, (today - start).days))
        if (course, day) in p["taken"]:
            continue
        p["taken"].add((course, day))
        completions.append((p["id"], course, day, expires_on(day, validity[course])))
    while len(attainments) < scale.attainments:
        p = people[rng.randrange(len(people))]
        _results(rng, p["id"], rng.randint(1, len(LANGUAGES)), None, "valid", today, start, attainments,
                 once=True)
    force.rows["completions"] = _completion_rows(rng, completions[:scale.completions])
    force.rows["attainments"] = _attainment_rows(attainments[:scale.attainments])
    return force


def _history(rng: random.Random, person: int, course: int, months: int | None, outcome: str, today: date,
             start: date, taken: set[tuple[int, date]], out: list[tuple[Any, ...]]) -> None:
    """Add the completions that leave a course in `outcome` today, renewals before it."""
    if outcome == "missing":
        return
    day = _window(rng, today, months, outcome, start)
    days = [day]
    while months and rng.random() < 0.9:
        prev = add_months(days[-1], -months) + timedelta(days=rng.randint(5, 75))
        if prev < start or prev >= days[-1]:
            break
        days.append(prev)
    for d in days:
        if (course, d) not in taken:
            taken.add((course, d))
            out.append((person, course, d, expires_on(d, months)))


def _results(rng: random.Random, person: int, standard: int, minimum: str | None, outcome: str, today: date,
             start: date, out: list[tuple[Any, ...]], once: bool = False) -> None:
    """Add language results; the latest sometimes below the minimum, sometimes worse than before."""
    if outcome == "missing":
        return
    day = _window(rng, today, 36, outcome, start)
    mean = 2.6 if minimum is None else 2.8
    history = [(day, _slp(rng, mean))]
    for _ in range(0 if once else rng.choice((0, 1, 1, 2))):
        prev = history[-1][0] - timedelta(days=rng.randint(240, 700))
        if prev < start:
            break
        history.append((prev, _slp(rng, mean)))
    for d, level in history:
        out.append((person, standard, level, d))


def _completion_rows(rng: random.Random, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    out = []
    for i, (person, course, day, expiry) in enumerate(rows, 1):
        revoked = rng.random() < 0.003
        out.append((i, person, course, day, expiry, 60 + i % 41, f"BENCH-{i:09d}", revoked,
                    "Issued in error" if revoked else None, STAMP if revoked else None, "bench", STAMP))
    return out


def _attainment_rows(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    seen: set[tuple[int, int, date]] = set()
    out = []
    for person, standard, level, day in rows:
        if (person, standard, day) in seen:
            continue
        seen.add((person, standard, day))
        out.append((len(out) + 1, person, standard, level, day, expires_on(day, 36), "bench", STAMP))
    return out
