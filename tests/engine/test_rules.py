"""The rules of DESIGN.md §2, one table per rule, at the edges; every answer is also checked
against the plain computation (tests.engine.conftest), on past dates and from today on."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from readiness.engine import levels
from tests.engine.conftest import TODAY, person_answer, status_of, unit_answer

D = date.fromisoformat


def _one_course(force, validity, completed=(), revoked=()):
    force.unit("U", authorized=1)
    force.course("C", validity)
    force.person("P1", "U")
    req = force.requirement(course="C")
    for day in completed:
        force.completion("P1", "C", D(day))
    for day in revoked:
        force.completion("P1", "C", D(day), revoked=True)
    return req


# Rules 1–3: expiry by calendar months, the day itself, month ends and leap days, the warning window.
@pytest.mark.parametrize(("validity", "completed", "as_of", "status", "expires"), [
    (1, "2024-01-31", "2024-01-30", "missing", None),  # not yet completed
    (1, "2024-01-31", "2024-01-31", "expiring", "2024-02-29"),  # the completion day counts
    (1, "2024-01-31", "2024-02-28", "expiring", "2024-02-29"),  # Jan 31 + 1 month, leap year
    (1, "2024-01-31", "2024-02-29", "expired", "2024-02-29"),  # the expiry day itself is expired
    (12, "2024-02-29", "2025-02-27", "expiring", "2025-02-28"),  # leap day + 12 months
    (12, "2024-02-29", "2025-02-28", "expired", "2025-02-28"),
    (1, "2025-03-31", "2025-04-29", "expiring", "2025-04-30"),  # from today on: the facts
    (1, "2025-03-31", "2025-04-30", "expired", "2025-04-30"),
    (24, "2025-01-31", "2025-03-31", "valid", "2027-01-31"),  # today
    (24, "2025-01-31", "2026-11-01", "valid", "2027-01-31"),  # expiry 91 days ahead
    (24, "2025-01-31", "2026-11-02", "expiring", "2027-01-31"),  # expiry exactly 90 days ahead
    (24, "2025-01-31", "2023-06-01", "missing", None),
    (None, "2020-05-05", "2030-01-01", "valid", None),  # never expires
    (None, "2020-05-05", "2020-05-04", "missing", None),
])
def test_course_status_on_a_day(force, validity, completed, as_of, status, expires):
    _one_course(force, validity, [completed])
    assert status_of("P1", D(as_of)) == (status, expires and D(expires))


@pytest.mark.parametrize(("completed", "revoked", "as_of", "status", "expires"), [
    ([], ["2025-01-10"], "2025-02-01", "missing", None),  # a revoked completion never counts
    ([], ["2025-01-10"], "2025-06-01", "missing", None),  # … not from today on either
    (["2022-01-10"], ["2025-01-10"], "2025-02-01", "expired", "2023-01-10"),
    (["2024-12-10"], ["2025-01-10"], "2025-06-01", "valid", "2025-12-10"),  # the older one counts
    (["2024-06-10"], ["2025-01-10"], "2025-04-01", "expiring", "2025-06-10"),
])
def test_revoked_completion_never_counts(force, completed, revoked, as_of, status, expires):
    _one_course(force, 12, completed, revoked)
    assert status_of("P1", D(as_of)) == (status, expires and D(expires))


@pytest.mark.parametrize(("as_of", "status", "expires"), [
    ("2024-03-01", "expiring", "2024-04-15"),  # only the first counts yet
    ("2024-04-01", "valid", "2025-04-01"),  # renewed before it lapsed: the latest expiry decides
    ("2025-01-15", "expiring", "2025-04-01"),
    ("2025-04-01", "expired", "2025-04-01"),
])
def test_the_latest_valid_completion_decides(force, as_of, status, expires):
    _one_course(force, 12, ["2023-04-15", "2024-04-01"])
    assert status_of("P1", D(as_of)) == (status, D(expires))


def _language(force, minimum="2222", scale="slp", validity=36):
    force.unit("U", authorized=1)
    force.standard("EN", scale, validity)
    force.person("P1", "U")
    return force.requirement(standard="EN", min_level=minimum)


@pytest.mark.parametrize(("as_of", "status", "expires"), [
    ("2022-01-09", "missing", None),
    ("2023-06-01", "valid", "2025-01-10"),  # the older, better result decides
    ("2024-01-10", "insufficient", "2027-01-10"),  # a newer, worse result supersedes it
    ("2025-03-31", "insufficient", "2027-01-10"),
    ("2026-12-01", "insufficient", "2027-01-10"),  # insufficient, not expiring
    ("2027-01-10", "expired", "2027-01-10"),  # expired comes before insufficient
])
def test_a_newer_language_result_worse_than_an_older_one_decides(force, as_of, status, expires):
    _language(force)
    force.attainment("P1", "EN", "SLP 3333", D("2022-01-10"))
    force.attainment("P1", "EN", "2+2+2+1+", D("2024-01-10"))
    assert status_of("P1", D(as_of)) == (status, expires and D(expires))


@pytest.mark.parametrize(("result", "minimum", "meets"), [
    ("2222", "2222", True),
    ("2+222", "2222", True),  # 2+ is above 2
    ("2222", "2+222", False),  # 2 is below 2+
    ("3222", "2+222", True),  # 3 is above 2+
    ("2+2+2+2+", "3222", False),
    ("3333", "3332+", True),
    ("3333", "2224", False),  # every skill must meet its own minimum
    ("4+4+4+4+", "4+4+4+4+", True),
    ("5555", "4+4+4+4+", True),
    ("0+000", "0000", True),
    ("0000", "0+000", False),
])
def test_profiles_are_compared_skill_by_skill_with_plus_levels(force, result, minimum, meets):
    _language(force, minimum)
    force.attainment("P1", "EN", result, D("2025-01-10"))
    expected = "valid" if meets else "insufficient"
    assert status_of("P1", D("2025-02-01"))[0] == expected  # from the records
    assert status_of("P1", D("2025-04-01"))[0] == expected  # from the facts


@pytest.mark.parametrize(("results", "status"), [
    ([("pass", "2024-06-01")], "valid"),
    ([("fail", "2024-06-01")], "insufficient"),
    ([("pass", "2024-01-01"), ("fail", "2024-06-01")], "insufficient"),
    ([("fail", "2024-01-01"), ("pass", "2024-06-01")], "valid"),
])
def test_pass_scale_standards(force, results, status):
    _language(force, None, "pass", 24)
    for level, day in results:
        force.attainment("P1", "EN", level, D(day))
    assert status_of("P1", D("2024-07-01"))[0] == status
    assert status_of("P1", TODAY)[0] == status


def test_a_standard_that_never_expires(force):
    _language(force, "2222", validity=None)
    force.attainment("P1", "EN", "3333", D("2015-01-10"))
    assert status_of("P1", D("2040-01-01")) == ("valid", None)


# Rule 6: unit subtree and role.
@pytest.mark.parametrize(("person_unit", "role", "expected"), [
    ("BN", "medic", {"all", "bn", "medic"}),
    ("A", "medic", {"all", "bn", "a", "medic"}),
    ("A1", "rifleman", {"all", "bn", "a", "a-riflemen"}),
    ("A1", "medic", {"all", "bn", "a", "medic"}),
    ("B", "rifleman", {"all", "bn"}),
    ("OTHER", "rifleman", {"all"}),
])
def test_requirements_apply_by_unit_subtree_and_role(force, person_unit, role, expected):
    for code, parent in (("BN", None), ("A", "BN"), ("A1", "A"), ("B", "BN"), ("OTHER", None)):
        force.unit(code, parent)
    force.course("C")
    names = {force.requirement(course="C").id: "all", force.requirement(course="C", unit="BN").id: "bn",
             force.requirement(course="C", unit="A").id: "a",
             force.requirement(course="C", unit="A", role="rifleman").id: "a-riflemen",
             force.requirement(course="C", role="medic").id: "medic"}
    force.person("P1", person_unit, role)
    applying = {names[r["id"]] for r in person_answer("P1", TODAY)["requirements"]}
    assert applying == expected


# Rule 7.
def test_a_person_is_qualified_when_every_requirement_is_valid_or_expiring(force):
    force.unit("U")
    force.course("C", 12)
    force.course("D", 12)
    force.person("P1", "U")
    force.requirement(course="C")
    force.requirement(course="D")
    force.completion("P1", "C", D("2024-05-01"))  # expiring on 2025-04-01 (today + 1)
    assert not person_answer("P1", TODAY)["qualified"]
    force.completion("P1", "D", D("2025-01-01"))
    assert person_answer("P1", TODAY)["qualified"]
    assert not person_answer("P1", D("2025-05-01"))["qualified"]


def test_a_person_without_requirements_is_qualified(force):
    force.unit("U")
    force.person("P1", "U")
    assert person_answer("P1", TODAY) == {"service_number": "P1", "as_of": TODAY, "qualified": True,
                                          "requirements": []}


# Rules 8 and 9: who counts, and the bands on their exact boundaries.
def _unit_with(force, assigned, qualified, authorized, *, others=()):
    force.unit("U", authorized=authorized)
    force.course("C", 24)
    force.requirement(course="C")
    for n in range(assigned):
        force.person(f"P{n}", "U")
        if n < qualified:
            force.completion(f"P{n}", "C", D("2025-01-01"))
    for n, (status, earmarked) in enumerate(others):
        force.person(f"X{n}", "U", status=status, earmarked=earmarked)
        force.completion(f"X{n}", "C", D("2025-01-01"))


@pytest.mark.parametrize(("qualified", "assigned", "t_level", "pct"), [
    (17, 20, "T-1", 85.0),  # exactly 85
    (16, 20, "T-2", 80.0),
    (15, 20, "T-2", 75.0),  # exactly 75
    (14, 20, "T-3", 70.0),
    (13, 20, "T-3", 65.0),  # exactly 65
    (12, 20, "T-4", 60.0),
    (0, 0, None, None),  # nobody assigned: no percentage, no level
])
def test_training_bands_on_their_boundaries(force, qualified, assigned, t_level, pct):
    _unit_with(force, assigned, qualified, authorized=assigned)
    for day in (D("2025-02-01"), TODAY):
        answer = unit_answer("U", day)
        assert (answer["qualified"], answer["qualified_pct"], answer["t_level"]) == (qualified, pct, t_level)


@pytest.mark.parametrize(("assigned", "authorized", "p_level", "level"), [
    (9, 10, "P-1", "C-1"),  # exactly 90
    (8, 10, "P-2", "C-2"),  # exactly 80
    (7, 10, "P-3", "C-3"),  # exactly 70
    (6, 10, "P-4", "C-4"),
    (3, 0, None, "C-1"),  # no authorized posts: the training level alone
    (0, 5, "P-4", "C-4"),  # posts but nobody: manning 0, no training level
    (0, 0, None, None),
])
def test_personnel_bands_and_the_combined_level(force, assigned, authorized, p_level, level):
    _unit_with(force, assigned, assigned, authorized)
    answer = unit_answer("U", TODAY)
    assert (answer["p_level"], answer["level"]) == (p_level, level)
    if authorized == 0:
        assert answer["manning_pct"] is None
    if level is None:
        assert answer["reasons"][0]["kind"] == "no_data"


@pytest.mark.parametrize(("part", "whole", "level", "shown"), [
    (130, 153, "T-2", 85.0),  # 84.97 % shows as 85.0 yet is below 85: the ratio decides
    (11, 13, "T-2", 84.6),
    (2, 3, "T-3", 66.7),
    (1, 8, "T-4", 12.5),
])
def test_bands_compare_exact_ratios_not_rounded_figures(app, part, whole, level, shown):
    band = levels.band("T", part, whole, (85, 75, 65))
    assert (band.level, levels.display_pct(levels.percent(part, whole))) == (level, shown)


def test_only_earmarked_active_people_are_assigned(force):
    _unit_with(force, 2, 2, 4, others=[("deployed", True), ("unavailable", True), ("separated", False),
                                        ("active", False)])
    answer = unit_answer("U", TODAY)
    assert (answer["assigned"], answer["qualified"], answer["manning_pct"]) == (2, 2, 50.0)
    assert answer["requirements"][0]["applicable"] == 2


def test_unit_readiness_sums_the_subtree_and_shows_direct_children(force):
    force.unit("BN", authorized=2)
    force.unit("A", "BN", authorized=3)
    force.unit("A1", "A", authorized=4)
    force.unit("B", "BN", authorized=1)
    force.unit("EMPTY", "BN")
    force.course("C", 12)
    force.requirement(course="C")
    for sn, unit, done in (("P1", "BN", True), ("P2", "A", False), ("P3", "A1", True), ("P4", "A1", True),
                           ("P5", "B", False)):
        force.person(sn, unit)
        if done:
            force.completion(sn, "C", D("2025-01-15"))
    answer = unit_answer("BN", TODAY)
    assert (answer["authorized"], answer["assigned"], answer["qualified"]) == (10, 5, 3)
    assert answer["children"] == [
        {"unit": "A", "authorized": 7, "assigned": 3, "qualified": 2, "manning_pct": 42.9,
         "qualified_pct": 66.7, "level": "C-4"},
        {"unit": "B", "authorized": 1, "assigned": 1, "qualified": 0, "manning_pct": 100.0,
         "qualified_pct": 0.0, "level": "C-4"},
        {"unit": "EMPTY", "authorized": 0, "assigned": 0, "qualified": 0, "manning_pct": None,
         "qualified_pct": None, "level": None},
    ]
    assert answer["requirements"] == [{"id": answer["requirements"][0]["id"], "target": "C", "applicable": 5,
                                       "valid": 3, "expiring": 0, "expired": 0, "insufficient": 0,
                                       "missing": 2}]
    assert unit_answer("A1", TODAY)["children"] == []


def test_reasons_name_the_band_and_the_requirements_holding_people_back(force):
    force.unit("U", authorized=10)
    force.course("CPTM", 12)
    force.course("CLS", 12)
    force.standard("EN", "slp", 36)
    cptm, cls = force.requirement(course="CPTM"), force.requirement(course="CLS")
    en = force.requirement(standard="EN", min_level="SLP 3222")
    for n in range(10):
        force.person(f"P{n}", "U")
        if n < 7:
            force.completion(f"P{n}", "CPTM", D("2025-01-01"))
        elif n < 9:
            force.completion(f"P{n}", "CPTM", D("2023-01-01"))
        if n != 0:
            force.completion(f"P{n}", "CLS", D("2025-01-01"))
        force.attainment(f"P{n}", "EN", "3333" if n < 9 else "2222", D("2025-01-01"))
    answer = unit_answer("U", TODAY)
    assert (answer["qualified"], answer["t_level"]) == (6, "T-4")
    assert (answer["p_level"], answer["level"]) == ("P-1", "C-4")
    kinds = [(r["kind"], r.get("target")) for r in answer["reasons"]]
    assert kinds == [("t_band", None), ("requirement", "CPTM"), ("requirement", "CLS"),
                     ("requirement", "EN SLP 3222")]
    t_band, first = answer["reasons"][0], answer["reasons"][1]
    assert t_band == {"kind": "t_band", "level": "T-4", "value": 60.0, "next_level": "T-3", "needs": 65.0,
                      "short": 1, "message": "Qualified 60% is T-4: T-3 needs 65%: 1 more qualified person."}
    assert first == {"kind": "requirement", "requirement": cptm.id, "target": "CPTM", "held_back": 3,
                     "applicable": 10, "expired": 2, "missing": 1, "insufficient": 0,
                     "message": "CPTM holds back 3 people of 10 (2 expired, 1 missing)."}
    assert answer["reasons"][2]["requirement"] == cls.id
    assert answer["reasons"][3]["requirement"] == en.id
    assert answer["reasons"][3]["insufficient"] == 1


def test_a_c1_unit_has_no_reasons(force):
    _unit_with(force, 3, 3, 3)
    assert unit_answer("U", TODAY)["reasons"] == []


# Rule 10: the forecast.
def _expiring_force(force, expiries, authorized=4):
    """One assigned person per expiry in days from today (None: no record); a 12-month course."""
    force.unit("U", authorized=authorized)
    force.course("C", 12)
    force.requirement(course="C")
    for n, expiry in enumerate(expiries):
        force.person(f"P{n}", "U")
        if expiry is not None:
            force.completion(f"P{n}", "C", TODAY + timedelta(days=expiry) - timedelta(days=365))


def _forecast(code, start, end):
    from readiness.engine import services
    from readiness.units.services import get_unit

    unit = get_unit(code)
    answer = services.forecast(unit, start, end)
    assert answer == services.forecast(unit, start, end, plain=True)
    return answer


def test_forecast_has_a_point_on_every_change_and_the_first_drop(force):
    _expiring_force(force, [10, 20, 20, 40, 365])
    answer = _forecast("U", TODAY, TODAY + timedelta(days=364))
    points = [(p["date"] - TODAY, p["qualified"], p["t_level"], p["level"]) for p in answer["points"]]
    assert points == [(timedelta(0), 5, "T-1", "C-1"), (timedelta(10), 4, "T-2", "C-2"),
                      (timedelta(20), 2, "T-4", "C-4"), (timedelta(40), 1, "T-4", "C-4")]
    assert answer["first_drop"] == TODAY + timedelta(days=10)
    assert (answer["unit"], answer["from"], answer["to"]) == ("U", TODAY, TODAY + timedelta(days=364))


def test_forecast_from_a_later_day_and_without_a_drop(force):
    _expiring_force(force, [10, 20, 40, 40])
    answer = _forecast("U", TODAY + timedelta(days=11), TODAY + timedelta(days=30))
    assert [(p["date"], p["qualified"], p["level"]) for p in answer["points"]] == [
        (TODAY + timedelta(days=11), 3, "C-2"), (TODAY + timedelta(days=20), 2, "C-4")]
    assert answer["first_drop"] == TODAY + timedelta(days=20)
    quiet = _forecast("U", TODAY + timedelta(days=50), TODAY + timedelta(days=60))
    assert [(p["qualified"], p["level"]) for p in quiet["points"]] == [(0, "C-4")]
    assert quiet["first_drop"] is None


def test_forecast_counts_a_drop_on_its_last_day_and_not_after(force):
    _expiring_force(force, [10, 11])
    answer = _forecast("U", TODAY, TODAY + timedelta(days=10))
    assert [p["qualified"] for p in answer["points"]] == [2, 1]


def test_forecast_of_an_empty_unit(force):
    force.unit("U")
    answer = _forecast("U", TODAY, TODAY + timedelta(days=30))
    assert answer["points"] == [{"date": TODAY, "qualified": 0, "qualified_pct": None, "t_level": None,
                                 "level": None}]
    assert answer["first_drop"] is None


@pytest.mark.parametrize(("start", "end", "field"), [
    (TODAY - timedelta(days=1), TODAY + timedelta(days=10), "from"),
    (TODAY + timedelta(days=10), TODAY + timedelta(days=9), "to"),
    (TODAY, TODAY + timedelta(days=3 * 366 + 1), "to"),
])
def test_forecast_refuses_bad_ranges(force, start, end, field):
    from readiness.errors import InvalidError

    force.unit("U")
    with pytest.raises(InvalidError) as caught:
        _forecast("U", start, end)
    assert field in caught.value.errors
