"""Recording a completion, revoking it, and recording language results through the forms."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from readiness.audit import AuditEvent
from readiness.extensions import db
from readiness.training.models import Attainment, Completion
from tests.workspace.conftest import text


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _record(browser, today, **fields):
    data = {"service_number": "AZ-1002", "course": "CLS",
            "completed_on": (today - timedelta(days=3)).isoformat(), "score": "88", "note": ""}
    data.update(fields)
    return browser.post("/workspace/record", data)


def test_record_form_lists_courses_and_keeps_the_person_from_the_link(browser):
    page = text(browser("to").get("/workspace/record?service_number=AZ-1002"))
    assert 'value="AZ-1002"' in page
    assert "CLS — Combat Life Saver" in page
    assert "Məmmədəliyev" in page  # the person is named beside the number


def test_recording_a_completion_shows_it_with_its_certificate_link(browser, world):
    to = browser("to")
    resp = _record(to, world["today"], note="Class 2026/3, instructor Capt. Rüstəmov")
    assert resp.status_code == 302
    page = text(to.get(resp.headers["Location"]))
    assert "Completion recorded" in page
    completion = db.session.scalar(select(Completion).where(Completion.score == 88))
    assert f"/api/v1/completions/{completion.id}/certificate.pdf" in page
    assert completion.verification_code in page
    assert "Class 2026/3, instructor Capt. Rüstəmov" in page  # the note, kept in the history
    person_page = text(to.get("/workspace/people/AZ-1002"))
    assert completion.verification_code in person_page


def test_unknown_person_is_shown_beside_the_field_with_the_input_kept(browser, world):
    before = _count(Completion)
    resp = _record(browser("to"), world["today"], service_number="AZ-9999", score="77")
    page = text(resp)
    assert resp.status_code == 422
    assert re.search(r'id="service_number-error">Unknown person \'AZ-9999\'', page)
    assert 'value="AZ-9999"' in page
    assert 'value="77"' in page
    assert _count(Completion) == before


def test_a_date_after_today_is_refused(browser, world):
    tomorrow = (world["today"] + timedelta(days=1)).isoformat()
    resp = _record(browser("to"), world["today"], completed_on=tomorrow)
    assert resp.status_code == 422
    assert "Must not be after today" in text(resp)
    assert _count(Completion) == 1


def test_every_error_is_shown_at_once(browser, world):
    tomorrow = (world["today"] + timedelta(days=1)).isoformat()
    page = text(_record(browser("to"), world["today"], completed_on=tomorrow, score="300"))
    assert 'id="completed_on-error">Must not be after today' in page
    assert 'id="score-error"' in page


def test_a_score_out_of_range_and_a_missing_course_are_refused(browser, world):
    resp = _record(browser("to"), world["today"], score="101", course="")
    page = text(resp)
    assert resp.status_code == 422
    assert 'id="score-error"' in page
    assert "Choose a course." in page
    assert _count(Completion) == 1


def test_the_same_completion_twice_is_refused_beside_the_date(browser, world):
    to = browser("to")
    assert _record(to, world["today"]).status_code == 302
    resp = _record(to, world["today"])
    assert resp.status_code == 422
    assert "Already recorded for this person, course and date." in text(resp)
    assert _count(Completion) == 2


def test_a_person_outside_the_scope_cannot_be_recorded(browser, world):
    resp = _record(browser("to"), world["today"], service_number="AZ-2001")
    assert resp.status_code == 422
    assert "outside your scope" in text(resp)
    assert _count(Completion) == 1


def test_readers_may_not_record(browser, world):
    assert browser("cdr").get("/workspace/record").status_code == 403
    assert _record(browser("viewer"), world["today"], service_number="AZ-2001").status_code == 403
    assert _count(Completion) == 1


def test_a_form_without_its_csrf_token_is_refused(browser, world):
    to = browser("to")
    resp = to.post("/workspace/record", {"service_number": "AZ-1002", "course": "CLS",
                                         "completed_on": world["today"].isoformat()}, token="")
    assert resp.status_code == 400
    assert _count(Completion) == 1


def _completion(sn: str = "AZ-1001") -> Completion:
    return db.session.scalar(select(Completion).where(Completion.person.has(service_number=sn)))


def test_revoking_needs_a_reason_and_then_shows_it_everywhere(browser):
    to = browser("to")
    completion = _completion()
    url = f"/workspace/completions/{completion.id}"
    resp = to.post(f"{url}/revoke", {"reason": "   "})
    assert resp.status_code == 422
    assert "Say why the completion is revoked." in text(resp)
    db.session.expire_all()
    assert not _completion().revoked

    resp = to.post(f"{url}/revoke", {"reason": "Certificate issued in error: wrong class"})
    assert resp.status_code == 302
    page = text(to.get(url))
    assert "Revoked" in page
    assert "Certificate issued in error: wrong class" in page
    assert "Revoke completion" not in page  # no second revoke
    person = text(to.get("/workspace/people/AZ-1001"))
    assert "⊘ Revoked" in person
    assert "Certificate issued in error: wrong class" in person
    assert "Not qualified today" in person  # a revoked completion never counts
    audit = text(to.get(f"/workspace/audit/completion/{completion.verification_code}"))
    assert "revoke" in audit
    assert "Certificate issued in error" in audit


def test_a_second_revoke_is_a_conflict(browser):
    to = browser("to")
    completion = _completion()
    assert to.post(f"/workspace/completions/{completion.id}/revoke", {"reason": "one"}).status_code == 302
    resp = to.post(f"/workspace/completions/{completion.id}/revoke", {"reason": "two"})
    assert resp.status_code == 409
    assert "already revoked" in text(resp)


def test_readers_see_completions_but_may_not_revoke(browser):
    completion = _completion()
    cdr = browser("cdr")
    page = text(cdr.get(f"/workspace/completions/{completion.id}"))
    assert "Revoke completion" not in page
    assert cdr.post(f"/workspace/completions/{completion.id}/revoke", {"reason": "x"}).status_code == 403
    assert browser("viewer").get(f"/workspace/completions/{completion.id}").status_code == 404
    db.session.expire_all()
    assert not _completion().revoked


def _result(browser, today, **fields):
    data = {"service_number": "AZ-1003", "standard": "EN", "level": "SLP 3+32+2",
            "assessed_on": (today - timedelta(days=1)).isoformat()}
    data.update(fields)
    return browser.post("/workspace/results/new", data)


def test_recording_a_language_result_normalises_the_profile(browser, world):
    to = browser("to")
    resp = _result(to, world["today"], level="slp 3+3 2+2")
    assert resp.status_code == 302
    page = text(to.get(resp.headers["Location"]))
    assert "SLP 3+32+2" in page
    assert _count(Attainment) == 2


def test_a_bad_profile_says_what_is_wrong_beside_the_field(browser, world):
    cases = (("SLP 332", "got 3"), ("3 3 2 5+", "there is no 5+"), ("33x2", "'X' is not a skill level"))
    for level, message in cases:
        resp = _result(browser("to"), world["today"], level=level)
        page = text(resp)
        assert resp.status_code == 422
        assert 'id="level-error"' in page
        assert message in page, level
        assert f'value="{level}"' in page
    assert _count(Attainment) == 1


def test_the_result_page_checks_the_profile_as_typed(browser):
    page = browser("to").get("/workspace/results/new").get_data(as_text=True)
    assert 'id="level-check"' in page
    assert '"EN": "slp"' in page


def test_every_record_written_is_audited_with_its_author(browser, world):
    _record(browser("to"), world["today"])
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.entity == "completion",
                                                       AuditEvent.actor == "to"))
    assert event.changes["course"] == "CLS"
    page = text(browser("to").get("/workspace/audit/users/to"))
    assert "CLS" in page
    assert browser("cdr").get("/workspace/audit/users/to").status_code == 404
    assert browser("admin").get("/workspace/audit/users/to").status_code == 200
