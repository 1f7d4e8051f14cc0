"""Recording standard results (language tests, pass/fail standards) through the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from readiness.audit import AuditEvent
from readiness.extensions import db
from readiness.records.bulk import local_today
from readiness.training.models import Attainment

pytestmark = pytest.mark.usefixtures("force")


def stored() -> int:
    return db.session.scalar(select(func.count()).select_from(Attainment))


def row(service_number="AZ-1", standard="ENG", level="SLP 3+32+2", assessed_on="2024-05-01", **extra):
    return {"service_number": service_number, "standard": standard, "level": level,
            "assessed_on": assessed_on, **extra}


def test_a_language_result_is_stored_normalised_and_shown_with_slp(admin_api):
    resp = admin_api.post("attainments", row())
    assert resp.status_code == 201
    body = resp.json
    assert {k: body[k] for k in ("service_number", "standard", "level", "level_display",
                                 "assessed_on", "expires_on")} == {
        "service_number": "AZ-1", "standard": "ENG", "level": "3+32+2", "level_display": "SLP 3+32+2",
        "assessed_on": "2024-05-01", "expires_on": "2029-05-01"}
    assert body["recorded_by"] == "admin"
    assert admin_api.get(f"attainments/{body['id']}").json == body


@pytest.mark.parametrize(("typed", "stored_as"), [
    ("SLP 3321", "3321"), ("3321", "3321"), ("3+32+2", "3+32+2"), ("SLP 2+2+2+2", "2+2+2+2"),
    ("slp 3 3 2 1", "3321"), ("0+0+0+0+", "0+0+0+0+"), ("5555", "5555"),
])
def test_every_accepted_profile_spelling_is_normalised(admin_api, typed, stored_as):
    resp = admin_api.post("attainments", row(level=typed))
    assert resp.status_code == 201
    assert resp.json["level"] == stored_as


@pytest.mark.parametrize(("typed", "says"), [
    ("SLP 332", "four skills"), ("33211", "four skills"), ("5+444", "no 5+"), ("3A21", "'A'"),
    ("SLP", "four skill levels"), ("6321", "'6'"), ("pass", "'P'"),
])
def test_malformed_profiles_are_422_on_level_saying_what_is_wrong(admin_api, typed, says):
    resp = admin_api.post("attainments", row(level=typed))
    assert resp.status_code == 422
    assert set(resp.json["errors"]) == {"level"}
    assert says in resp.json["errors"]["level"][0]
    assert "level" in resp.json["message"]
    assert stored() == 0


@pytest.mark.parametrize(("typed", "stored_as"), [("pass", "pass"), ("FAIL", "fail"), (" Pass ", "pass")])
def test_a_pass_standard_takes_pass_or_fail(admin_api, typed, stored_as):
    resp = admin_api.post("attainments", row(standard="SWIM", level=typed))
    assert resp.status_code == 201
    assert (resp.json["level"], resp.json["level_display"]) == (stored_as, stored_as)
    assert resp.json["expires_on"] == "2026-05-01"


@pytest.mark.parametrize("typed", ["3321", "passed", "yes", "1"])
def test_a_pass_standard_refuses_anything_else_on_level(admin_api, typed):
    resp = admin_api.post("attainments", row(standard="SWIM", level=typed))
    assert resp.status_code == 422
    assert set(resp.json["errors"]) == {"level"}
    assert stored() == 0


def test_assessed_after_today_is_422_on_assessed_on(admin_api):
    tomorrow = local_today() + timedelta(days=1)
    resp = admin_api.post("attainments", row(assessed_on=tomorrow.isoformat()))
    assert resp.status_code == 422
    assert set(resp.json["errors"]) == {"assessed_on"}
    assert stored() == 0


def test_unknown_person_and_standard_are_422_naming_them(admin_api):
    resp = admin_api.post("attainments", row(service_number="AZ-404", standard="FR"))
    assert resp.status_code == 422
    assert resp.json["errors"] == {"service_number": ["Unknown person 'AZ-404'."],
                                   "standard": ["Unknown standard 'FR'."]}


def test_a_course_given_as_a_standard_is_named_as_such(admin_api):
    resp = admin_api.post("attainments", row(standard="UNPOC"))
    assert resp.status_code == 422
    assert resp.json["errors"] == {
        "standard": ["'UNPOC' is a course, not a standard: record it as a completion."]}


def test_expires_on_in_input_is_422_saying_it_is_derived(admin_api):
    resp = admin_api.post("attainments", row(expires_on="2030-01-01"))
    assert resp.status_code == 422
    assert "derived" in resp.json["errors"]["expires_on"][0].lower()
    assert stored() == 0


def test_missing_fields_are_422_naming_each(admin_api):
    resp = admin_api.post("attainments", {"service_number": "AZ-1"})
    assert resp.status_code == 422
    assert set(resp.json["errors"]) == {"standard", "level", "assessed_on"}


def test_same_person_standard_and_date_twice_is_409(admin_api):
    assert admin_api.post("attainments", row()).status_code == 201
    resp = admin_api.post("attainments", row(level="2222"))
    assert resp.status_code == 409
    assert set(resp.json["errors"]) == {"assessed_on"}
    assert stored() == 1


def test_a_newer_worse_result_is_recorded_beside_the_older(admin_api):
    assert admin_api.post("attainments", row(level="3333")).status_code == 201
    assert admin_api.post("attainments", row(level="2222", assessed_on="2024-06-01")).status_code == 201
    assert stored() == 2


def test_a_list_is_all_or_nothing_keyed_by_index(admin_api):
    resp = admin_api.post("attainments", [row(), row("AZ-2", level="7777"), row("AZ-3", standard="SWIM",
                                                                               level="maybe")])
    assert resp.status_code == 422
    assert set(resp.json["errors"]) == {"1", "2"}
    assert set(resp.json["errors"]["1"]) == {"level"}
    assert stored() == 0
    resp = admin_api.post("attainments", [row(), row("AZ-2", level="2+2+2+2"),
                                          row("AZ-3", standard="SWIM", level="pass")])
    assert resp.status_code == 201
    assert [a["level"] for a in resp.json] == ["3+32+2", "2+2+2+2", "pass"]


def test_the_same_result_twice_in_a_list_is_409(admin_api):
    resp = admin_api.post("attainments", [row(), row(level="2222")])
    assert resp.status_code == 409
    assert set(resp.json["errors"]) == {"1"}
    assert stored() == 0


def test_every_attainment_is_audited(admin_api):
    resp = admin_api.post("attainments", row())
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.entity == "attainment"))
    assert resp.status_code == 201
    assert (event.actor, event.action, event.key) == ("admin", "create", "AZ-1/ENG/2024-05-01")
    assert event.changes == {"level": "3+32+2"}


def test_list_filters_by_every_key(admin_api):
    admin_api.post("attainments", [row("AZ-1", assessed_on="2020-01-01"),
                                   row("AZ-2", assessed_on="2024-01-01"),
                                   row("AZ-3", "SWIM", "pass", "2024-02-01")])

    def listed(query: str) -> list[str]:
        resp = admin_api.get(f"attainments?{query}")
        assert resp.status_code == 200
        return sorted(a["service_number"] for a in resp.json)

    assert listed("") == ["AZ-1", "AZ-2", "AZ-3"]
    assert listed("service_number=AZ-2") == ["AZ-2"]
    assert listed("standard=SWIM") == ["AZ-3"]
    assert listed("unit=1BN") == ["AZ-1", "AZ-2"]
    assert listed("unit=2BN") == ["AZ-3"]
    assert listed("assessed_from=2024-01-01&assessed_to=2024-01-31") == ["AZ-2"]
    assert listed("expires_before=2026-01-01") == ["AZ-1"]


def test_get_unknown_attainment_is_404(admin_api):
    assert admin_api.get("attainments/999").status_code == 404
