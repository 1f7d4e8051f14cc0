"""The derived facts equal a recomputation from the records after every kind of write."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from readiness.engine import facts
from readiness.engine.models import FOREVER, PersonFact, RequirementFact
from readiness.extensions import db
from tests.engine.force import Force, person_id

FRESH = dict.fromkeys(
    ("requirement_facts", "person_facts", "unit_requirement_totals", "unit_person_totals"), 0)


@pytest.fixture
def force(app) -> Force:
    """Two companies of a battalion, three people, a course, a language standard, two requirements."""
    f = Force()
    f.unit("BN", authorized=2)
    f.unit("A", "BN", authorized=3)
    f.unit("B", "BN", authorized=3)
    f.course("CPTM", 48)
    f.course("CLS", 24)
    f.standard("EN", "slp", 36)
    f.person("P1", "A")
    f.person("P2", "A", "staff_officer")
    f.person("P3", "B")
    f.requirement(course="CPTM")
    f.requirement(course="CLS", unit="A")
    f.requirement(standard="EN", min_level="2222", role="staff_officer")
    db.session.commit()
    return f


def _facts(sn: str) -> dict[int, tuple[bool, date | None]]:
    rows = db.session.execute(select(RequirementFact.requirement_id, RequirementFact.below,
                                     RequirementFact.expires_on)
                              .where(RequirementFact.person_id == person_id(sn)))
    return {r: (below, exp) for r, below, exp in rows}


def test_facts_hold_one_row_per_applicable_requirement(force):
    assert len(_facts("P1")) == 2
    assert len(_facts("P2")) == 3
    assert len(_facts("P3")) == 1
    assert all(exp is None for _, exp in _facts("P2").values())
    assert facts.stale() == FRESH


def test_recording_and_revoking_keep_facts_current(force):
    first = force.completion("P1", "CPTM", date(2020, 1, 31))
    assert facts.stale() == FRESH
    later = force.completion("P1", "CPTM", date(2022, 3, 15))
    assert (False, date(2026, 3, 15)) in _facts("P1").values()
    force.revoke(later)
    assert (False, date(2024, 1, 31)) in _facts("P1").values()
    force.revoke(first)
    assert all(exp is None for _, exp in _facts("P1").values())
    assert facts.stale() == FRESH


def test_a_worse_newer_language_result_makes_the_fact_insufficient(force):
    force.attainment("P2", "EN", "SLP 3333", date(2023, 1, 10))
    force.attainment("P2", "EN", "2+2+2+1+", date(2024, 1, 10))
    assert (True, date(2027, 1, 10)) in _facts("P2").values()
    assert facts.stale() == FRESH


@pytest.mark.parametrize("change", [
    {"unit": "B"}, {"role": "staff_officer"}, {"status": "deployed"}, {"earmarked": False},
])
def test_roster_changes_keep_facts_current(force, change):
    force.completion("P1", "CLS", date(2024, 5, 1))
    force.change("P1", **change)
    assert facts.stale() == FRESH
    fact = db.session.get(PersonFact, person_id("P1"))
    assert fact.unit_id == force.people["P1"].unit_id


def test_requirement_added_and_deleted_keep_facts_current(force):
    req = force.requirement(course="CLS", role="rifleman")
    assert req.id in _facts("P3")
    assert facts.stale() == FRESH
    force.delete_requirement(req)
    assert req.id not in _facts("P3")
    assert facts.stale() == FRESH


def test_refresh_of_many_people_goes_through_the_scratch_table(force):
    for n in range(600):
        force.person(f"X{n}", "B")
    db.session.execute(RequirementFact.__table__.delete())
    facts.refresh([p.id for p in force.people.values()])
    assert facts.stale() == FRESH
    assert db.session.scalar(select(db.func.count()).select_from(facts.refresh_people)) == 0


def test_a_course_that_never_expires_is_held_forever(force):
    force.course("ORIENT", None)
    req = force.requirement(course="ORIENT")
    force.completion("P3", "ORIENT", date(2019, 5, 5))
    assert _facts("P3")[req.id] == (False, FOREVER)
    assert facts.stale() == FRESH


def test_stale_notices_a_fact_that_differs(force):
    db.session.execute(PersonFact.__table__.update().values(blocked=False))
    assert facts.stale()["person_facts"] > 0


def test_moving_a_unit_keeps_facts_current_for_everyone_in_it(force):
    from readiness.units.services import get_unit, update_unit

    force.unit("OTHER", authorized=1)
    force.course("BN-DRILL", 12)
    req = force.requirement(course="BN-DRILL", unit="BN")
    db.session.commit()
    assert req.id in _facts("P1")
    update_unit(get_unit("A"), {"parent": "OTHER"}, None)
    db.session.commit()
    assert req.id not in _facts("P1")
    assert req.id in _facts("P3")
    assert facts.stale() == FRESH


def test_an_import_folded_into_the_facts_equals_a_recomputation(app):
    """Many people at once (beyond the bound-parameter path), some already held, some never."""
    from readiness.records.services import create_completions

    f = Force()
    f.unit("BN", authorized=700)
    f.unit("A", "BN", authorized=400)
    f.unit("B", "BN", authorized=400)
    f.course("CPTM", 48)
    f.course("CLS", None)
    f.course("OTHER", 12)
    cptm = f.requirement(course="CPTM").id
    cls = f.requirement(course="CLS", unit="A").id
    for i in range(620):
        f.person(f"S{i:04d}", "A" if i % 3 else "B", earmarked=i % 7 != 0)
        if i % 4 == 0:  # some hold CPTM already, some until a date the import moves
            f.completion(f"S{i:04d}", "CPTM", date(2021 + i % 3, 1 + i % 12, 1))
    db.session.commit()
    rows = [{"service_number": f"S{i:04d}", "course": course, "completed_on": on}
            for i in range(0, 620, 2)
            for course, on in (("CPTM", date(2023, 6, 1 + i % 28)), ("CLS", date(2022, 2, 2)),
                               ("OTHER", date(2024, 1, 1)))]
    rows += [{"service_number": "S0000", "course": "CPTM", "completed_on": date(2019, 1, 1)}]  # older
    create_completions(rows, None)
    assert facts.stale() == FRESH
    assert _facts("S0002") == {cptm: (False, date(2027, 6, 3)), cls: (False, FOREVER)}
    assert _facts("S0003") == {cptm: (False, None)}  # in B, nothing recorded
    db.session.commit()
    assert facts.stale() == FRESH


@pytest.mark.parametrize("seed", range(6))
def test_several_new_records_of_a_course_fold_as_a_recomputation_says(app, seed):
    """Each person gets 0-3 stored and 1-4 new records of a course, before, between and after."""
    from readiness.records.services import create_completions

    rng = random.Random(seed)  # noqa: S311 - reproducible test data
    f = Force()
    f.unit("BN")
    f.course("YEAR", 12)
    f.course("MONTH", 1)
    f.course("EVER", None)
    f.course("OTHER", 24)
    for code in ("YEAR", "MONTH", "EVER"):
        f.requirement(course=code)
    rows = []
    for i in range(24):
        sn = f"S{i:02d}"
        f.person(sn, "BN", earmarked=i % 5 != 0)
        for code in ("YEAR", "MONTH", "EVER", "OTHER"):
            days = rng.sample(range(0, 2000, 7), rng.randint(1, 4) + rng.randint(0, 3))
            stored, new = days[:len(days) // 3], days[len(days) // 3:]
            for d in stored:
                f.completion(sn, code, date(2019, 1, 1) + timedelta(days=d), revoked=rng.random() < 0.1)
            rows += [{"service_number": sn, "course": code,
                      "completed_on": date(2019, 1, 1) + timedelta(days=d)} for d in new]
    db.session.commit()
    rng.shuffle(rows)
    create_completions(rows, None)
    assert facts.stale() == FRESH
    db.session.commit()


def test_a_past_date_between_older_results_reads_each_requirements_own_minimum(app):
    """Two results made since the date: the records decide, against this requirement's minimum."""
    from readiness.engine import services

    f = Force()
    f.unit("BN")
    f.standard("FR", "slp", None)
    f.standard("EN", "slp", None)
    f.person("P1", "BN")
    f.requirement(standard="FR", min_level="1111")
    en = f.requirement(standard="EN", min_level="3333").id
    f.attainment("P1", "FR", "1111", date(2019, 1, 1))
    for on, level in ((date(2020, 1, 1), "2222"), (date(2023, 1, 1), "3333"), (date(2024, 1, 1), "3333")):
        f.attainment("P1", "EN", level, on)
    db.session.commit()
    person = f.people["P1"]
    got = services.person_readiness(person, date(2022, 1, 1))
    assert {r["id"]: r["status"] for r in got["requirements"]}[en] == "insufficient"
    assert got == services.person_readiness(person, date(2022, 1, 1), plain=True)


def test_a_past_date_reads_a_small_unit_by_its_index_and_most_of_the_force_by_a_scan(app):
    """Both ways of reading the facts on a past date give the plain computation's answer."""
    from readiness.engine import queries, rules, services
    from readiness.units.services import get_unit

    rng = random.Random(7)  # noqa: S311 - reproducible test data
    f = Force()
    f.unit("BDE", authorized=20)
    f.unit("BIG", "BDE", authorized=18)
    f.unit("SMALL", "BDE", authorized=3)
    f.course("YEAR", 12)
    f.course("EVER", None)
    f.standard("EN", "slp", 24)
    f.requirement(course="YEAR")
    f.requirement(course="EVER", unit="BIG")
    f.requirement(standard="EN", min_level="2222")
    for i in range(20):
        sn = f"S{i:02d}"
        f.person(sn, "SMALL" if i < 2 else "BIG", earmarked=i != 5)
        for code in ("YEAR", "EVER"):
            for d in rng.sample(range(0, 2000, 9), rng.randint(0, 4)):
                f.completion(sn, code, date(2019, 1, 1) + timedelta(days=d), revoked=rng.random() < 0.1)
        for d in rng.sample(range(0, 2000, 11), rng.randint(0, 3)):
            f.attainment(sn, "EN", rng.choice(("1111", "2222", "2+2+2+2+", "3232")),
                         date(2019, 1, 1) + timedelta(days=d))
    db.session.commit()

    scans = {code: queries._scans_facts({"path": get_unit(code).path}) for code in ("BDE", "BIG", "SMALL")}
    sqlite = not rules.prefers_joins()
    assert scans == {"BDE": sqlite, "BIG": sqlite, "SMALL": False}
    for code in ("BDE", "BIG", "SMALL"):
        for day in (date(2019, 6, 1), date(2020, 12, 31), date(2022, 3, 1), date(2024, 4, 30)):
            unit = get_unit(code)
            assert services.unit_readiness(unit, day) == services.unit_readiness(unit, day, plain=True), \
                (code, day)
