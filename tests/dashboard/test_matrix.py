"""The training matrix: each cell is the engine's status of that person's requirement; filters; exports."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from readiness.engine import rules
from readiness.extensions import db
from tests.dashboard.conftest import iso

ASSIGNED_IN_BN = {"P1", "P2", "P3", "P4", "P5", "P8", "P9"}


def _cells(html: str) -> dict[str, dict[str, str]]:
    """{service number: {requirement target: status}} of the matrix page ('' where it does not apply)."""
    out: dict[str, dict[str, str]] = {}
    for sn, row in re.findall(r'<tr data-person="([^"]+)">(.*?)</tr>', html, re.S):
        cell = r'<td class="cell[^"]*" data-req="([^"]+)"(?: data-status="([^"]*)")?'
        out[sn] = dict(re.findall(cell, row))
    return out


@pytest.mark.parametrize("days", [0, -20, -400, 100])
def test_every_cell_is_the_engines_status_for_that_person(browser, api, days):
    on = iso(rules.today() + timedelta(days=days))
    cells = _cells(browser("cdr").get(f"/readiness/units/BN/matrix?as_of={on}").get_data(as_text=True))
    assert set(cells) == ASSIGNED_IN_BN
    for sn, row in cells.items():
        person = api.get(f"personnel/{sn}/readiness?as_of={on}").json
        expected = {r["target"]: r["status"] for r in person["requirements"]}
        assert {t: s for t, s in row.items() if s} == expected, sn


@pytest.mark.parametrize("days", [0, -400, 100])
def test_legend_counts_are_the_engines_requirement_counts(browser, api, days):
    on = iso(rules.today() + timedelta(days=days))
    engine = api.get(f"units/BN/readiness?as_of={on}").json
    html = browser("cdr").get(f"/readiness/units/BN/matrix?as_of={on}").get_data(as_text=True)
    for status in rules.STATUSES:
        shown = re.search(rf'data-count="{status}">([\d,]+)<', html).group(1)
        assert int(shown.replace(",", "")) == sum(r[status] for r in engine["requirements"]), status


@pytest.mark.parametrize(("query", "people"), [
    ("status=missing", {"P2"}),
    ("status=expired", {"P3"}),
    ("status=insufficient", {"P5"}),
    ("status=expiring", {"P1"}),
    ("role=staff_officer", {"P2", "P5", "P8"}),
    ("sub_unit=A1", {"P4", "P9"}),
    ("sub_unit=A1&people=all", {"P4", "P7", "P9"}),
    ("people=all", ASSIGNED_IN_BN | {"P6", "P7"}),
    ("sub_unit=B&role=staff_officer", {"P5"}),
])
def test_filters_keep_the_right_people(browser, query, people):
    html = browser("cdr").get(f"/readiness/units/BN/matrix?{query}").get_data(as_text=True)
    assert set(_cells(html)) == people
    assert f"<strong>{len(people)} {'person' if len(people) == 1 else 'people'}</strong>" in html


def test_an_unknown_status_is_reported_and_not_applied(browser):
    html = browser("cdr").get("/readiness/units/BN/matrix?status=bogus").get_data(as_text=True)
    assert "“bogus” is not a status." in html
    assert set(_cells(html)) == ASSIGNED_IN_BN


def test_the_matrix_pages_through_many_people(browser, force, monkeypatch):
    from readiness.dashboard import views

    monkeypatch.setattr(views, "MATRIX_PER_PAGE", 3)
    cdr = browser("cdr")
    seen = []
    for page in (1, 2, 3):
        html = cdr.get(f"/readiness/units/BN/matrix?page={page}").get_data(as_text=True)
        seen += list(_cells(html))
    assert sorted(seen) == sorted(ASSIGNED_IN_BN)
    assert "Page 1 of 3" in cdr.get("/readiness/units/BN/matrix").get_data(as_text=True)


def _csv(browser, query: str = "") -> list[list[str]]:
    resp = browser("cdr").get(f"/readiness/units/BN/matrix.csv?{query}")
    assert resp.status_code == 200
    assert resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    return list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))


def test_csv_export_has_a_row_per_person_and_a_column_per_requirement(browser, api):
    rows = _csv(browser)
    header, body = rows[0], rows[1:]
    assert header[:7] == ["service_number", "rank", "family_name", "given_name", "unit", "role", "assigned"]
    assert sorted(header[7:]) == ["CLS", "CPTM", "EN SLP 2222"]
    assert {r[0] for r in body} == ASSIGNED_IN_BN
    for row in body:
        person = api.get(f"personnel/{row[0]}/readiness").json
        expected = {r["target"]: r for r in person["requirements"]}
        for target, text in zip(header[7:], row[7:], strict=True):
            if target not in expected:
                assert text == ""
                continue
            req = expected[target]
            assert text.split(" ")[0] == req["status"], (row[0], target)
            if req["expires_on"] and req["status"] not in ("missing", "insufficient"):
                assert text.endswith(req["expires_on"])


def test_csv_export_applies_the_filters_and_date(browser):
    rows = _csv(browser, "status=expired")
    assert [r[0] for r in rows[1:]] == ["P3"]
    past = iso(rules.today() - timedelta(days=15))
    rows = _csv(browser, f"as_of={past}&sub_unit=A1")
    by_sn = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert by_sn["P9"]["CPTM"] == "missing"  # completed only ten days ago


def test_xlsx_export_holds_the_same_cells_as_the_csv(browser):
    csv_rows = _csv(browser)
    resp = browser("cdr").get("/readiness/units/BN/matrix.xlsx")
    assert resp.status_code == 200
    assert resp.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(resp.data))
    sheet = book["Matrix"]
    xlsx_rows = [[("" if v is None else str(v)) for v in row] for row in sheet.iter_rows(values_only=True)]
    assert xlsx_rows == csv_rows
    assert sheet["A1"].font.b
    about = {row[0]: row[1] for row in book["About"].iter_rows(values_only=True) if row and row[0]}
    assert about["Unit"] == "BN"
    assert about["As of"] == iso(rules.today())


def test_exports_never_hand_a_spreadsheet_a_formula(browser, force):
    person = force.person("P10", "A")
    person.family_name = "=HYPERLINK(\"http://example.invalid\")"
    db.session.commit()
    rows = _csv(browser)
    row = next(r for r in rows if r[0] == "P10")
    assert row[2].startswith("'=")
    book = load_workbook(io.BytesIO(browser("cdr").get("/readiness/units/BN/matrix.xlsx").data))
    cell = next(r[2] for r in book["Matrix"].iter_rows() if r[0].value == "P10")
    assert cell.data_type == "s"
    assert cell.value.startswith("=HYPERLINK")
