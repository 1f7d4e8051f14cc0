"""The personnel API: one person at a time, lists, filters, changes, errors."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from readiness.audit import AuditEvent
from readiness.extensions import db
from readiness.personnel.models import Person
from tests.factories import make_person
from tests.personnel.helpers import person_row

pytestmark = pytest.mark.usefixtures("force")


def people_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Person))


def test_create_one_person_answers_201_with_natural_keys_and_defaults(admin_api):
    resp = admin_api.post("personnel", person_row("AZ-1001"))
    assert resp.status_code == 201
    assert resp.json == {"service_number": "AZ-1001", "rank": "Sergeant",
                         "family_name": "Məmmədov", "given_name": "Rəşad", "patronymic": None,
                         "unit": "1BN", "role": "rifleman", "status": "active",
                         "earmarked": False, "email": None}
    assert admin_api.get("personnel/AZ-1001").json == resp.json


def test_create_records_who_created_whom_with_every_field(admin_api):
    admin_api.post("personnel", person_row("AZ-1001", earmarked=True))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.entity == "person"))
    assert (event.actor, event.action, event.key) == ("admin", "create", "AZ-1001")
    assert event.changes["unit"] == "1BN"
    assert event.changes["earmarked"] is True
    assert event.changes["family_name"] == "Məmmədov"


def test_all_fields_are_stored_as_sent(admin_api):
    body = person_row("AZ-1", patronymic="Əli oğlu", status="deployed", earmarked=True,
                      email="rashad@mod.example.az", unit="1BN-A")
    resp = admin_api.post("personnel", body)
    assert resp.status_code == 201
    assert resp.json == body


def test_surrounding_whitespace_is_removed_and_blank_optional_fields_are_null(admin_api):
    resp = admin_api.post("personnel", person_row("  AZ-7 ", family_name=" Quliyev\t",
                                                  unit=" 1BN ", patronymic="  ", email=""))
    assert resp.status_code == 201
    assert resp.json["service_number"] == "AZ-7"
    assert resp.json["family_name"] == "Quliyev"
    assert resp.json["unit"] == "1BN"
    assert resp.json["patronymic"] is None
    assert resp.json["email"] is None


def test_missing_fields_are_422_naming_each_and_nothing_is_written(admin_api):
    resp = admin_api.post("personnel", {"family_name": "Əliyev"})
    assert resp.status_code == 422
    body = resp.json
    assert (body["code"], body["status"]) == (422, "Unprocessable Entity")
    assert set(body["errors"]) == {"service_number", "rank", "given_name", "unit", "role"}
    assert "service_number" in body["message"]
    assert people_count() == 0


@pytest.mark.parametrize(("field", "value"), [
    ("earmarked", "maybe"),
    ("earmarked", [True]),
    ("status", "retired"),
    ("status", None),
    ("email", "not-an-email"),
    ("email", "two@@example.com"),
    ("rank", 5),
    ("family_name", None),
    ("service_number", ""),
    ("service_number", "   "),
    ("role", {"name": "rifleman"}),
])
def test_wrong_values_are_422_on_their_field(admin_api, field, value):
    resp = admin_api.post("personnel", {**person_row("AZ-1"), field: value})
    assert resp.status_code == 422
    assert list(resp.json["errors"]) == [field]
    assert field in resp.json["message"]
    assert people_count() == 0


@pytest.mark.parametrize(("field", "limit"), [
    ("service_number", 32), ("rank", 60), ("family_name", 100), ("given_name", 100),
    ("patronymic", 100), ("role", 60), ("unit", 32),
])
def test_strings_longer_than_their_column_are_422(admin_api, field, limit):
    too_long = admin_api.post("personnel", {**person_row("AZ-1"), field: "ə" * (limit + 1)})
    assert too_long.status_code == 422
    assert list(too_long.json["errors"]) == [field]
    assert people_count() == 0


def test_longest_allowed_strings_fit_the_columns(admin_api):
    body = person_row("9" * 32, rank="R" * 60, family_name="ə" * 100, given_name="ğ" * 100,
                      patronymic="ı" * 100, role="x" * 60,
                      email="a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + ".az")
    resp = admin_api.post("personnel", body)
    assert resp.status_code == 201, resp.json
    assert admin_api.get(f"personnel/{'9' * 32}").json == {**body, "status": "active",
                                                           "earmarked": False}


def test_over_long_email_is_422(admin_api):
    email = "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".az"
    resp = admin_api.post("personnel", person_row("AZ-1", email=email))
    assert resp.status_code == 422
    assert "email" in resp.json["errors"]


def test_unknown_field_is_422_rather_than_ignored(admin_api):
    resp = admin_api.post("personnel", person_row("AZ-1", unit_code="1BN"))
    assert resp.status_code == 422
    assert "unit_code" in resp.json["errors"]


def test_unknown_unit_is_422_on_unit_naming_the_code(admin_api):
    resp = admin_api.post("personnel", person_row("AZ-1", unit="9BN"))
    assert resp.status_code == 422
    assert resp.json["errors"] == {"unit": ["Unknown unit '9BN'."]}
    assert "9BN" in resp.json["message"]
    assert people_count() == 0


def test_service_number_already_in_use_is_409(admin_api):
    make_person("AZ-1", "2BN", family_name="Həsənov")
    resp = admin_api.post("personnel", person_row("AZ-1"))
    assert resp.status_code == 409
    assert resp.json["errors"] == {"service_number": ["Service number 'AZ-1' already exists."]}
    assert "AZ-1" in resp.json["message"]
    assert admin_api.get("personnel/AZ-1").json["family_name"] == "Həsənov"


@pytest.mark.parametrize("body", ['"AZ-1"', "42", "null", ""])
def test_body_that_is_no_object_or_list_is_422(admin_api, body):
    resp = admin_api.post("personnel", data=body, content_type="application/json")
    assert resp.status_code == 422
    assert "JSON object" in resp.json["message"]


def test_body_that_is_not_json_is_400(admin_api):
    resp = admin_api.post("personnel", data="{service_number: AZ-1",
                          content_type="application/json")
    assert resp.status_code == 400
    assert resp.json["code"] == 400
    assert "JSON" in resp.json["message"]


def test_azerbaijani_names_round_trip(admin_api):
    body = person_row("AZ-ƏĞ", family_name="Şükürova", given_name="İlahə",
                      patronymic="Çingiz qızı", rank="Baş leytenant", role="tərcüməçi")
    assert admin_api.post("personnel", body).status_code == 201
    assert admin_api.get("personnel/AZ-ƏĞ").json == {**body, "status": "active",
                                                    "earmarked": False, "email": None}
    listed = admin_api.get("personnel", query_string={"q": "şükür"}).json
    assert [p["given_name"] for p in listed] == ["İlahə"]


def test_unknown_service_number_is_404(admin_api):
    resp = admin_api.get("personnel/NOPE")
    assert resp.status_code == 404
    assert resp.json["message"] == "Person 'NOPE' not found."


def test_list_is_ordered_by_name_and_paginated(admin_api):
    make_person("3", "1BN", family_name="Bağırov", given_name="Orxan")
    make_person("2", "1BN", family_name="Abbasov", given_name="Tural")
    make_person("1", "2BN", family_name="Abbasov", given_name="Tural")
    make_person("4", "1BN-A", family_name="Abbasov", given_name="Samir")
    resp = admin_api.get("personnel")
    assert resp.status_code == 200
    assert [p["service_number"] for p in resp.json] == ["4", "1", "2", "3"]
    page = admin_api.get("personnel", query_string={"page": 2, "per_page": 3})
    assert [p["service_number"] for p in page.json] == ["3"]
    assert json.loads(page.headers["X-Pagination"]) == {"total": 4, "page": 2, "per_page": 3,
                                                        "total_pages": 2}


def test_list_filters_by_unit_subtree_and_fields(admin_api):
    make_person("1", "1BN", role="medic", earmarked=True)
    make_person("2", "1BN-A", role="medic", status="deployed")
    make_person("3", "2BN", role="medic", earmarked=True, rank="Captain")
    make_person("4", "PKB", role="driver")

    def numbers(**query):
        resp = admin_api.get("personnel", query_string=query)
        assert resp.status_code == 200
        return [p["service_number"] for p in resp.json]

    assert numbers(unit="1BN") == ["1", "2"]
    assert numbers(unit="PKB") == ["1", "2", "3", "4"]
    assert numbers(unit="1BN-A") == ["2"]
    assert numbers(unit="NOPE") == []
    assert numbers(role="medic", unit="1BN") == ["1", "2"]
    assert numbers(status="deployed") == ["2"]
    assert numbers(earmarked="true") == ["1", "3"]
    assert numbers(earmarked="false") == ["2", "4"]
    assert numbers(rank="Captain") == ["3"]
    assert numbers(service_number="4") == ["4"]


def test_name_search_is_a_case_insensitive_part_of_family_or_given_name(admin_api):
    make_person("1", "1BN", family_name="İsmayılov", given_name="Ilham")
    make_person("2", "1BN", family_name="Quliyeva", given_name="Günel")
    make_person("3", "1BN", family_name="Orucov", given_name="Əli")
    make_person("4", "1BN", family_name="Smith_50%", given_name="John")

    def found(q):
        return [p["service_number"] for p in admin_api.get("personnel",
                                                           query_string={"q": q}).json]

    assert found("ismayıl") == ["1"]
    assert found("İSMAYIL") == ["1"]
    assert found("ilham") == ["1"]
    assert found("GÜN") == ["2"]
    assert found("əl") == ["3"]
    assert found("ƏLİ") == ["3"]
    assert found("iyev") == ["2"]
    assert found("_50%") == ["4"]
    assert found("%") == ["4"]
    assert found("nobody") == []


@pytest.mark.parametrize("query", [{"status": "retired"}, {"earmarked": "maybe"},
                                   {"per_page": 0}, {"page": "x"}])
def test_bad_filter_values_are_422(admin_api, query):
    resp = admin_api.get("personnel", query_string=query)
    assert resp.status_code == 422
    assert set(resp.json["errors"]) == set(query)


def test_patch_changes_only_what_is_sent_and_audits_old_and_new(admin_api):
    make_person("AZ-1", "1BN", family_name="Əliyev", rank="Private")
    resp = admin_api.patch("personnel/AZ-1", {"rank": "Corporal", "unit": "2BN",
                                              "earmarked": True, "family_name": "Əliyev"})
    assert resp.status_code == 200
    assert (resp.json["rank"], resp.json["unit"], resp.json["earmarked"]) == ("Corporal", "2BN", True)
    assert resp.json["family_name"] == "Əliyev"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "update"))
    assert (event.actor, event.entity, event.key) == ("admin", "person", "AZ-1")
    assert event.changes == {"rank": ["Private", "Corporal"], "unit": ["1BN", "2BN"],
                             "earmarked": [False, True]}


def test_patch_without_changes_writes_no_audit_event(admin_api):
    make_person("AZ-1", "1BN")
    assert admin_api.patch("personnel/AZ-1", {"unit": "1BN"}).status_code == 200
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "update")) is None


def test_patch_can_change_the_service_number(admin_api):
    make_person("AZ-1", "1BN")
    resp = admin_api.patch("personnel/AZ-1", {"service_number": "AZ-2"})
    assert resp.status_code == 200
    assert admin_api.get("personnel/AZ-1").status_code == 404
    assert admin_api.get("personnel/AZ-2").json["unit"] == "1BN"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "update"))
    assert (event.key, event.changes) == ("AZ-2", {"service_number": ["AZ-1", "AZ-2"]})


def test_patch_to_a_service_number_in_use_is_409_and_changes_nothing(admin_api):
    make_person("AZ-1", "1BN", family_name="Birinci")
    make_person("AZ-2", "1BN", family_name="İkinci")
    resp = admin_api.patch("personnel/AZ-1", {"service_number": "AZ-2", "rank": "Major"})
    assert resp.status_code == 409
    assert "service_number" in resp.json["errors"]
    assert admin_api.get("personnel/AZ-1").json["rank"] == "Private"
    assert admin_api.get("personnel/AZ-2").json["family_name"] == "İkinci"


def test_patch_to_an_unknown_unit_is_422(admin_api):
    make_person("AZ-1", "1BN")
    resp = admin_api.patch("personnel/AZ-1", {"unit": "9BN"})
    assert resp.status_code == 422
    assert resp.json["errors"] == {"unit": ["Unknown unit '9BN'."]}
    assert admin_api.get("personnel/AZ-1").json["unit"] == "1BN"


@pytest.mark.parametrize(("field", "value"), [
    ("family_name", None), ("status", "gone"), ("earmarked", "maybe"), ("email", "x@"),
    ("unit", ""), ("rank", "R" * 61),
])
def test_patch_with_bad_values_is_422_and_changes_nothing(admin_api, field, value):
    make_person("AZ-1", "1BN", email="old@example.az")
    before = admin_api.get("personnel/AZ-1").json
    resp = admin_api.patch("personnel/AZ-1", {field: value})
    assert resp.status_code == 422
    assert list(resp.json["errors"]) == [field]
    assert admin_api.get("personnel/AZ-1").json == before


def test_patch_can_clear_optional_fields(admin_api):
    make_person("AZ-1", "1BN", email="old@example.az", patronymic="Vaqif oğlu")
    resp = admin_api.patch("personnel/AZ-1", {"email": None, "patronymic": ""})
    assert resp.status_code == 200
    assert (resp.json["email"], resp.json["patronymic"]) == (None, None)


def test_patch_unknown_person_is_404(admin_api):
    assert admin_api.patch("personnel/NOPE", {"rank": "Major"}).status_code == 404


def test_openapi_describes_personnel_paths_and_both_post_shapes(client):
    spec = client.get("/api/openapi.json").json
    assert "/api/v1/personnel/{service_number}" in spec["paths"]
    post = spec["paths"]["/api/v1/personnel"]["post"]
    shapes = post["requestBody"]["content"]["application/json"]["schema"]["oneOf"]
    assert shapes[0] == {"$ref": "#/components/schemas/PersonIn"}
    assert shapes[1]["type"] == "array"
    assert "earmarked" in spec["components"]["schemas"]["PersonIn"]["properties"]
    assert "201" in post["responses"]
