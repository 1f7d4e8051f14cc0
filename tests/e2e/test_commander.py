"""A commander in a real browser: the readiness page, another date, two levels down, the matrix exported."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from typing import Any

from openpyxl import load_workbook

from readiness.engine import rules
from tests.factories import PASSWORD, api_client


def _log_in(page: Any, base: str, name: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")


def test_commander_reads_changes_date_drills_down_and_exports(app, live_server, page, users):
    api = api_client(app, users["admin"])
    _log_in(page, live_server, "cdr")

    # The navigation leads to the commander's unit.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Readiness").click()
    page.wait_for_url(re.compile(r"/readiness/units/BN$"))
    today = api.get("units/BN/readiness").json
    assert page.locator("[data-field=qualified_pct]").first.inner_text() == f"{today['qualified_pct']:.1f}%"
    assert page.get_by_label(f"Overall level {today['level']}").is_visible()

    # Another date, through the form: the numbers are the engine's for that date.
    past = rules.today() - timedelta(days=400)
    page.fill("#as_of", past.isoformat())
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(rf"as_of={past.isoformat()}"))
    then = api.get(f"units/BN/readiness?as_of={past.isoformat()}").json
    assert page.locator("[data-field=qualified]").first.inner_text() == str(then["qualified"])
    assert page.locator("#as_of").input_value() == past.isoformat()

    # A bad date typed into the address: a message beside the field, the page for today.
    page.goto(f"{live_server}/readiness/units/BN?as_of=31.02.2026")
    assert "not a date" in page.locator("#as_of-error").inner_text()
    page.goto(f"{live_server}/readiness/units/BN?as_of={past.isoformat()}")

    # Two levels down through the sub-units tables, keeping the date; breadcrumbs lead back up.
    page.locator("table[data-table=children]").get_by_role("link", name="A", exact=True).click()
    page.wait_for_url(re.compile(rf"/readiness/units/A\?as_of={past.isoformat()}$"))
    page.locator("table[data-table=children]").get_by_role("link", name="A1", exact=True).click()
    page.wait_for_url(re.compile(r"/readiness/units/A1\?"))
    crumbs = page.get_by_role("navigation", name="Breadcrumbs")
    assert crumbs.get_by_role("link").all_inner_texts() == ["BN", "A"]
    a1 = api.get(f"units/A1/readiness?as_of={past.isoformat()}").json
    assert page.locator("[data-field=assigned]").first.inner_text() == str(a1["assigned"])

    # Up again by the breadcrumb, to the matrix of the battalion, filtered and exported.
    crumbs.get_by_role("link", name="BN").click()
    page.get_by_role("link", name="Training matrix").click()
    page.get_by_label("Status").select_option("missing")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"status=missing"))
    shown = page.locator("tr[data-person]").evaluate_all("rows => rows.map(r => r.dataset.person)")
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    rows = list(csv.reader(io.StringIO(download.value.path().read_text("utf-8-sig"))))
    assert rows[0][:3] == ["service_number", "rank", "family_name"]
    assert [r[0] for r in rows[1:]] == shown
    assert download.value.suggested_filename == f"matrix-BN-{past.isoformat()}.csv"
    with page.expect_download() as download:
        page.get_by_role("link", name="Excel (XLSX)").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes()))["Matrix"]
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == shown


def test_pages_are_usable_from_the_keyboard(live_server, page, users):
    _log_in(page, live_server, "cdr")
    page.goto(f"{live_server}/readiness/units/BN")
    # Tab to the date field, type a date, Enter submits the form.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "as_of":
            break
    assert page.evaluate("document.activeElement.id") == "as_of"
    day = (rules.today() - timedelta(days=3)).isoformat()
    page.fill("#as_of", day)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"as_of={day}"))
    assert page.locator("svg.chart title").first.text_content().startswith("Forecast of BN")
