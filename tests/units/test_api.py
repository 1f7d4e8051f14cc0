"""The unit API: tree rules, natural keys, errors."""

from __future__ import annotations

from sqlalchemy import func, select

from readiness.audit import AuditEvent
from readiness.extensions import db
from readiness.units.models import Unit
from tests.factories import make_unit


def test_create_unit_under_parent_returns_natural_keys(admin_api):
    make_unit("PKB", kind="brigade")
    resp = admin_api.post("units", {"code": "1BN", "name": "1st Battalion", "parent": "PKB",
                                    "kind": "battalion", "authorized_strength": 12})
    assert resp.status_code == 201
    assert resp.json == {"code": "1BN", "name": "1st Battalion", "parent": "PKB",
                         "kind": "battalion", "authorized_strength": 12}
    assert admin_api.get("units/1BN").json["parent"] == "PKB"


def test_create_unit_records_who_did_it(admin_api):
    admin_api.post("units", {"code": "PKB", "name": "Brigade", "kind": "brigade"})
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.entity == "unit"))
    assert (event.actor, event.action, event.key) == ("admin", "create", "PKB")


def test_missing_and_wrong_fields_are_422_naming_each_field(admin_api):
    resp = admin_api.post("units", {"code": "", "authorized_strength": "many",
                                    "name": "x" * 201})
    assert resp.status_code == 422
    body = resp.json
    assert body["code"] == 422
    assert body["status"] == "Unprocessable Entity"
    assert set(body["errors"]) == {"code", "name", "kind", "authorized_strength"}
    assert "authorized_strength" in body["message"]
    assert db.session.scalar(select(func.count()).select_from(Unit)) == 0


def test_unknown_parent_is_422_on_parent(admin_api):
    resp = admin_api.post("units", {"code": "A", "name": "A", "kind": "company",
                                    "parent": "NOPE"})
    assert resp.status_code == 422
    assert "parent" in resp.json["errors"]


def test_duplicate_code_is_409(admin_api):
    make_unit("PKB")
    resp = admin_api.post("units", {"code": "PKB", "name": "Again", "kind": "brigade"})
    assert resp.status_code == 409
    assert "PKB" in resp.json["message"]


def test_negative_strength_is_422(admin_api):
    resp = admin_api.post("units", {"code": "A", "name": "A", "kind": "x",
                                    "authorized_strength": -1})
    assert resp.status_code == 422
    assert "authorized_strength" in resp.json["errors"]


def test_moving_unit_under_its_descendant_is_409_and_changes_nothing(admin_api):
    make_unit("PKB", kind="brigade")
    make_unit("1BN", "PKB")
    make_unit("1BN-A", "1BN")
    resp = admin_api.patch("units/PKB", {"parent": "1BN-A"})
    assert resp.status_code == 409
    assert "subtree" in resp.json["message"]
    assert admin_api.get("units/PKB").json["parent"] is None
    assert admin_api.patch("units/1BN", {"parent": "1BN"}).status_code == 409


def test_moving_a_unit_carries_its_whole_subtree(admin_api):
    make_unit("PKB", kind="brigade")
    make_unit("OTHER", kind="brigade")
    make_unit("1BN", "PKB")
    make_unit("1BN-A", "1BN")
    make_unit("1BN-A-1", "1BN-A")
    assert admin_api.patch("units/1BN", {"parent": "OTHER"}).status_code == 200
    other = db.session.scalar(select(Unit).where(Unit.code == "OTHER"))
    leaf = db.session.scalar(select(Unit).where(Unit.code == "1BN-A-1"))
    assert leaf.path.startswith(other.path)
    assert leaf.depth == 3
    listed = admin_api.get("units", query_string={"parent": "OTHER"}).json
    assert [u["code"] for u in listed] == ["1BN"]


def test_deleting_unit_with_children_is_409_saying_why(admin_api):
    make_unit("PKB", kind="brigade")
    make_unit("1BN", "PKB")
    resp = admin_api.delete("units/PKB")
    assert resp.status_code == 409
    assert "1 child unit(s)" in resp.json["message"]
    assert admin_api.delete("units/1BN").status_code == 204
    assert admin_api.delete("units/PKB").status_code == 204
    assert admin_api.get("units/PKB").status_code == 404


def test_list_is_paginated_and_filtered(admin_api):
    make_unit("PKB", kind="brigade")
    for i in range(5):
        make_unit(f"C{i}", "PKB")
    resp = admin_api.get("units", query_string={"kind": "company", "page": 2, "per_page": 2})
    assert resp.status_code == 200
    assert len(resp.json) == 2
    assert '"total": 5' in resp.headers["X-Pagination"]


def test_openapi_document_lists_unit_paths(client):
    spec = client.get("/api/openapi.json").json
    assert "/api/v1/units/{code}" in spec["paths"]


def test_api_without_credentials_is_401(client):
    resp = client.get("/api/v1/units")
    assert resp.status_code == 401
    assert resp.json["code"] == 401


def test_unknown_token_is_401(client):
    resp = client.get("/api/v1/units", headers={"Authorization": "Bearer rdy_nope"})
    assert resp.status_code == 401


def test_filter_by_unknown_parent_lists_nothing(admin_api):
    make_unit("PKB", kind="brigade")
    resp = admin_api.get("units", query_string={"parent": "NOPE"})
    assert resp.status_code == 200
    assert resp.json == []


def test_name_filter_ignores_case_in_every_script(admin_api):
    make_unit("ROT", name="Рота связи")
    make_unit("SEC", name="Şəki taborunun bölüyü")
    assert [u["code"] for u in admin_api.get("units", query_string={"name": "РОТА"}).json] == ["ROT"]
    assert [u["code"] for u in admin_api.get("units", query_string={"name": "ŞƏK"}).json] == ["SEC"]
    assert [u["code"] for u in admin_api.get("units", query_string={"name": "şəki"}).json] == ["SEC"]
