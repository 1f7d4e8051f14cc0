"""The readiness and forecast endpoints: fields of DESIGN.md §4, dates, scope."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from readiness.extensions import db
from tests import factories
from tests.engine.conftest import TODAY

UNIT_FIELDS = {"unit", "as_of", "authorized", "assigned", "qualified", "manning_pct", "qualified_pct",
               "p_level", "t_level", "level", "reasons", "requirements", "children"}


@pytest.fixture
def brigade(force):
    """A brigade with two battalions; one person in each, the second one lapsed."""
    force.unit("BDE", authorized=0)
    force.unit("BN1", "BDE", authorized=2)
    force.unit("BN2", "BDE", authorized=2)
    force.course("CPTM", 48)
    force.standard("EN", "slp", 36)
    force.requirement(course="CPTM")
    force.requirement(standard="EN", min_level="3222", role="staff_officer")
    force.person("SN-1", "BN1", "staff_officer")
    force.person("SN-2", "BN2")
    force.completion("SN-1", "CPTM", date(2024, 5, 1))
    force.attainment("SN-1", "EN", "SLP 3+32+2", date(2024, 5, 1))
    force.completion("SN-2", "CPTM", date(2020, 5, 1))
    db.session.commit()
    return force


def test_unit_readiness_has_exactly_the_design_fields(brigade, admin_api):
    response = admin_api.get("units/BDE/readiness")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == UNIT_FIELDS
    assert body["as_of"] == TODAY.isoformat()
    assert (body["assigned"], body["qualified"]) == (2, 1)
    assert (body["qualified_pct"], body["manning_pct"]) == (50.0, 50.0)
    assert set(body["requirements"][0]) == {"id", "target", "applicable", "valid", "expiring", "expired",
                                            "insufficient", "missing"}
    assert [r["target"] for r in body["requirements"]] == ["CPTM", "EN SLP 3222"]
    assert [c["unit"] for c in body["children"]] == ["BN1", "BN2"]
    assert set(body["children"][0]) == {"unit", "authorized", "assigned", "qualified", "manning_pct",
                                        "qualified_pct", "level"}
    assert all("message" in reason for reason in body["reasons"])


def test_unit_readiness_on_a_past_and_a_future_day(brigade, admin_api):
    past = admin_api.get("units/BN2/readiness?as_of=2021-01-01").get_json()
    assert (past["as_of"], past["qualified"]) == ("2021-01-01", 1)
    assert (past["t_level"], past["level"]) == ("T-1", "C-4")
    future = admin_api.get("units/BN1/readiness?as_of=2028-05-01").get_json()
    assert (future["qualified"], future["requirements"][0]["expired"]) == (0, 1)


@pytest.mark.parametrize("query", ["as_of=yesterday", "as_of=2025-02-30", "as_of="])
def test_a_bad_as_of_is_a_422_naming_it(brigade, admin_api, query):
    response = admin_api.get(f"units/BDE/readiness?{query}")
    assert response.status_code == 422
    assert "as_of" in response.get_json()["errors"]


def test_person_readiness_has_exactly_the_design_fields(brigade, admin_api):
    body = admin_api.get("personnel/SN-1/readiness").get_json()
    assert body == {"service_number": "SN-1", "as_of": TODAY.isoformat(), "qualified": True, "requirements": [
        {"id": 1, "target": "CPTM", "status": "valid", "expires_on": "2028-05-01"},
        {"id": 2, "target": "EN SLP 3222", "status": "valid", "expires_on": "2027-05-01"}]}
    lapsed = admin_api.get("personnel/SN-2/readiness?as_of=2025-01-01").get_json()
    assert lapsed["qualified"] is False
    assert lapsed["requirements"] == [
        {"id": 1, "target": "CPTM", "status": "expired", "expires_on": "2024-05-01"}]


def test_forecast_defaults_to_a_year_from_today(brigade, admin_api):
    body = admin_api.get("units/BDE/forecast").get_json()
    assert set(body) == {"unit", "from", "to", "points", "first_drop"}
    assert (body["from"], body["to"]) == (TODAY.isoformat(), (TODAY + timedelta(days=365)).isoformat())
    assert set(body["points"][0]) == {"date", "qualified", "qualified_pct", "t_level", "level"}
    later = admin_api.get("units/BDE/forecast?from=2025-06-01").get_json()
    assert later["to"] == "2026-06-01"


@pytest.mark.parametrize(("query", "field"), [
    ("from=2025-13-01", "from"),
    ("to=soon", "to"),
    ("from=2025-06-01&to=2025-05-31", "to"),
    ("from=2025-03-30", "from"),  # before today
    ("from=2025-04-01&to=2028-12-31", "to"),  # too long
])
def test_forecast_refuses_bad_dates_naming_the_argument(brigade, admin_api, query, field):
    response = admin_api.get(f"units/BDE/forecast?{query}")
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


@pytest.mark.parametrize("path", ["units/NOPE/readiness", "units/NOPE/forecast",
                                  "personnel/NOPE/readiness"])
def test_unknown_unit_or_person_is_a_404(brigade, admin_api, path):
    assert admin_api.get(path).status_code == 404


@pytest.mark.parametrize("role", ["viewer", "commander", "training_officer"])
def test_any_role_reads_within_its_scope_and_nothing_outside(brigade, app, role):
    api = factories.api_client(app, factories.make_user("u", role=role, unit="BN1"))
    assert api.get("units/BN1/readiness").status_code == 200
    assert api.get("units/BN1/forecast").status_code == 200
    assert api.get("personnel/SN-1/readiness").status_code == 200
    for path in ("units/BN2/readiness", "units/BDE/readiness", "units/BDE/forecast",
                 "personnel/SN-2/readiness"):
        response = api.get(path)
        assert response.status_code == 404, path
        assert "not found" in response.get_json()["message"]


def test_readiness_needs_credentials(brigade, client):
    assert client.get("/api/v1/units/BDE/readiness").status_code == 401
