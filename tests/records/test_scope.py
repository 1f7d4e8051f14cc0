"""Who may read and write training records: roles, and unit scope over subtrees."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from readiness.extensions import db
from readiness.training.models import Attainment, Completion

pytestmark = pytest.mark.usefixtures("force")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def completion(service_number: str, course: str = "UNPOC") -> dict:
    return {"service_number": service_number, "course": course, "completed_on": "2024-05-01"}


def attainment(service_number: str) -> dict:
    return {"service_number": service_number, "standard": "ENG", "level": "3333",
            "assessed_on": "2024-05-01"}


@pytest.fixture
def records(admin_api) -> dict[str, int]:
    """One completion and one attainment for each of AZ-1 (1BN), AZ-2 (1BN-A), AZ-3 (2BN)."""
    ids = {}
    for sn in ("AZ-1", "AZ-2", "AZ-3"):
        ids[sn] = admin_api.post("completions", completion(sn)).json["id"]
        ids[f"{sn}/att"] = admin_api.post("attainments", attainment(sn)).json["id"]
    return ids


@pytest.mark.parametrize(("path", "body"), [("completions", completion("AZ-2")),
                                            ("attainments", attainment("AZ-2"))])
def test_training_officer_records_for_people_in_his_subtree(officer_1bn, path, body):
    resp = officer_1bn.post(path, body)
    assert resp.status_code == 201
    assert resp.json.get("recorded_by") == "officer"


@pytest.mark.parametrize(("path", "body", "model"), [("completions", completion, Completion),
                                                     ("attainments", attainment, Attainment)])
def test_training_officer_recording_outside_his_subtree_is_403_naming_the_person(officer_1bn, path,
                                                                               body, model):
    resp = officer_1bn.post(path, body("AZ-3"))
    assert resp.status_code == 403
    assert set(resp.json["errors"]) == {"service_number"}
    assert "AZ-3" in resp.json["message"]
    resp = officer_1bn.post(path, [body("AZ-1"), body("AZ-3")])
    assert resp.status_code == 403
    assert set(resp.json["errors"]) == {"1"}
    assert set(resp.json["errors"]["1"]) == {"service_number"}
    assert count(model) == 0


@pytest.mark.parametrize("who", ["commander", "viewer_2bn"])
@pytest.mark.parametrize(("path", "body"), [("completions", completion("AZ-3")),
                                            ("attainments", attainment("AZ-3"))])
def test_commanders_and_viewers_may_not_record(request, who, path, body):
    client = request.getfixturevalue(who)
    resp = client.post(path, body)
    assert resp.status_code == 403
    assert count(Completion) + count(Attainment) == 0


@pytest.mark.parametrize("who", ["commander", "viewer_2bn"])
def test_commanders_and_viewers_may_not_revoke(request, records, who):
    client = request.getfixturevalue(who)
    resp = client.post(f"completions/{records['AZ-3']}/revoke", {"reason": "x"})
    assert resp.status_code == 403
    assert db.session.get(Completion, records["AZ-3"]).revoked is False


def test_training_officer_revokes_in_scope_and_cannot_see_outside(officer_1bn, records):
    assert officer_1bn.post(f"completions/{records['AZ-2']}/revoke", {"reason": "x"}).status_code == 200
    resp = officer_1bn.post(f"completions/{records['AZ-3']}/revoke", {"reason": "x"})
    assert resp.status_code == 404
    assert db.session.get(Completion, records["AZ-3"]).revoked is False


@pytest.mark.parametrize(("who", "visible"), [
    ("admin_api", {"AZ-1", "AZ-2", "AZ-3"}),
    ("officer_1bn", {"AZ-1", "AZ-2"}),
    ("commander", {"AZ-1", "AZ-2", "AZ-3"}),
    ("viewer_2bn", {"AZ-3"}),
])
def test_lists_show_only_people_in_scope(request, records, who, visible):
    client = request.getfixturevalue(who)
    for path in ("completions", "attainments"):
        resp = client.get(path)
        assert resp.status_code == 200
        assert {r["service_number"] for r in resp.json} == visible
    # Filtering on a unit outside the scope does not widen it.
    assert client.get("completions?unit=PKB").status_code == 200
    assert {r["service_number"] for r in client.get("completions?unit=PKB").json} == visible


@pytest.mark.parametrize(("who", "hidden"), [("officer_1bn", "AZ-3"), ("viewer_2bn", "AZ-1")])
def test_records_outside_scope_are_404(request, records, who, hidden):
    client = request.getfixturevalue(who)
    resp = client.get(f"completions/{records[hidden]}")
    assert resp.status_code == 404
    assert client.get(f"attainments/{records[hidden + '/att']}").status_code == 404
    shown = "AZ-3" if hidden == "AZ-1" else "AZ-1"
    assert client.get(f"completions/{records[shown]}").status_code == 200
    assert client.get(f"attainments/{records[shown + '/att']}").status_code == 200


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "completions"), ("POST", "completions"), ("GET", "completions/1"),
    ("POST", "completions/1/revoke"), ("GET", "attainments"), ("POST", "attainments"),
    ("GET", "attainments/1"),
])
def test_every_endpoint_needs_credentials(client, method, path):
    resp = client.open(f"/api/v1/{path}", method=method, json={})
    assert resp.status_code == 401
