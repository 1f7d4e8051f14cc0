"""Audit pages: per record and per user, within the reader's scope."""

from __future__ import annotations

from sqlalchemy import select

from readiness.extensions import db
from readiness.training.models import Completion
from tests.workspace.conftest import text


def test_a_person_s_record_history_shows_who_changed_what(browser):
    page = text(browser("to").get("/workspace/audit/person/AZ-1002"))
    assert "create" in page
    assert "Məmmədəliyev-Hüseynzadə-Qasımlı" in page
    assert "system" in page


def test_a_completion_s_history_is_found_by_its_verification_code(browser):
    code = db.session.scalar(select(Completion.verification_code))
    page = text(browser("cdr").get(f"/workspace/audit/completion/{code}"))
    assert "AZ-1001" in page
    assert "CPTM" in page


def test_an_attainment_s_history_is_found_by_its_natural_key(browser, world):
    key = f"AZ-1003/EN/{(world['today'] - __import__('datetime').timedelta(days=30)).isoformat()}"
    page = text(browser("to").get(f"/workspace/audit/attainment/{key}"))
    assert "3322" in page


def test_records_outside_the_scope_have_no_visible_history(browser):
    viewer = browser("viewer")
    assert viewer.get("/workspace/audit/person/AZ-1001").status_code == 404
    code = db.session.scalar(select(Completion.verification_code))
    assert viewer.get(f"/workspace/audit/completion/{code}").status_code == 404
    assert viewer.get("/workspace/audit/unit/BN1").status_code == 404
    assert viewer.get("/workspace/audit/unit/BN2").status_code == 200
    assert viewer.get("/workspace/audit/nonsense/1").status_code == 404


def test_a_user_s_changes_are_for_admins_and_the_user(browser, world):
    to = browser("to")
    to.post("/workspace/record", {"service_number": "AZ-1002", "course": "CLS",
                                  "completed_on": world["today"].isoformat()})
    page = text(to.get("/workspace/audit/users/to"))
    assert "1 change" in page
    assert "CLS" in page
    assert "1 change" in text(browser("admin").get("/workspace/audit/users/to"))
    assert browser("cdr").get("/workspace/audit/users/to").status_code == 404
    assert browser("admin").get("/workspace/audit/users/nobody").status_code == 404
