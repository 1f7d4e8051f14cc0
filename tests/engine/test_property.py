"""Random small forces: the engine's SQL answers as the plain Python statement of the rules does."""

from __future__ import annotations

import os
from datetime import date, timedelta
from typing import Any
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readiness.engine import facts, rules, services
from readiness.extensions import db
from readiness.personnel.services import get_person
from readiness.units.services import get_unit
from tests.conftest import _empty_all_tables
from tests.engine import reference as ref
from tests.engine.conftest import TODAY
from tests.engine.force import Force

STATUSES = ("active", "active", "deployed", "unavailable", "separated")
PROFILES = ("1+111", "2222", "2+2+2+2+", "2+32+2", "3333", "4444")
MINIMUMS = (None, "2222", "2+2+22", "3222")


@st.composite
def worlds(draw: Any) -> ref.World:
    """A force of a few units, people, courses, standards, requirements and records up to TODAY."""
    w = ref.World(today=TODAY)
    for i in range(draw(st.integers(1, 4))):
        parent = draw(st.sampled_from(sorted(w.units))) if w.units else None
        w.units[f"U{i}"] = ref.Unit(f"U{i}", parent, draw(st.integers(0, 3)))
    for i in range(draw(st.integers(1, 2))):
        w.courses[f"C{i}"] = draw(st.sampled_from((None, 1, 12, 13)))
    for i in range(draw(st.integers(0, 2))):
        w.standards[f"S{i}"] = draw(st.sampled_from((("slp", 12), ("slp", None), ("pass", 1))))
    for i in range(draw(st.integers(1, 6))):
        w.people[f"P{i}"] = ref.Person(f"P{i}", draw(st.sampled_from(sorted(w.units))),
                                       draw(st.sampled_from("ab")), draw(st.sampled_from(STATUSES)),
                                       draw(st.booleans()))
    targets = [("course", c) for c in w.courses] + [("standard", s) for s in w.standards]
    for i in range(draw(st.integers(1, 4))):
        kind, code = draw(st.sampled_from(targets))
        slp = kind == "standard" and w.standards[code][0] == "slp"
        minimum = draw(st.sampled_from(MINIMUMS)) if slp else None
        unit = draw(st.sampled_from([None, None, *sorted(w.units)]))
        role = draw(st.sampled_from((None, None, "a", "b")))
        course, standard = (code, None) if kind == "course" else (None, code)
        w.requirements.append(ref.Requirement(i + 1, course, standard, minimum, unit, role))
    people = sorted(w.people)
    if people:
        seen: set[tuple[str, str, date]] = set()
        for _ in range(draw(st.integers(0, 12))):
            key = (draw(st.sampled_from(people)), draw(st.sampled_from(sorted(w.courses))),
                   TODAY - timedelta(days=draw(st.integers(0, 800))))
            if key not in seen:
                seen.add(key)
                revoked = draw(st.booleans()) and draw(st.booleans())
                w.completions.append(ref.Completion(*key, revoked=revoked))
        for _ in range(draw(st.integers(0, 6) if w.standards else st.just(0))):
            code = draw(st.sampled_from(sorted(w.standards)))
            level = draw(st.sampled_from(PROFILES if w.standards[code][0] == "slp" else ("pass", "fail")))
            key = (draw(st.sampled_from(people)), code, TODAY - timedelta(days=draw(st.integers(0, 800))))
            if key not in seen:
                seen.add(key)
                w.attainments.append(ref.Attainment(key[0], key[1], level, key[2]))
    return w


def _days(w: ref.World, draw: Any) -> list[date]:
    """Days to ask about: past, today, future, and the edges of the records (start, expiry, warning)."""
    edges = {TODAY}
    spans = [(c.on, ref.plus_months(c.on, w.courses[c.course])) for c in w.completions]
    spans += [(a.on, ref.plus_months(a.on, w.standards[a.standard][1])) for a in w.attainments]
    for start, expiry in spans:
        edges |= {start, start - timedelta(days=1)}
        if expiry:
            edges |= {expiry, expiry - timedelta(days=1), expiry - timedelta(days=w.warning_days),
                      expiry - timedelta(days=w.warning_days + 1)}
    picked = draw(st.lists(st.sampled_from(sorted(edges)), min_size=1, max_size=8, unique=True))
    return sorted({*picked, TODAY + timedelta(days=draw(st.integers(-900, 500)))})


def _build(w: ref.World) -> dict[int, int]:
    """Store the world through the ORM, signalling like the services; return requirement ids."""
    force = Force()
    for u in w.units.values():
        force.unit(u.code, u.parent, u.authorized)
    for code, months in w.courses.items():
        force.course(code, months)
    for code, (scale, months) in w.standards.items():
        force.standard(code, scale, months)
    for p in w.people.values():
        force.person(p.sn, p.unit, p.role, status=p.status, earmarked=p.earmarked)
    ids = {}
    for r in w.requirements:
        ids[force.requirement(course=r.course, standard=r.standard, min_level=r.min_level, unit=r.unit,
                              role=r.role).id] = r.id
    records = []
    for c in w.completions:
        records.append((force.completion(c.sn, c.course, c.on), c.revoked))
    for a in w.attainments:
        force.attainment(a.sn, a.standard, a.level, a.on)
    for record, revoked in records:  # revoked after the fact, as users do
        if revoked:
            force.revoke(record)
    db.session.commit()
    return ids


def _plain_unit(answer: dict[str, Any], ids: dict[int, int]) -> dict[str, Any]:
    out = {k: v for k, v in answer.items() if k != "reasons"}
    out["requirements"] = [{"id": ids[r["id"]], **{k: v for k, v in r.items() if k not in ("id", "target")}}
                           for r in answer["requirements"]]
    return out


# PostgreSQL pays a round trip per statement: fewer examples keep both runs near 30 s.
MAX_EXAMPLES = 20 if os.environ.get("TEST_DATABASE_URL") else 40


# The app fixture is function-scoped on purpose (a fresh app per test); every example
# empties the tables itself before building its force, so examples never share data.
@settings(max_examples=MAX_EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(w=worlds(), data=st.data())
def test_engine_agrees_with_the_plain_statement_of_the_rules(app, w, data):
    db.session.rollback()
    _empty_all_tables()
    with mock.patch.object(rules, "today", return_value=TODAY):
        ids = _build(w)
        assert not any(facts.stale().values())
        for day in _days(w, data.draw):
            for code in w.units:
                got = _plain_unit(services.unit_readiness(get_unit(code), day), ids)
                assert got == ref.unit_readiness(w, code, day), (code, day)
            for sn in w.people:
                got = services.person_readiness(get_person(sn), day)
                got["requirements"] = [
                    {"id": ids[r["id"]], "status": r["status"], "expires_on": r["expires_on"]}
                    for r in got["requirements"]]
                assert got == ref.person_readiness(w, sn, day), (sn, day)
        root = next(u.code for u in w.units.values() if u.parent is None)
        start = TODAY + timedelta(days=data.draw(st.integers(0, 30)))
        end = start + timedelta(days=data.draw(st.integers(0, 420)))
        assert services.forecast(get_unit(root), start, end) == ref.forecast(w, root, start, end)
