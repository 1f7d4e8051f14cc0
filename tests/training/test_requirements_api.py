"""The requirement API: exactly one target, minimum levels, known codes, no duplicates."""

from __future__ import annotations

import pytest

from readiness.signals import requirements_changed
from readiness.training.models import Requirement
from tests.factories import make_person, make_unit
from tests.training.catalogue_factories import (
    audit_events,
    count,
    make_course,
    make_requirement,
    make_standard,
)


@pytest.fixture
def catalogue(app):
    """A unit, a course, an SLP standard and a pass/fail standard."""
    make_unit("1BN", kind="battalion")
    make_course("AZ-PTEC-MOC")
    make_standard("STANAG-6001-EN", scale="slp")
    make_standard("UN-CPTM", scale="pass", body="UN")


def post_one(api, **body):
    return api.post("requirements", body)


# --- good paths -------------------------------------------------------------------------

def test_course_requirement_for_a_unit_and_role(admin_api, catalogue):
    resp = post_one(admin_api, course="AZ-PTEC-MOC", unit="1BN", role="observer")
    assert resp.status_code == 201
    assert resp.json == {"id": resp.json["id"], "course": "AZ-PTEC-MOC", "standard": None,
                         "min_level": None, "unit": "1BN", "role": "observer",
                         "target": "AZ-PTEC-MOC"}
    assert admin_api.get(f"requirements/{resp.json['id']}").json == resp.json


def test_slp_requirement_stores_the_normalised_level_and_shows_it_in_target(admin_api, catalogue):
    resp = post_one(admin_api, standard="STANAG-6001-EN", min_level="slp 3+3 2+2")
    assert resp.status_code == 201
    assert resp.json["min_level"] == "3+32+2"
    assert resp.json["target"] == "STANAG-6001-EN SLP 3+32+2"
    assert resp.json["unit"] is None
    assert resp.json["role"] is None


def test_pass_standard_requirement_needs_no_level(admin_api, catalogue):
    resp = post_one(admin_api, standard="UN-CPTM")
    assert resp.status_code == 201
    assert resp.json["target"] == "UN-CPTM"


def test_create_is_audited_with_codes(admin_api, catalogue):
    resp = post_one(admin_api, standard="STANAG-6001-EN", min_level="3222", unit="1BN")
    (event,) = audit_events("requirement")
    assert (event.actor, event.action, event.key) == ("admin", "create", str(resp.json["id"]))
    assert event.changes == {"course": None, "standard": "STANAG-6001-EN", "min_level": "3222",
                             "unit": "1BN", "role": None}


def test_list_of_requirements_answers_in_the_same_order(admin_api, catalogue):
    resp = admin_api.post("requirements", [
        {"standard": "UN-CPTM"},
        {"course": "AZ-PTEC-MOC", "role": "observer"},
        {"standard": "STANAG-6001-EN", "min_level": "3222", "role": "staff officer"},
    ])
    assert resp.status_code == 201
    assert [r["target"] for r in resp.json] == ["UN-CPTM", "AZ-PTEC-MOC", "STANAG-6001-EN SLP 3222"]
    assert len(audit_events("requirement")) == 3


def test_same_target_for_another_role_or_unit_is_not_a_duplicate(admin_api, catalogue):
    make_requirement(course="AZ-PTEC-MOC")
    assert post_one(admin_api, course="AZ-PTEC-MOC", role="observer").status_code == 201
    assert post_one(admin_api, course="AZ-PTEC-MOC", unit="1BN").status_code == 201
    assert count(Requirement) == 3


def test_list_filters_by_course_standard_unit_and_role(admin_api, catalogue):
    make_requirement(course="AZ-PTEC-MOC", unit="1BN")
    make_requirement(standard="STANAG-6001-EN", min_level="3222", role="staff officer")
    make_requirement(standard="UN-CPTM")

    def targets(**query):
        resp = admin_api.get("requirements", query_string=query)
        assert resp.status_code == 200
        return [r["target"] for r in resp.json]

    assert targets() == ["AZ-PTEC-MOC", "STANAG-6001-EN SLP 3222", "UN-CPTM"]
    assert targets(course="AZ-PTEC-MOC") == ["AZ-PTEC-MOC"]
    assert targets(standard="UN-CPTM") == ["UN-CPTM"]
    assert targets(unit="1BN") == ["AZ-PTEC-MOC"]
    assert targets(role="staff officer") == ["STANAG-6001-EN SLP 3222"]
    assert targets(course="NOPE") == []


def test_delete_removes_it_and_is_audited(admin_api, catalogue):
    requirement_id = make_requirement(course="AZ-PTEC-MOC", role="observer").id
    assert admin_api.delete(f"requirements/{requirement_id}").status_code == 204
    assert admin_api.get(f"requirements/{requirement_id}").status_code == 404
    event = audit_events("requirement")[-1]
    assert (event.action, event.key) == ("delete", str(requirement_id))
    assert event.changes["course"] == "AZ-PTEC-MOC"


def test_unknown_requirement_is_404(admin_api):
    assert admin_api.delete("requirements/999").status_code == 404
    assert admin_api.get("requirements/999").status_code == 404
    assert admin_api.delete("requirements/abc").status_code == 404


# --- bad input --------------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    {},
    {"role": "observer"},
    {"course": None, "standard": None},
    {"course": "AZ-PTEC-MOC", "standard": "UN-CPTM"},
])
def test_neither_or_both_targets_is_422_naming_both_fields(admin_api, catalogue, body):
    resp = admin_api.post("requirements", body)
    assert resp.status_code == 422
    assert set(resp.json["errors"]) == {"course", "standard"}
    assert count(Requirement) == 0


@pytest.mark.parametrize(("level", "says"), [
    ("SLP 332", "got 3"),
    ("5+444", "no 5+"),
    ("3a21", "not a skill level"),
    ("", "four skill levels"),
    ("B2", "not a skill level"),
])
def test_malformed_min_level_is_422_with_the_parsers_message(admin_api, catalogue, level, says):
    resp = post_one(admin_api, standard="STANAG-6001-EN", min_level=level)
    assert resp.status_code == 422
    assert list(resp.json["errors"]) == ["min_level"]
    assert says in resp.json["errors"]["min_level"][0]
    assert says in resp.json["message"]
    assert count(Requirement) == 0


def test_min_level_on_a_course_is_422(admin_api, catalogue):
    resp = post_one(admin_api, course="AZ-PTEC-MOC", min_level="3222")
    assert resp.status_code == 422
    assert "standard" in resp.json["errors"]["min_level"][0]


def test_slp_standard_without_min_level_is_422(admin_api, catalogue):
    resp = post_one(admin_api, standard="STANAG-6001-EN")
    assert resp.status_code == 422
    assert "STANAG-6001-EN" in resp.json["errors"]["min_level"][0]
    assert count(Requirement) == 0


def test_min_level_on_a_pass_standard_is_422(admin_api, catalogue):
    resp = post_one(admin_api, standard="UN-CPTM", min_level="3222")
    assert resp.status_code == 422
    assert "pass/fail" in resp.json["errors"]["min_level"][0]


@pytest.mark.parametrize(("field", "body"), [
    ("course", {"course": "NO-SUCH-COURSE"}),
    ("standard", {"standard": "NO-SUCH-COURSE", "min_level": "3222"}),
    ("unit", {"course": "AZ-PTEC-MOC", "unit": "NO-SUCH-COURSE"}),
])
def test_unknown_code_is_422_naming_field_and_code(admin_api, catalogue, field, body):
    resp = admin_api.post("requirements", body)
    assert resp.status_code == 422
    assert list(resp.json["errors"]) == [field]
    assert "NO-SUCH-COURSE" in resp.json["errors"][field][0]
    assert "NO-SUCH-COURSE" in resp.json["message"]
    assert count(Requirement) == 0


@pytest.mark.parametrize(("field", "value"), [
    ("role", 5),
    ("role", ""),
    ("role", "x" * 61),
    ("unit", ""),
    ("course", ["AZ-PTEC-MOC"]),
])
def test_wrong_type_or_length_is_422_on_that_field(admin_api, catalogue, field, value):
    resp = admin_api.post("requirements", {"course": "AZ-PTEC-MOC", field: value})
    assert resp.status_code == 422
    assert field in resp.json["errors"]


def test_identical_requirement_is_409_naming_the_existing_one(admin_api, catalogue):
    existing = make_requirement(standard="STANAG-6001-EN", min_level="3222", unit="1BN")
    resp = post_one(admin_api, standard="STANAG-6001-EN", min_level="SLP 3 2 2 2", unit="1BN")
    assert resp.status_code == 409
    assert f"id {existing.id}" in resp.json["message"]
    assert count(Requirement) == 1


def test_same_requirement_twice_in_a_list_is_409_at_its_index(admin_api, catalogue):
    resp = admin_api.post("requirements", [{"course": "AZ-PTEC-MOC"}, {"standard": "UN-CPTM"},
                                           {"course": "AZ-PTEC-MOC", "role": None}])
    assert resp.status_code == 409
    assert list(resp.json["errors"]) == ["2"]
    assert count(Requirement) == 0


def test_list_with_bad_rows_is_422_by_index_and_nothing_is_written(admin_api, catalogue):
    resp = admin_api.post("requirements", [
        {"course": "AZ-PTEC-MOC"},
        {"standard": "STANAG-6001-EN"},
        {"course": "AZ-PTEC-MOC", "unit": "NOPE"},
    ])
    assert resp.status_code == 422
    assert set(resp.json["errors"]) == {"1", "2"}
    assert "min_level" in resp.json["errors"]["1"]
    assert "unit" in resp.json["errors"]["2"]
    assert count(Requirement) == 0
    assert audit_events("requirement") == []


def test_list_with_schema_errors_is_422_by_index(admin_api, catalogue):
    resp = admin_api.post("requirements", [{"course": "AZ-PTEC-MOC"}, {"standard": "X", "min_level": "9"}])
    assert resp.status_code == 422
    assert list(resp.json["errors"]) == ["1"]
    assert "[1].min_level" in resp.json["message"]
    assert count(Requirement) == 0


def test_creating_and_deleting_requirements_tells_the_engine_but_a_refusal_does_not(admin_api, catalogue):
    sent = []
    with requirements_changed.connected_to(lambda _sender, **_kw: sent.append(1)):
        assert post_one(admin_api, standard="STANAG-6001-EN").status_code == 422
        assert sent == []
        requirement_id = post_one(admin_api, course="AZ-PTEC-MOC").json["id"]
        assert sent == [1]
        admin_api.delete(f"requirements/{requirement_id}")
        assert sent == [1, 1]


def test_requirement_that_applies_to_people_can_be_deleted(admin_api, catalogue):
    make_person("AZ-1", "1BN", earmarked=True)
    requirement_id = post_one(admin_api, course="AZ-PTEC-MOC", unit="1BN").json["id"]
    assert admin_api.delete(f"requirements/{requirement_id}").status_code == 204
    assert count(Requirement) == 0
