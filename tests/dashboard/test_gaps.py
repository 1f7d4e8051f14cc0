"""The gap list: per requirement, who needs it now and who lapses by the horizon, most urgent first."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from readiness.engine import rules
from tests.dashboard.conftest import iso


def _groups(html: str) -> list[tuple[str, int, int, list[str]]]:
    """(requirement, needed now, lapsing, service numbers in order) per group, in page order."""
    out = []
    for target, body in re.findall(r'data-gap="([^"]+)">(.*?)</section>', html, re.S):
        now = re.search(r"data-gap-now>(\d+)<", body)
        lapsing = re.search(r"data-gap-lapsing>(\d+)<", body)
        people = re.findall(r'<span class="muted small">([A-Z]\d+)</span>', body)
        out.append((target, int(now.group(1)) if now else 0, int(lapsing.group(1)) if lapsing else 0, people))
    return out


@pytest.mark.parametrize("days", [0, -400, 30])
def test_gaps_are_the_engines_counts_within_the_warning_window(browser, api, days):
    on = iso(rules.today() + timedelta(days=days))
    engine = {r["target"]: r for r in api.get(f"units/BN/readiness?as_of={on}").json["requirements"]}
    groups = _groups(browser("cdr").get(f"/readiness/units/BN/gaps?as_of={on}").get_data(as_text=True))
    expected = {t: (r["expired"] + r["missing"] + r["insufficient"], r["expiring"])
                for t, r in engine.items() if r["expired"] + r["missing"] + r["insufficient"] + r["expiring"]}
    assert {t: (now, lapsing) for t, now, lapsing, _ in groups} == expected
    for target, now, lapsing, people in groups:
        assert len(people) == now + lapsing, target


def test_gaps_today_name_who_and_sort_by_urgency(browser):
    groups = _groups(browser("cdr").get("/readiness/units/BN/gaps").get_data(as_text=True))
    by_target = {t: people for t, _, _, people in groups}
    assert by_target == {"CPTM": ["P3"], "CLS": ["P2", "P1"], "EN SLP 2222": ["P5"]}
    assert [t for t, *_ in groups] == ["CLS", "CPTM", "EN SLP 2222"]  # ties: more lapsing first


def test_a_deployment_day_widens_the_horizon(browser):
    deploy = iso(rules.today() + timedelta(days=200))
    html = browser("cdr").get(f"/readiness/units/BN/gaps?deploy_on={deploy}").get_data(as_text=True)
    by_target = {t: (now, lapsing, people) for t, now, lapsing, people in _groups(html)}
    assert by_target["CPTM"] == (1, 1, ["P3", "P4"])  # P4's CPTM lapses in five months
    assert "(deployment day)" in html


def test_a_unit_without_gaps_says_so(browser, force):
    html = browser("cdr").get("/readiness/units/A1/gaps").get_data(as_text=True)
    assert "No gaps" in html


def test_deployment_page_lists_per_person_what_lapses(browser):
    deploy = iso(rules.today() + timedelta(days=200))
    html = browser("cdr").get(f"/readiness/units/BN/deployment?deploy_on={deploy}").get_data(as_text=True)
    rows = dict(re.findall(r'<tr data-person="([^"]+)">(.*?)</tr>', html, re.S))
    assert set(rows) == {"P1", "P4"}
    assert "CLS" in rows["P1"]
    assert "CPTM" in rows["P4"]
    assert re.search(r"data-lapse-people>2<", html)
    assert list(rows) == ["P1", "P4"]  # earliest lapse first


def test_deployment_page_without_a_day_asks_for_one(browser):
    html = browser("cdr").get("/readiness/units/BN/deployment").get_data(as_text=True)
    assert "Choose the day BN deploys" in html
