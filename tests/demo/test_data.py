"""The demo force: deterministic, consistent and realistic enough to show on every page."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections import defaultdict

import pytest

from readiness.demo.data import DemoForce, build_demo_force

TODAY = dt.date(2026, 11, 29)
SLP = re.compile(r"^(?:[0-4]\+?|5){4}$")
AZERBAIJANI = set("əğıİşçöüƏĞŞÇÖÜ")
FIELDS = {
    "units": {"code", "name", "parent", "kind", "authorized_strength"},
    "personnel": {"service_number", "rank", "family_name", "given_name", "patronymic", "unit",
                  "role", "status", "earmarked", "email"},
    "courses": {"code", "title", "provider", "kind", "validity_months"},
    "standards": {"code", "title", "body", "scale", "validity_months"},
    "requirements": {"course", "standard", "min_level", "unit", "role"},
    "completions": {"service_number", "course", "completed_on", "score"},
    "attainments": {"service_number", "standard", "level", "assessed_on"},
}


@pytest.fixture(scope="module")
def force() -> DemoForce:
    """The demo force for the reference date."""
    return build_demo_force(TODAY)


def _plus_months(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def test_same_seed_and_date_give_the_same_force(force: DemoForce) -> None:
    assert build_demo_force(TODAY, seed=2026) == force


def test_another_seed_gives_other_people(force: DemoForce) -> None:
    other = build_demo_force(TODAY, seed=7)
    assert [p["service_number"] for p in other.personnel] != [
        p["service_number"] for p in force.personnel]


@pytest.mark.parametrize("kind", sorted(FIELDS))
def test_rows_use_exactly_the_design_field_names(force: DemoForce, kind: str) -> None:
    rows = getattr(force, kind)
    assert rows
    assert all(set(row) == FIELDS[kind] for row in rows)


def test_unit_codes_are_unique_and_parents_come_first(force: DemoForce) -> None:
    seen: set[str] = set()
    for unit in force.units:
        assert unit["code"] not in seen
        assert unit["parent"] is None or unit["parent"] in seen
        seen.add(unit["code"])
    assert [u["code"] for u in force.units if u["parent"] is None] == ["PKB"]


def test_force_is_about_a_brigade(force: DemoForce) -> None:
    authorized = sum(u["authorized_strength"] for u in force.units)
    assigned = [p for p in force.personnel if p["earmarked"] and p["status"] == "active"]
    assert 600 <= authorized <= 700
    assert 550 <= len(force.personnel) <= 650
    assert 0.8 <= len(assigned) / authorized <= 0.95
    assert 3000 <= len(force.completions) <= 5000


def test_people_are_unique_and_belong_to_known_units(force: DemoForce) -> None:
    units = {u["code"] for u in force.units}
    numbers = [p["service_number"] for p in force.personnel]
    assert len(set(numbers)) == len(numbers)
    assert all(re.fullmatch(r"AZ-\d{6}", n) for n in numbers)
    assert all(p["unit"] in units for p in force.personnel)
    assert {p["status"] for p in force.personnel} == {"active", "deployed", "unavailable",
                                                       "separated"}


def test_names_are_written_with_azerbaijani_letters(force: DemoForce) -> None:
    full = [f"{p['family_name']} {p['given_name']} {p['patronymic']}" for p in force.personnel]
    assert sum(bool(AZERBAIJANI & set(name)) for name in full) > 0.7 * len(full)
    assert any(name.split()[0].endswith("ova") and name.endswith("qızı") for name in full)
    assert any(name[0] == "İ" for name in full)


def test_emails_are_ascii_unique_and_given_to_officers(force: DemoForce) -> None:
    emails = [p["email"] for p in force.personnel if p["email"]]
    assert len(set(emails)) == len(emails)
    assert all(e.isascii() and e.endswith("@mod.example") for e in emails)
    assert all(p["email"] for p in force.personnel if p["rank"] in ("Captain", "Major"))


def test_catalogue_codes_are_unique_and_requirements_name_one_known_target(
        force: DemoForce) -> None:
    courses = {c["code"] for c in force.courses}
    standards = {s["code"]: s["scale"] for s in force.standards}
    units = {u["code"] for u in force.units}
    assert len(courses) == len(force.courses)
    assert len(standards) == len(force.standards)
    for req in force.requirements:
        assert (req["course"] is None) != (req["standard"] is None)
        assert req["course"] is None or req["course"] in courses
        assert req["unit"] is None or req["unit"] in units
        if req["standard"] is not None and standards[req["standard"]] == "slp":
            assert SLP.match(req["min_level"])
        else:
            assert req["min_level"] is None


def test_completions_refer_to_known_records_and_never_lie_ahead(force: DemoForce) -> None:
    people = {p["service_number"] for p in force.personnel}
    courses = {c["code"] for c in force.courses}
    keys = [(c["service_number"], c["course"], c["completed_on"]) for c in force.completions]
    assert len(set(keys)) == len(keys)
    for c in force.completions:
        assert c["service_number"] in people
        assert c["course"] in courses
        assert c["completed_on"] <= TODAY
        assert c["score"] is None or 60 <= c["score"] <= 100


def test_attainments_use_the_scale_of_their_standard(force: DemoForce) -> None:
    people = {p["service_number"] for p in force.personnel}
    scales = {s["code"]: s["scale"] for s in force.standards}
    keys = [(a["service_number"], a["standard"], a["assessed_on"]) for a in force.attainments]
    assert len(set(keys)) == len(keys)
    for a in force.attainments:
        assert a["service_number"] in people
        assert a["assessed_on"] <= TODAY
        if scales[a["standard"]] == "slp":
            assert SLP.match(a["level"]), a["level"]
        else:
            assert a["level"] in ("pass", "fail")


def test_training_is_mostly_current_with_some_lapsed_and_some_expiring(force: DemoForce) -> None:
    validity = {c["code"]: c["validity_months"] for c in force.courses}
    latest: dict[tuple[str, str], dt.date] = {}
    for c in force.completions:
        key = (c["service_number"], c["course"])
        latest[key] = max(latest.get(key, c["completed_on"]), c["completed_on"])
    expires = [_plus_months(d, validity[code]) for (_, code), d in latest.items()
               if validity[code] is not None]
    expired = sum(e <= TODAY for e in expires)
    expiring = sum(TODAY < e <= TODAY + dt.timedelta(days=90) for e in expires)
    assert 0 < expired < 0.1 * len(expires)
    assert 0 < expiring < 0.1 * len(expires)


def test_some_newer_language_test_is_worse_than_an_older_one(force: DemoForce) -> None:
    def total(level: str) -> int:
        return sum(2 * int(d) for d in level if d.isdigit()) + level.count("+")

    history: dict[tuple[str, str], list[tuple[dt.date, str]]] = defaultdict(list)
    for a in force.attainments:
        if a["standard"].startswith("STANAG6001"):
            history[(a["service_number"], a["standard"])].append((a["assessed_on"], a["level"]))
    assert any(total(max(tests)[1]) < total(sorted(tests)[-2][1])
               for tests in history.values() if len(tests) > 1)
