"""The demo force as plain data keyed by DESIGN.md §1 names, deterministic for a seed and a date."""

from __future__ import annotations

import calendar
import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from readiness.demo import interop, names

Row = dict[str, Any]
_Posts = tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class DemoForce:
    """The demo force, one list of rows per kind of record."""

    units: list[Row]
    personnel: list[Row]
    courses: list[Row]
    standards: list[Row]
    requirements: list[Row]
    completions: list[Row]
    attainments: list[Row]
    evaluations: list[Row] = field(default_factory=list)  # OCC E&F (readiness.demo.interop)
    pledges: list[Row] = field(default_factory=list)  # UN PCRS, with their milestones


# Posts (role, count) held by a unit itself; its children hold their own.
_HQ: _Posts = (("brigade_commander", 1), ("staff_officer", 17), ("signaller", 5), ("driver", 5), ("medic", 2))
_MOG: _Posts = (("staff_officer", 6), ("military_observer", 14))
_BN: _Posts = (("battalion_commander", 1), ("staff_officer", 6), ("signaller", 3), ("driver", 3),
               ("medic", 2))
_COY: _Posts = (("company_commander", 1), ("squad_leader", 1), ("signaller", 1), ("driver", 2), ("medic", 1))
_INF_PLATOON: _Posts = (("platoon_commander", 1), ("squad_leader", 3), ("rifleman", 15), ("medic", 1))
_CS_COMPANIES: tuple[tuple[str, str, _Posts], ...] = (
    ("ENG", "Engineer Company",
     (("platoon_commander", 1), ("squad_leader", 2), ("engineer", 10), ("driver", 1))),
    ("LOG", "Logistics Company", (("platoon_commander", 1), ("squad_leader", 2), ("driver", 9))),
    ("SIG", "Signals Company", (("platoon_commander", 1), ("squad_leader", 1), ("signaller", 8))),
    ("MED", "Medical Company", (("platoon_commander", 1), ("squad_leader", 1), ("medic", 6))),
)
_ORDINALS = ("1st", "2nd", "3rd")

_RANKS: dict[str, tuple[tuple[str, int], ...]] = {
    "rifleman": (("Private", 80), ("Corporal", 20)), "squad_leader": (("Sergeant", 75), ("Corporal", 25)),
    "platoon_commander": (("Lieutenant", 1),), "company_commander": (("Captain", 85), ("Major", 15)),
    "battalion_commander": (("Lieutenant Colonel", 1),), "brigade_commander": (("Colonel", 1),),
    "staff_officer": (("Lieutenant", 5), ("Captain", 40), ("Major", 40), ("Lieutenant Colonel", 15)),
    "military_observer": (("Captain", 55), ("Major", 45)),
    "medic": (("Private", 30), ("Corporal", 40), ("Sergeant", 30)),
    "engineer": (("Private", 55), ("Corporal", 30), ("Sergeant", 15)),
    "driver": (("Private", 65), ("Corporal", 35)),
    "signaller": (("Private", 45), ("Corporal", 35), ("Sergeant", 20)),
}
OFFICER_RANKS = frozenset({"Lieutenant", "Captain", "Major", "Lieutenant Colonel", "Colonel"})
_COMMAND_ROLES = frozenset(role for role in _RANKS if role.endswith("_commander"))
_FEMALE_SHARE = {"medic": 0.3, "signaller": 0.2, "staff_officer": 0.15, "military_observer": 0.2,
                 "platoon_commander": 0.08}

# Looked up along a unit's ancestry: share of posts filled, and how often training lapses.
_FILL = {"PKB-2BN-C": 0.86, "PKB-3BN-LOG": 0.9, "PKB-HQ": 1.0, "PKB": 0.98}
_LAPSE = {"PKB-2BN-C": 4.0, "PKB-3BN-LOG": 1.8, "PKB-MOG": 0.5, "PKB-HQ": 0.7, "PKB": 1.0}

_UN, _NSO = "UN DPO Integrated Training Service", "NATO School Oberammergau"
_PTEC, _NPTC = "Azerbaijan PfP Training Centre (PTEC)", "National Peacekeeping Training Centre"
_COURSES: tuple[tuple[str, str, str, str, int | None], ...] = (
    ("UN-CPTM", "UN Core Pre-Deployment Training Materials (CPTM)", _UN, "individual", 48),
    ("UN-STM-POC", "UN STM: Protection of Civilians", _UN, "individual", 48),
    ("UN-STM-CRSV", "UN STM: Conflict-Related Sexual Violence", _UN, "individual", 48),
    ("UN-STM-CP", "UN STM: Child Protection", _UN, "individual", 48),
    ("UN-STM-UNMEM", "UN STM: Military Experts on Mission", _UN, "individual", 48),
    ("UN-STM-SO", "UN STM: Staff Officers", _UN, "individual", 48),
    ("UN-STM-IB", "UN STM: Infantry Battalion", _UN, "collective", 48),
    ("NSO-N3-07", "NATO Staff Officer Orientation Course", _NSO, "individual", None),
    ("NSO-M5-34", "Comprehensive Operations Planning Course", _NSO, "individual", None),
    ("NSO-M3-108", "Counter-IED Staff Planning Course", _NSO, "individual", 36),
    ("AZ-PTEC-MOC", "UN Military Observer Course", _PTEC, "individual", 36),
    ("AZ-PTEC-PSO", "Peace Support Operations Staff Course", _PTEC, "individual", 48),
    ("AZ-PTEC-CIMIC", "CIMIC Field Worker Course", _PTEC, "individual", 36),
    ("AZ-PTEC-ENG", "Military English Terminology Course", _PTEC, "individual", None),
    ("NPTC-CLS", "Combat Lifesaver and First Aid", _NPTC, "individual", 24),
    ("NPTC-CIED", "Mine Awareness and Counter-IED", _NPTC, "individual", 24),
    ("NPTC-DRV", "Mission Vehicle Defensive Driving", _NPTC, "individual", 36),
    ("NPTC-ROE", "Rules of Engagement and Use of Force", _NPTC, "individual", 24),
)
_STANDARDS: tuple[tuple[str, str, str, str, int], ...] = (
    ("STANAG6001-EN", "English language proficiency (STANAG 6001)", "NATO", "slp", 36),
    ("STANAG6001-FR", "French language proficiency (STANAG 6001)", "NATO", "slp", 36),
    ("AZ-WPN-QUAL", "Individual weapons qualification", "National", "pass", 12),
)
# (course, standard, min_level, unit, role)
_REQUIREMENTS: tuple[tuple[str | None, str | None, str | None, str | None, str | None], ...] = (
    ("UN-CPTM", None, None, None, None), ("NPTC-CIED", None, None, "PKB", None),
    ("NPTC-CLS", None, None, "PKB", None), (None, "AZ-WPN-QUAL", None, "PKB", None),
    ("UN-STM-IB", None, None, "PKB-1BN", None), ("UN-STM-IB", None, None, "PKB-2BN", None),
    ("UN-STM-POC", None, None, None, "platoon_commander"),
    ("UN-STM-POC", None, None, None, "company_commander"),
    ("UN-STM-POC", None, None, None, "staff_officer"), ("UN-STM-SO", None, None, None, "staff_officer"),
    ("UN-STM-UNMEM", None, None, None, "military_observer"),
    ("AZ-PTEC-MOC", None, None, None, "military_observer"), ("NPTC-DRV", None, None, None, "driver"),
    ("UN-STM-CRSV", None, None, "PKB-MOG", None), ("UN-STM-CP", None, None, "PKB-MOG", None),
    (None, "STANAG6001-EN", "2222", None, "staff_officer"),
    (None, "STANAG6001-EN", "2222", None, "company_commander"),
    (None, "STANAG6001-EN", "3222", None, "military_observer"),
    (None, "STANAG6001-FR", "2211", "PKB-MOG", None),
)
# Courses people take without being required to: (code, chance) by kind of person.
_EXTRAS: dict[str, tuple[tuple[str, float], ...]] = {
    "officer": (("NSO-N3-07", 0.25), ("NSO-M5-34", 0.08), ("NSO-M3-108", 0.06), ("AZ-PTEC-PSO", 0.3),
                ("AZ-PTEC-ENG", 0.3), ("UN-STM-CRSV", 0.2), ("UN-STM-CP", 0.15), ("NPTC-ROE", 0.3),
                ("AZ-PTEC-CIMIC", 0.05)),
    "nco": (("NPTC-ROE", 0.35), ("UN-STM-POC", 0.15), ("AZ-PTEC-ENG", 0.05)),
    "soldier": (("NPTC-ROE", 0.1),),
}
_COURSE_INFO = {code: (kind, months) for code, _, _, kind, months in _COURSES}
_OPTIONAL_OUTCOMES = ("valid", "valid", "valid", "expired")
_DAY = dt.timedelta(days=1)


def _add_months(day: dt.date, months: int) -> dt.date:
    """Add calendar months, keeping to the last day of a shorter month."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _slp_text(skills: list[int]) -> str:
    """Write half-step skill values (0..10) in the stored form, e.g. '3+32+2'."""
    return "".join(f"{v // 2}{'+' if v % 2 else ''}" for v in skills)


def _units() -> list[tuple[Row, _Posts]]:
    """Lay out the brigade, parents before children, with each unit's own posts."""
    out: list[tuple[Row, _Posts]] = []

    def add(code: str, name: str, parent: str | None, kind: str, posts: _Posts = ()) -> None:
        out.append(({"code": code, "name": name, "parent": parent, "kind": kind,
                     "authorized_strength": sum(n for _, n in posts)}, posts))

    add("PKB", "Peacekeeping Brigade", None, "brigade")
    add("PKB-HQ", "Brigade Headquarters", "PKB", "hq", _HQ)
    add("PKB-MOG", "Military Observer and Staff Officer Group", "PKB", "detachment", _MOG)
    for n in (1, 2):
        bn, bn_name = f"PKB-{n}BN", f"{_ORDINALS[n - 1]} Battalion"
        add(bn, f"{_ORDINALS[n - 1]} Peacekeeping Infantry Battalion", "PKB", "battalion", _BN)
        for letter in "ABC":
            add(f"{bn}-{letter}", f"{letter} Company, {bn_name}", bn, "company", _COY)
            for p, ordinal in enumerate(_ORDINALS, 1):
                add(f"{bn}-{letter}-{p}", f"{ordinal} Platoon, {letter} Company, {bn_name}",
                    f"{bn}-{letter}", "platoon", _INF_PLATOON)
    add("PKB-3BN", "3rd Combat Support Battalion", "PKB", "battalion", _BN)
    for suffix, name, platoon in _CS_COMPANIES:
        coy = f"PKB-3BN-{suffix}"
        add(coy, f"{name}, 3rd Battalion", "PKB-3BN", "company", _COY)
        for p, ordinal in enumerate(_ORDINALS, 1):
            add(f"{coy}-{p}", f"{ordinal} Platoon, {name}, 3rd Battalion", coy, "platoon", platoon)
    return out


class _Builder:
    """Holds the random source and the reference date while records are generated."""

    def __init__(self, today: dt.date, seed: int, units: list[Row]) -> None:
        self.rng = random.Random(seed)  # noqa: S311  -- demo data, not secrets
        self.today = today
        self.start = _add_months(today, -48)
        self.parent: dict[str, str | None] = {u["code"]: u["parent"] for u in units}
        self.kind: dict[str, str] = {u["code"]: u["kind"] for u in units}
        self.collective: dict[str, dt.date] = {}
        self.completions: list[Row] = []
        self.attainments: list[Row] = []

    def chain(self, code: str | None) -> list[str]:
        """Return the unit and its ancestors, nearest first."""
        return [code, *self.chain(self.parent[code])] if code else []

    def lookup(self, table: dict[str, float], code: str) -> float:
        """Return the value set for the nearest ancestor listed in `table`."""
        return next(table[c] for c in self.chain(code) if c in table)

    def day(self, lo: dt.date, hi: dt.date) -> dt.date:
        """Pick a day in [lo, hi], a weekday where the range allows."""
        d = lo
        for _ in range(8):
            d = lo + self.rng.randint(0, max(0, (hi - lo).days)) * _DAY
            if d.weekday() < 5:
                break
        return d

    def window(self, months: int | None, outcome: str) -> tuple[dt.date, dt.date]:
        """Return the range for the latest record so that today it is `outcome`."""
        t = self.today
        if months is None or outcome in ("valid", "insufficient"):
            lo = self.start if months is None else _add_months(t + 95 * _DAY, -months)
            return max(lo, self.start), t
        if outcome == "expiring":
            return _add_months(t + 3 * _DAY, -months), _add_months(t + 88 * _DAY, -months)
        hi = _add_months(t, -months) - 3 * _DAY
        # A lapsed four-year record reaches back a few months before the four-year window.
        return (max(self.start, hi - 400 * _DAY) if hi - self.start > 60 * _DAY else hi - 180 * _DAY), hi

    def outcome(self, lapse: float, newcomer: bool, *, graded: bool = False) -> str:
        """Draw today's status of one requirement for one person."""
        if newcomer and self.rng.random() < 0.6:
            return "missing"
        r = self.rng.random()
        for status, p in (("missing", 0.012 * lapse), ("expired", 0.02 * lapse),
                          ("insufficient", 0.025 * lapse if graded else 0.0), ("expiring", 0.05)):
            if r < p:
                return status
            r -= p
        return "valid"

    def complete(self, sn: str, code: str, kind: str, months: int | None, outcome: str, unit: str) -> None:
        """Record the completions that leave a course in `outcome` today."""
        if outcome == "missing":
            return
        if kind == "collective":
            dates = [self.collective_date(unit)]
        else:
            dates = [self.day(*self.window(months, outcome))]
            while months and outcome != "expired" and self.rng.random() < 0.85:
                # Recertified a few weeks before the previous completion expired.
                prev = _add_months(dates[-1], -months) + self.rng.randint(5, 75) * _DAY
                prev -= max(0, prev.weekday() - 4) * _DAY
                if prev < self.start:
                    break
                dates.append(prev)
        for d in reversed(dates):
            score = (None if kind == "collective" or self.rng.random() < 0.25
                     else round(self.rng.triangular(60, 100, 86)))
            self.completions.append({"service_number": sn, "course": code, "completed_on": d, "score": score})

    def collective_date(self, unit: str) -> dt.date:
        """Return when the person's company (or battalion staff) trained together."""
        owner = next(c for c in self.chain(unit) if self.kind[c] in ("company", "battalion"))
        if owner not in self.collective:
            if owner == "PKB-2BN-C":  # the weak company: its STM-IB lapses within weeks
                lo = _add_months(self.today, -48) + 35 * _DAY
                self.collective[owner] = self.day(lo, lo + 10 * _DAY)
            else:
                lo = _add_months(self.today + 150 * _DAY, -48)
                self.collective[owner] = self.day(lo, self.today - 60 * _DAY)
        return self.collective[owner]

    def attain(self, sn: str, code: str, months: int, outcome: str, minimum: str | None, mean: float) -> None:
        """Record the assessments that leave a standard in `outcome` today."""
        if outcome == "missing":
            return
        rng, latest = self.rng, self.day(*self.window(months, outcome))
        history: list[tuple[dt.date, str]] = []
        if minimum is None and code == "AZ-WPN-QUAL":
            history.append((latest, "fail" if outcome == "insufficient" else "pass"))
            while len(history) < 4 and rng.random() < 0.8:
                prev = _add_months(history[-1][0], -12) + rng.randint(-20, 40) * _DAY
                if prev < self.start:
                    break
                history.append((self.day(prev - 2 * _DAY, prev), "pass"))
            # Now and then a failed shoot, passed on a retest a few weeks later.
            older = history[1][0] if len(history) > 1 else self.start
            retest = latest - rng.randint(14, 35) * _DAY
            if outcome != "insufficient" and retest > older and rng.random() < 0.05:
                history.append((retest, "fail"))
        else:
            skills = self.profile(mean, minimum, outcome == "insufficient")
            history.append((latest, _slp_text(skills)))
            decline = rng.random() < 0.06  # an older test that was better than the newest
            for _ in range(rng.choice((0, 0, 1, 1, 2))):
                prev = history[-1][0] - rng.randint(240, 600) * _DAY
                if prev < self.start:
                    break
                step = 1 if decline else -1
                skills = [min(9, max(0, v + step * rng.choice((0, 1, 1, 2)))) for v in skills]
                history.append((self.day(prev - 3 * _DAY, prev), _slp_text(skills)))
        for d, level in sorted(history):
            self.attainments.append({"service_number": sn, "standard": code, "level": level,
                                     "assessed_on": d})

    def profile(self, mean: float, minimum: str | None, below: bool) -> list[int]:
        """Draw a four-skill profile in half steps, meeting or missing a minimum."""
        rng = self.rng
        base = round(rng.gauss(mean, 0.45) * 2)
        jitter = ((-1, 0, 0, 1), (-1, 0, 0, 1), (0, 0, 1), (-2, -1, -1, 0))
        skills = [min(9, max(1, base + rng.choice(j))) for j in jitter]
        if minimum is None:
            return skills
        need = [int(c) * 2 for c in minimum]  # minimums are plain digits, e.g. '3222'
        skills = [max(v, n) for v, n in zip(skills, need, strict=True)]
        if below:
            for i in rng.sample(range(4), rng.choice((1, 1, 2))):
                skills[i] = max(0, need[i] - rng.choice((1, 2)))
        return skills


def _person(b: _Builder, unit: str, role: str, cyrillic: tuple[str, str, str] | None) -> Row:
    """Draw one person for a post; the service number comes later."""
    rng = b.rng
    labels, weights = zip(*_RANKS[role], strict=True)
    rank = rng.choices(labels, weights)[0]
    female = rng.random() < _FEMALE_SHARE.get(role, 0.03)
    if cyrillic:
        family, given, patronymic = cyrillic
    else:
        family = rng.choice(names.FAMILY_GENDERED + names.FAMILY_INVARIANT)
        if female and family in names.FAMILY_GENDERED:
            family += "a"
        given = rng.choice(names.FEMALE_GIVEN if female else names.MALE_GIVEN)
        father = rng.choice([n for n in names.MALE_GIVEN if n != given])
        patronymic = f"{father} {names.DAUGHTER if female else names.SON}"
    r = rng.random()
    status = "deployed" if r < (0.15 if unit == "PKB-MOG" else 0.03) else (
        "unavailable" if r > 0.965 else "active")
    return {"service_number": "", "rank": rank, "family_name": family, "given_name": given,
            "patronymic": patronymic, "unit": unit, "role": role, "status": status,
            "earmarked": status == "deployed" or rng.random() > 0.035, "email": None}


def _staff(b: _Builder, layout: list[tuple[Row, _Posts]]) -> list[Row]:
    """Fill the posts (some left vacant) and add a few people who have left the service."""
    people: list[Row] = []
    for unit, posts in layout:
        slots = [role for role, n in posts for _ in range(n)]
        open_ = [i for i, role in enumerate(slots) if role not in _COMMAND_ROLES]
        vacant = set(b.rng.sample(open_, round(len(slots) * (1 - b.lookup(_FILL, unit["code"])))))
        people += [_person(b, unit["code"], role, None)
                   for i, role in enumerate(slots) if i not in vacant]
    eligible = [p for p in people if p["role"] in ("medic", "signaller", "driver")]
    for p, name in zip(b.rng.sample(eligible, len(names.CYRILLIC)), names.CYRILLIC, strict=True):
        p.update(_person(b, p["unit"], p["role"], name))
    platoons = [u["code"] for u, _ in layout if u["kind"] == "platoon"]
    for _ in range(8):
        gone = _person(b, b.rng.choice(platoons), b.rng.choice(("rifleman", "driver")), None)
        people.append({**gone, "status": "separated", "earmarked": False})
    numbers = b.rng.sample(range(100_000, 1_000_000), len(people))
    cyrillic, taken = {c[0] for c in names.CYRILLIC}, set()
    for p, number in zip(people, numbers, strict=True):
        p["service_number"] = f"AZ-{number}"
        wants = p["rank"] in OFFICER_RANKS or (p["rank"] == "Sergeant" and b.rng.random() < 0.15)
        if wants and p["family_name"] not in cyrillic:
            local = ".".join("".join(names.ASCII.get(c, c) for c in p[k]).lower()
                             for k in ("given_name", "family_name"))
            candidate, n = local, 1
            while candidate in taken:
                n += 1
                candidate = f"{local}{n}"
            taken.add(candidate)
            p["email"] = f"{candidate}@mod.example"
    return people


def _train(b: _Builder, person: Row) -> None:
    """Generate one person's completions and attainments."""
    rng, sn, unit, role = b.rng, person["service_number"], person["unit"], person["role"]
    chain = b.chain(unit)
    lapse, newcomer = b.lookup(_LAPSE, unit), rng.random() < 0.03
    needs: dict[str, str | None] = {}
    for course, standard, minimum, r_unit, r_role in _REQUIREMENTS:
        if (r_unit is None or r_unit in chain) and (r_role is None or r_role == role):
            key = course or standard or ""
            # Plain four-digit minimums compare as strings; keep the stricter one.
            needs[key] = max(needs.get(key) or "", minimum or "") or None
    for code, minimum in needs.items():
        if code in _COURSE_INFO:
            kind, months = _COURSE_INFO[code]
            b.complete(sn, code, kind, months, b.outcome(lapse, newcomer and code != "UN-CPTM"), unit)
        elif code == "AZ-WPN-QUAL":
            b.attain(sn, code, 12, b.outcome(lapse, newcomer, graded=True), None, 0)
        else:
            mean = 2.3 if code.endswith("FR") else 3.0 if role == "military_observer" else 2.6
            b.attain(sn, code, 36, b.outcome(lapse, newcomer, graded=True), minimum, mean)
    officer = person["rank"] in OFFICER_RANKS
    tier = "officer" if officer else "nco" if person["rank"] == "Sergeant" else "soldier"
    for code, chance in _EXTRAS[tier]:
        if code not in needs and rng.random() < chance:
            kind, months = _COURSE_INFO[code]
            b.complete(sn, code, kind, months, rng.choice(_OPTIONAL_OUTCOMES), unit)
    if "STANAG6001-EN" not in needs and rng.random() < (0.6 if officer else 0.05):
        b.attain(sn, "STANAG6001-EN", 36, rng.choice(_OPTIONAL_OUTCOMES), None, 2.2 if officer else 1.6)


def build_demo_force(today: dt.date, seed: int = 2026) -> DemoForce:
    """Generate the demo brigade with training records up to `today`."""
    layout = _units()
    b = _Builder(today, seed, [u for u, _ in layout])
    people = _staff(b, layout)
    for person in people:
        _train(b, person)
    return DemoForce(
        units=[u for u, _ in layout],
        personnel=people,
        courses=[{"code": c, "title": t, "provider": p, "kind": k, "validity_months": v}
                 for c, t, p, k, v in _COURSES],
        standards=[{"code": c, "title": t, "body": body, "scale": s, "validity_months": v}
                   for c, t, body, s, v in _STANDARDS],
        requirements=[{"course": c, "standard": s, "min_level": m, "unit": u, "role": r}
                      for c, s, m, u, r in _REQUIREMENTS],
        completions=b.completions,
        attainments=b.attainments,
        evaluations=interop.evaluations(today),
        pledges=interop.pledges(today),
    )
