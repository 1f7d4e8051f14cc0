"""Revoking a completion: a required reason, once, kept for ever, audited."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from readiness.audit import AuditEvent
from readiness.extensions import db
from readiness.training.models import Completion

pytestmark = pytest.mark.usefixtures("force")


@pytest.fixture
def completion_id(admin_api) -> int:
    resp = admin_api.post("completions", {"service_number": "AZ-2", "course": "UNPOC",
                                          "completed_on": "2024-05-01"})
    return resp.json["id"]


def test_revoke_marks_the_completion_with_its_reason(admin_api, completion_id):
    resp = admin_api.post(f"completions/{completion_id}/revoke", {"reason": "Exam irregularity"})
    assert resp.status_code == 200
    assert resp.json["revoked"] is True
    assert resp.json["revoke_reason"] == "Exam irregularity"
    assert resp.json["revoked_at"]
    shown = admin_api.get(f"completions/{completion_id}").json
    assert (shown["revoked"], shown["revoke_reason"]) == (True, "Exam irregularity")


def test_a_revoked_completion_is_kept(admin_api, completion_id):
    admin_api.post(f"completions/{completion_id}/revoke", {"reason": "Wrong person"})
    assert db.session.scalar(select(func.count()).select_from(Completion)) == 1
    assert admin_api.get("completions?revoked=true").json[0]["id"] == completion_id


def test_revoke_is_audited_with_the_reason(admin_api, completion_id):
    resp = admin_api.post(f"completions/{completion_id}/revoke", {"reason": "Wrong person"})
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "revoke"))
    assert (event.actor, event.entity, event.key) == ("admin", "completion", resp.json["verification_code"])
    assert event.changes == {"reason": "Wrong person", "id": completion_id}


def test_revoking_twice_is_409_and_keeps_the_first_reason(admin_api, completion_id):
    admin_api.post(f"completions/{completion_id}/revoke", {"reason": "First"})
    resp = admin_api.post(f"completions/{completion_id}/revoke", {"reason": "Second"})
    assert resp.status_code == 409
    assert "already revoked" in resp.json["message"]
    assert admin_api.get(f"completions/{completion_id}").json["revoke_reason"] == "First"


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   \n"}, {"reason": None},
                                  {"reason": "x" * 1001}, {"reason": 5}])
def test_revoke_needs_a_reason_of_at_most_1000_characters(admin_api, completion_id, body):
    resp = admin_api.post(f"completions/{completion_id}/revoke", body)
    assert resp.status_code == 422
    assert set(resp.json["errors"]) == {"reason"}
    assert "reason" in resp.json["message"]
    assert admin_api.get(f"completions/{completion_id}").json["revoked"] is False


def test_a_reason_of_1000_characters_is_accepted(admin_api, completion_id):
    resp = admin_api.post(f"completions/{completion_id}/revoke", {"reason": "x" * 1000})
    assert resp.status_code == 200


def test_revoking_an_unknown_completion_is_404(admin_api):
    assert admin_api.post("completions/999/revoke", {"reason": "x"}).status_code == 404
