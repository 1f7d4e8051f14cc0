"""The unit page shows the engine's numbers for the same unit and date, and reads its dates safely."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest

from readiness.engine import rules
from tests.dashboard.conftest import iso, page_fields, shown

TOP = ("authorized", "assigned", "qualified", "manning_pct", "qualified_pct")
CHILD = ("authorized", "assigned", "qualified", "manning_pct", "qualified_pct", "level")
REQUIREMENT = ("applicable", "valid", "expiring", "expired", "insufficient", "missing")


def _check_against_engine(html: str, engine: dict) -> None:
    fields = page_fields(html)
    for key in TOP:
        assert fields[(None, key)] == shown(engine[key]), key
    badges = (("p_level", "Personnel level"), ("t_level", "Training level"), ("level", "Overall level"))
    for key, label in badges:
        assert f'aria-label="{label} {engine[key] or "none"}"' in html
    for child in engine["children"]:
        for key in CHILD:
            assert fields[(child["unit"], key)] == shown(child[key]), (child["unit"], key)
    shown_children = re.findall(r'<tr data-unit="([^"]+)"', html)
    assert sorted(shown_children) == sorted(c["unit"] for c in engine["children"])
    for req in engine["requirements"]:
        for key in REQUIREMENT:
            assert fields[(str(req["id"]), key)] == shown(req[key]), (req["target"], key)
    assert len(re.findall(r'<tr data-requirement="', html)) == len(engine["requirements"])
    reasons = [unescape(m) for m in re.findall(r"<li[^>]*data-reason>([^<]*)</li>", html)]
    assert reasons == [r["message"] for r in engine["reasons"]]


@pytest.mark.parametrize("days", [0, -20, -400, 30, 200])
@pytest.mark.parametrize("code", ["BN", "A", "B", "A1"])
def test_every_number_on_the_page_is_the_engines(browser, api, code, days):
    on = rules.today() + timedelta(days=days)
    engine = api.get(f"units/{code}/readiness?as_of={iso(on)}").json
    resp = browser("admin").get(f"/readiness/units/{code}?as_of={iso(on)}")
    assert resp.status_code == 200
    _check_against_engine(resp.get_data(as_text=True), engine)


def test_page_without_a_date_is_for_today(browser, api):
    engine = api.get("units/BN/readiness").json
    html = browser("cdr").get("/readiness/units/BN").get_data(as_text=True)
    _check_against_engine(html, engine)
    assert f'value="{iso(rules.today())}"' in html
    assert "(today)" in html


def test_a_past_date_changes_the_numbers(browser, api):
    # P9 completed everything ten days ago: fifteen days ago A1 had one qualified person fewer.
    past = rules.today() - timedelta(days=15)
    now_html = browser("admin").get("/readiness/units/A1").get_data(as_text=True)
    then_html = browser("admin").get(f"/readiness/units/A1?as_of={iso(past)}").get_data(as_text=True)
    now, then = page_fields(now_html)[(None, "qualified")], page_fields(then_html)[(None, "qualified")]
    assert int(then) == int(now) - 1
    assert int(then) == api.get(f"units/A1/readiness?as_of={iso(past)}").json["qualified"]


@pytest.mark.parametrize("bad", ["yesterday", "2026-13-01", "2026-2-1", "0001-01-01", "<script>"])
def test_a_bad_date_is_explained_beside_the_field_and_the_page_shows_today(browser, api, bad):
    resp = browser("cdr").get("/readiness/units/BN", query_string={"as_of": bad})
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert 'aria-invalid="true" aria-describedby="as_of-error"' in html
    message = re.search(r'<span class="field-error" id="as_of-error"[^>]*>([^<]+)</span>', html).group(1)
    assert "Showing today" in message
    assert "<script>" not in html.split('id="as_of-error"')[1][:300]
    _check_against_engine(html, api.get("units/BN/readiness").json)


def test_a_deployment_day_before_the_as_of_date_is_refused_beside_its_field(browser):
    today = rules.today()
    html = browser("cdr").get(f"/readiness/units/BN?as_of={iso(today + timedelta(days=30))}"
                              f"&deploy_on={iso(today + timedelta(days=10))}").get_data(as_text=True)
    assert 'id="deploy_on-error"' in html
    assert "must come after" in html
    assert "On deployment day" not in html


def test_deployment_day_shows_the_engines_level_then_and_who_lapses(browser, api):
    today = rules.today()
    deploy = today + timedelta(days=200)  # P1's CLS (two months) and P4's CPTM (five months) lapse
    engine = api.get(f"units/BN/readiness?as_of={iso(deploy)}").json
    html = browser("cdr").get(f"/readiness/units/BN?deploy_on={iso(deploy)}").get_data(as_text=True)
    assert re.search(r'data-deploy="qualified_pct">([^<]+)<', html).group(1) == shown(engine["qualified_pct"])
    assert re.search(r'data-deploy="qualified">([^<]+)<', html).group(1) == shown(engine["qualified"])
    assert f'aria-label="Level on deployment day {engine["level"]}"' in html
    section = html.split('id="deploy-h"')[1].split("</section>")[0]
    assert "P1" in section
    assert "P4" in section
    assert "P8" not in section


def test_children_sort_server_side_and_unknown_sorts_fall_back(browser):
    cdr = browser("cdr")

    def order(sort: str) -> list[str]:
        html = cdr.get(f"/readiness/units/BN?sort={sort}").get_data(as_text=True)
        return re.findall(r'<tr data-unit="([^"]+)"', html)

    assert order("code") == ["A", "B"]
    assert order("-code") == ["B", "A"]
    assert order("nonsense") == order("-level")
    html = cdr.get("/readiness/units/BN?sort=-code").get_data(as_text=True)
    assert 'aria-sort="descending"' in html
    assert "sort=code" in html  # the active heading toggles


def test_children_link_one_level_down_and_breadcrumbs_lead_up_within_scope(browser):
    html = browser("cdr").get("/readiness/units/A").get_data(as_text=True)
    assert 'href="/readiness/units/A1"' in html
    crumbs = html.split('aria-label="Breadcrumbs"')[1].split("</nav>")[0]
    assert 'href="/readiness/units/BN"' in crumbs
    viewer = browser("viewer").get("/readiness/units/A1").get_data(as_text=True)
    crumbs = viewer.split('aria-label="Breadcrumbs"')[1].split("</nav>")[0]
    assert 'href="/readiness/units/A"' in crumbs
    assert "/readiness/units/BN" not in crumbs  # above the viewer's scope


def test_links_keep_the_chosen_date(browser):
    day = iso(rules.today() - timedelta(days=5))
    html = browser("cdr").get(f"/readiness/units/BN?as_of={day}").get_data(as_text=True)
    assert f'href="/readiness/units/A?as_of={day}"' in html
    assert f'href="/readiness/units/BN/matrix?as_of={day}"' in html


def test_forecast_chart_marks_the_engines_first_drop(browser, api):
    engine = api.get("units/BN/forecast").json
    html = browser("cdr").get("/readiness/units/BN").get_data(as_text=True)
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"' in html
    if engine["first_drop"]:
        assert "First drop" in html
    assert len(re.findall(r"<tr><td>\d+ \w+ \d{4}</td>", html)) == len(engine["points"])


def test_trend_says_there_is_no_history_yet(browser):
    html = browser("cdr").get("/readiness/units/BN").get_data(as_text=True)
    assert 'data-trend="empty"' in html
    assert "No history yet" in html


def test_trend_draws_the_stored_snapshots(browser, api):
    from readiness.dashboard.charts import long_date
    from readiness.engine.snapshots import take
    from readiness.extensions import db

    today = rules.today()
    month_ago = today - timedelta(days=30)
    take(month_ago)
    take(today)
    db.session.commit()
    then, now = (api.get(f"units/BN/readiness?as_of={d.isoformat()}").json for d in (month_ago, today))
    html = unescape(browser("cdr").get("/readiness/units/BN").get_data(as_text=True))
    assert 'data-trend="empty"' not in html
    assert (f"From {long_date(month_ago)} ({then['qualified_pct']:.1f}% qualified) to {long_date(today)} "
            f"({now['qualified_pct']:.1f}% qualified, {now['level']})") in html


def test_a_unit_without_posts_or_people_says_there_is_no_level(browser, force):
    force.unit("EMPTY", "BN")
    from readiness.extensions import db

    db.session.commit()
    html = browser("cdr").get("/readiness/units/EMPTY").get_data(as_text=True)
    assert 'aria-label="Overall level none"' in html
    assert "there is no level to give" in html
    assert "nothing to forecast" in html
    assert "No requirement applies to anyone assigned here." in html
