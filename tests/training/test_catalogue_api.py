"""The catalogue API: courses and standards, one or a list, and every mistake a user makes."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from readiness.extensions import db
from readiness.personnel.models import Person
from readiness.training.models import Completion, Course, Standard
from tests.factories import make_unit
from tests.training.catalogue_factories import (
    audit_events,
    count,
    make_course,
    make_requirement,
    make_standard,
)

MOC = {"code": "AZ-PTEC-MOC", "title": "UN Military Observer Course", "provider": "Azerbaijan PTEC",
       "kind": "individual", "validity_months": 36}


def course(**changes):
    """A valid course body with `changes`."""
    return {**MOC, **changes}


# --- creating courses -------------------------------------------------------------------

def test_create_course_returns_it_with_defaults(admin_api):
    resp = admin_api.post("courses", {"code": "NSO-N3-07", "title": "Staff Officer Orientation",
                                      "provider": "NATO School Oberammergau"})
    assert resp.status_code == 201
    assert resp.json == {"code": "NSO-N3-07", "title": "Staff Officer Orientation",
                         "provider": "NATO School Oberammergau", "kind": "individual",
                         "validity_months": None}
    assert admin_api.get("courses/NSO-N3-07").json == resp.json


def test_create_course_records_who_did_it(admin_api):
    admin_api.post("courses", MOC)
    (event,) = audit_events("course")
    assert (event.actor, event.action, event.key) == ("admin", "create", "AZ-PTEC-MOC")
    assert event.changes["validity_months"] == 36


def test_create_list_of_courses_answers_list_in_same_order_and_audits_each(admin_api):
    rows = [course(code="C2"), course(code="C1", kind="collective", validity_months=None)]
    resp = admin_api.post("courses", rows)
    assert resp.status_code == 201
    assert [c["code"] for c in resp.json] == ["C2", "C1"]
    assert resp.json[1]["kind"] == "collective"
    assert [e.key for e in audit_events("course")] == ["C2", "C1"]


def test_missing_fields_are_422_naming_each_and_nothing_is_written(admin_api):
    resp = admin_api.post("courses", {"kind": "individual"})
    assert resp.status_code == 422
    assert resp.json["status"] == "Unprocessable Entity"
    assert set(resp.json["errors"]) == {"code", "title", "provider"}
    assert "title" in resp.json["message"]
    assert count(Course) == 0


@pytest.mark.parametrize(("field", "value"), [
    ("validity_months", "twelve"),
    ("validity_months", 1.5),
    ("validity_months", True),
    ("validity_months", -1),
    ("validity_months", 601),
    ("validity_months", 10**30),
    ("kind", "online"),
    ("title", 123),
    ("title", ""),
    ("title", "x" * 201),
    ("provider", None),
    ("code", "x" * 41),
    ("code", ""),
    ("code", "AZ/MOC"),
    ("code", " MOC"),
])
def test_bad_field_is_422_on_that_field_and_nothing_is_written(admin_api, field, value):
    resp = admin_api.post("courses", course(**{field: value}))
    assert resp.status_code == 422
    assert list(resp.json["errors"]) == [field]
    assert field in resp.json["message"]
    assert count(Course) == 0


def test_huge_validity_says_what_is_allowed(admin_api):
    resp = admin_api.post("courses", course(validity_months=360000))
    assert "0 to 600" in resp.json["errors"]["validity_months"][0]


@pytest.mark.parametrize("months", [0, 600, None])
def test_validity_limits_and_null_are_accepted(admin_api, months):
    resp = admin_api.post("courses", course(validity_months=months))
    assert resp.status_code == 201
    assert resp.json["validity_months"] == months


def test_unknown_field_is_422_not_silently_dropped(admin_api):
    resp = admin_api.post("courses", course(validity=36))
    assert resp.status_code == 422
    assert "validity" in resp.json["errors"]


def test_duplicate_code_is_409_with_field_errors(admin_api):
    make_course("AZ-PTEC-MOC")
    resp = admin_api.post("courses", MOC)
    assert resp.status_code == 409
    assert "AZ-PTEC-MOC" in resp.json["message"]
    assert list(resp.json["errors"]) == ["code"]
    assert count(Course) == 1


def test_duplicate_within_a_list_is_409_at_its_index_and_nothing_is_written(admin_api):
    resp = admin_api.post("courses", [course(code="A"), course(code="B"), course(code="A")])
    assert resp.status_code == 409
    assert list(resp.json["errors"]) == ["2"]
    assert "index 0" in resp.json["errors"]["2"]["code"][0]
    assert count(Course) == 0


def test_list_with_one_bad_row_is_422_by_index_and_nothing_is_written(admin_api):
    resp = admin_api.post("courses", [course(code="A"), course(code="B", kind="online")])
    assert resp.status_code == 422
    assert resp.json["errors"] == {"1": {"kind": ["Must be one of: individual, collective."]}}
    assert "[1].kind" in resp.json["message"]
    assert count(Course) == 0


def test_list_with_db_duplicate_is_409_by_index(admin_api):
    make_course("A")
    resp = admin_api.post("courses", [course(code="B"), course(code="A")])
    assert resp.status_code == 409
    assert list(resp.json["errors"]) == ["1"]
    assert count(Course) == 1


@pytest.mark.parametrize("body", ["AZ-PTEC-MOC", 42, [], ["AZ-PTEC-MOC"], None])
def test_body_that_is_not_objects_is_422(admin_api, body):
    resp = admin_api.post("courses", body)
    assert resp.status_code == 422
    assert resp.json["message"]
    assert count(Course) == 0


def test_malformed_json_is_400(admin_api):
    resp = admin_api.client.post("/api/v1/courses", data="{code: 'x'",
                                 headers={**admin_api.headers, "Content-Type": "application/json"})
    assert resp.status_code == 400
    assert resp.json["code"] == 400


# --- reading courses --------------------------------------------------------------------

def test_list_filters_by_kind_provider_any_case_and_title_words(admin_api):
    make_course("NSO-1", title="Staff Officer Orientation", provider="NATO School")
    make_course("NSO-2", title="Counter-IED Planning", provider="NATO School", kind="collective")
    make_course("PTEC-1", title="Military Observer", provider="Azerbaijan PTEC")

    def codes(**query):
        resp = admin_api.get("courses", query_string=query)
        assert resp.status_code == 200
        return [c["code"] for c in resp.json]

    assert codes() == ["NSO-1", "NSO-2", "PTEC-1"]
    assert codes(provider="nato school") == ["NSO-1", "NSO-2"]
    assert codes(kind="collective") == ["NSO-2"]
    assert codes(q="OFFICER") == ["NSO-1"]
    assert codes(code="PTEC-1") == ["PTEC-1"]
    assert codes(q="100%") == []


def test_list_is_paginated(admin_api):
    for i in range(5):
        make_course(f"C{i}")
    resp = admin_api.get("courses", query_string={"page": 2, "per_page": 2})
    assert [c["code"] for c in resp.json] == ["C2", "C3"]
    assert json.loads(resp.headers["X-Pagination"])["total"] == 5


def test_unknown_filter_value_is_422(admin_api):
    resp = admin_api.get("courses", query_string={"kind": "online"})
    assert resp.status_code == 422
    assert "kind" in resp.json["errors"]


def test_unknown_course_is_404(admin_api):
    resp = admin_api.get("courses/NOPE")
    assert resp.status_code == 404
    assert "NOPE" in resp.json["message"]


# --- changing courses -------------------------------------------------------------------

def test_patch_changes_only_given_fields_and_audits_old_and_new(admin_api):
    make_course("MOC", title="Old title", validity_months=36)
    resp = admin_api.patch("courses/MOC", {"title": "New title", "validity_months": None})
    assert resp.status_code == 200
    assert resp.json["title"] == "New title"
    assert resp.json["validity_months"] is None
    assert resp.json["provider"] == "PTEC"
    event = audit_events("course")[-1]
    assert event.action == "update"
    assert event.changes == {"title": ["Old title", "New title"], "validity_months": [36, None]}


def test_patch_validity_keeps_expiry_of_completions_already_recorded(admin_api):
    unit = make_unit("1BN")
    moc = make_course("MOC", validity_months=36)
    person = Person(service_number="AZ-1", rank="Lt", family_name="Aliyev", given_name="Murad",
                    unit_id=unit.id, role="observer")
    db.session.add(person)
    db.session.flush()
    db.session.add(Completion(person_id=person.id, course_id=moc.id, completed_on=date(2024, 1, 31),
                              expires_on=date(2027, 1, 31), verification_code="TEST-0000-0001",
                              recorded_by="test"))
    db.session.commit()
    assert admin_api.patch("courses/MOC", {"validity_months": 12}).status_code == 200
    db.session.expire_all()
    assert db.session.scalar(select(Completion.expires_on)) == date(2027, 1, 31)


@pytest.mark.parametrize(("body", "field"), [
    ({"validity_months": 700}, "validity_months"),
    ({"kind": "online"}, "kind"),
    ({"title": ""}, "title"),
    ({"code": None}, "code"),
])
def test_bad_patch_is_422_and_changes_nothing(admin_api, body, field):
    make_course("MOC", validity_months=36)
    resp = admin_api.patch("courses/MOC", body)
    assert resp.status_code == 422
    assert field in resp.json["errors"]
    assert admin_api.get("courses/MOC").json["validity_months"] == 36


def test_renaming_onto_a_taken_code_is_409(admin_api):
    make_course("A")
    make_course("B")
    resp = admin_api.patch("courses/A", {"code": "B"})
    assert resp.status_code == 409
    assert admin_api.get("courses/A").status_code == 200


def test_patch_unknown_course_is_404(admin_api):
    assert admin_api.patch("courses/NOPE", {"title": "x"}).status_code == 404


# --- standards --------------------------------------------------------------------------

ENGLISH = {"code": "STANAG-6001-EN", "title": "English language proficiency", "body": "NATO",
           "scale": "slp", "validity_months": 60}


def test_create_standard_returns_it(admin_api):
    resp = admin_api.post("standards", ENGLISH)
    assert resp.status_code == 201
    assert resp.json == ENGLISH
    assert admin_api.get("standards/STANAG-6001-EN").json == ENGLISH
    assert [e.key for e in audit_events("standard")] == ["STANAG-6001-EN"]


def test_create_list_of_standards(admin_api):
    resp = admin_api.post("standards", [ENGLISH, {**ENGLISH, "code": "UN-CPTM", "body": "UN",
                                                  "scale": "pass", "validity_months": None}])
    assert resp.status_code == 201
    assert [s["scale"] for s in resp.json] == ["slp", "pass"]


@pytest.mark.parametrize(("field", "value"), [
    ("scale", "cefr"),
    ("scale", None),
    ("body", ""),
    ("body", "x" * 61),
    ("validity_months", -12),
    ("validity_months", 1000),
])
def test_bad_standard_is_422_on_that_field_and_nothing_is_written(admin_api, field, value):
    resp = admin_api.post("standards", {**ENGLISH, field: value})
    assert resp.status_code == 422
    assert list(resp.json["errors"]) == [field]
    assert count(Standard) == 0


def test_standard_needs_scale_and_body(admin_api):
    resp = admin_api.post("standards", {"code": "X", "title": "X"})
    assert resp.status_code == 422
    assert set(resp.json["errors"]) == {"body", "scale"}


def test_duplicate_standard_is_409(admin_api):
    make_standard("STANAG-6001-EN")
    resp = admin_api.post("standards", ENGLISH)
    assert resp.status_code == 409
    assert "STANAG-6001-EN" in resp.json["message"]


def test_standard_list_filters_by_scale_and_body(admin_api):
    make_standard("EN", scale="slp", body="NATO")
    make_standard("CPTM", scale="pass", body="UN")
    assert [s["code"] for s in admin_api.get("standards", query_string={"scale": "pass"}).json] == ["CPTM"]
    assert [s["code"] for s in admin_api.get("standards", query_string={"body": "nato"}).json] == ["EN"]


def test_changing_scale_of_a_standard_in_use_is_409_and_changes_nothing(admin_api):
    make_standard("EN", scale="slp")
    make_requirement(standard="EN", min_level="3222")
    resp = admin_api.patch("standards/EN", {"scale": "pass"})
    assert resp.status_code == 409
    assert "1 requirement(s)" in resp.json["message"]
    assert admin_api.get("standards/EN").json["scale"] == "slp"


def test_changing_scale_of_an_unused_standard_is_allowed(admin_api):
    make_standard("EN", scale="slp")
    resp = admin_api.patch("standards/EN", {"scale": "pass", "title": "English"})
    assert resp.status_code == 200
    assert (resp.json["scale"], resp.json["title"]) == ("pass", "English")


def test_unknown_standard_is_404(admin_api):
    assert admin_api.get("standards/NOPE").status_code == 404
    assert admin_api.patch("standards/NOPE", {"title": "x"}).status_code == 404


# --- OpenAPI ----------------------------------------------------------------------------

def test_openapi_documents_one_or_list_bodies(client):
    spec = client.get("/api/openapi.json").json
    post = spec["paths"]["/api/v1/courses"]["post"]
    body = post["requestBody"]["content"]["application/json"]["schema"]
    assert body["oneOf"][0] == {"$ref": "#/components/schemas/CourseIn"}
    assert body["oneOf"][1]["items"] == {"$ref": "#/components/schemas/CourseIn"}
    assert post["responses"]["201"]["description"]
    for path in ("/api/v1/standards", "/api/v1/standards/{code}", "/api/v1/courses/{code}",
                 "/api/v1/requirements", "/api/v1/requirements/{requirement_id}"):
        assert path in spec["paths"]
    assert "CourseIn" in spec["components"]["schemas"]
