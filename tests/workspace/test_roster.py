"""Class roster entry: preview flags problems, save writes all in one transaction."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import func, select

from readiness.extensions import db
from readiness.personnel.services import create_people
from readiness.training.models import Completion
from tests.workspace.conftest import person_row, plain, text


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Completion))


def _roster(browser, today, numbers, action="preview", course="CPTM", **more):
    data = {"course": course, "completed_on": (today - timedelta(days=1)).isoformat(), "numbers": numbers,
            "action": action, **more}
    return browser.post("/workspace/roster", data)


def test_preview_flags_unknown_numbers_repeats_scope_and_valid_holders(browser, world):
    resp = _roster(browser("to"), world["today"], "AZ-1002 90\nAZ-9999\nAZ-1002\nAZ-2001\nAZ-1001\nAZ-1003 x")
    page = text(resp)
    assert resp.status_code == 200
    assert "Unknown service number." in page
    assert "Given twice: already on line 1." in page
    assert "Not in your scope." in page
    assert "Already holds a valid completion until" in page  # AZ-1001 holds CPTM
    assert "Score 'x' is not a whole number from 0 to 100." in page
    assert "1 to record" in plain(resp)
    assert "Save 1 completion" not in page  # problems block saving
    assert _count() == 1


def test_saving_refuses_while_lines_have_problems(browser, world):
    resp = _roster(browser("to"), world["today"], "AZ-1002\nAZ-9999", action="save")
    assert resp.status_code == 422
    assert "nothing was recorded" in text(resp)
    assert _count() == 1


def test_saving_records_everyone_and_leaves_valid_holders_out(browser, world):
    to = browser("to")
    resp = _roster(to, world["today"], "AZ-1002 90\nAZ-1003\nAZ-1001\nAZ-1002", action="save")
    assert resp.status_code == 302
    page = text(to.get(resp.headers["Location"]))
    assert "Recorded CPTM" in page
    assert "2 completions of CPTM" in page.replace("<h2>", "")
    assert "certificate.pdf" in page
    assert _count() == 3
    score = db.session.scalar(select(Completion.score).where(Completion.person.has(service_number="AZ-1002")))
    assert score == 90


def test_valid_holders_can_be_recorded_again_on_purpose(browser, world):
    resp = _roster(browser("to"), world["today"], "AZ-1001", action="save", include_valid="y")
    assert resp.status_code == 302
    assert _count() == 2


def test_a_date_after_today_is_refused(browser, world):
    data = {"course": "CPTM", "completed_on": (world["today"] + timedelta(days=2)).isoformat(),
            "numbers": "AZ-1002", "action": "save"}
    resp = browser("to").post("/workspace/roster", data)
    assert resp.status_code == 422
    assert "Must not be after today" in text(resp)
    assert _count() == 1


def test_people_of_a_unit_can_be_ticked(browser, world):
    to = browser("to")
    page = text(to.post("/workspace/roster", {"unit": "A1", "action": "unit", "course": "", "numbers": ""}))
    assert 'value="AZ-1001"' in page
    assert 'value="AZ-1002"' in page
    assert "AZ-1003" not in page  # BN1 itself, not under A1
    resp = _roster(to, world["today"], "", action="save", unit="A1", tick="AZ-1002")
    assert resp.status_code == 302
    assert _count() == 2


def test_a_unit_outside_the_scope_shows_no_one(browser):
    page = text(browser("to").post("/workspace/roster", {"unit": "BN2", "action": "unit"}))
    assert "No unit BN2 in your scope." in page
    assert "AZ-2001" not in page


def test_readers_may_not_enter_a_roster(browser, world):
    assert browser("cdr").get("/workspace/roster").status_code == 403
    assert _roster(browser("viewer"), world["today"], "AZ-2001", action="save").status_code == 403
    assert _count() == 1


def test_a_roster_of_200_saves_in_under_a_second(browser, world):
    create_people([person_row(f"R-{i:03}", "A1", f"Rüstəmov{i:03}", "Kamran") for i in range(200)], None)
    db.session.commit()
    numbers = "\n".join(f"R-{i:03} {50 + i % 50}" for i in range(200))
    to = browser("to")
    started = time.perf_counter()
    resp = _roster(to, world["today"], numbers, action="save")
    elapsed = time.perf_counter() - started
    assert resp.status_code == 302
    assert _count() == 201
    assert elapsed < 1.0, f"saving 200 took {elapsed:.2f} s"
