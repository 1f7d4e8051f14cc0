"""A training officer in a real browser: log in, record, revoke, a class roster of 30, a CSV import.

Uses the live server and headless Chromium of tests/e2e/conftest.py (skipped, saying why,
where there is no Chromium), and the small brigade of tests/workspace/conftest.py.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from readiness.extensions import db
from readiness.personnel.models import Person
from readiness.personnel.services import create_people
from readiness.training.models import Completion
from tests.factories import PASSWORD, make_user
from tests.workspace.conftest import person_row, world  # noqa: F401 - the brigade these tests use


@pytest.fixture
def officer(app: Any, world: dict[str, Any]) -> dict[str, Any]:  # noqa: F811 - the imported fixture
    """A training officer of BN1 (and the brigade around it)."""
    make_user("to", role="training_officer", unit="BN1")
    return world


def _log_in(page: Any, base: str, name: str = "to") -> None:
    page.goto(f"{base}/workspace/people")
    page.wait_for_url(re.compile(r"/login"))
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url(re.compile(r"/workspace/people$"))


def _completions() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Completion))


def test_log_in_find_record_then_revoke(live_server: str, page: Any, officer: dict[str, Any]) -> None:
    _log_in(page, live_server)
    # The search box in the header finds 'Əliyev' typed without Azerbaijani letters.
    search = page.get_by_role("search").get_by_label("Find a person or course")
    search.fill("aliyev elvin")
    search.press("Enter")
    page.get_by_role("link", name=re.compile("Əliyev Elvin")).click()
    page.wait_for_url(re.compile(r"/workspace/people/AZ-1001$"))

    # Record a completion through the navigation, with a mistake first: the error sits beside the field.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Record training").click()
    page.get_by_label("Service number").fill("AZ-9999")
    page.get_by_label("Course", exact=True).select_option("CLS")
    page.get_by_label("Completed on").fill((officer["today"] - timedelta(days=2)).isoformat())
    page.get_by_label("Score (0–100, optional)").fill("86")
    page.get_by_role("button", name="Record completion").click()
    assert "Unknown person 'AZ-9999'" in page.locator("#service_number-error").inner_text()
    assert page.get_by_label("Score (0–100, optional)").input_value() == "86"  # the input is kept
    page.get_by_label("Service number").fill("AZ-1002")
    page.get_by_role("button", name="Record completion").click()
    page.wait_for_url(re.compile(r"/workspace/completions/\d+$"))
    assert "Completion recorded" in page.get_by_role("alert").first.inner_text()
    link = page.get_by_role("link", name="Certificate (PDF)")
    assert re.search(r"/api/v1/completions/\d+/certificate\.pdf$", link.get_attribute("href") or "")
    assert _completions() == 2

    # Revoke it with a reason: the reason shows on the record and on the person's page.
    page.get_by_label("Reason for revoking").fill("Recorded for the wrong class")
    page.get_by_role("button", name="Revoke completion").click()
    assert "Recorded for the wrong class" in page.locator(".revoked-note").inner_text()
    page.get_by_role("link", name=re.compile("Məmmədəliyev")).first.click()
    row = page.locator("tr.revoked")
    assert "Recorded for the wrong class" in row.inner_text()
    assert "Revoked" in row.inner_text()


def test_class_roster_of_30(live_server: str, page: Any, officer: dict[str, Any]) -> None:
    create_people([person_row(f"C-{i:02}", "A1", f"Kərimov{i:02}", "Tural") for i in range(30)], None)
    db.session.commit()
    _log_in(page, live_server)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Class roster").click()
    page.get_by_label("Course", exact=True).select_option("CLS")
    page.get_by_label("Completed on").fill((officer["today"] - timedelta(days=1)).isoformat())
    numbers = "\n".join(f"C-{i:02} {60 + i}" for i in range(30))
    box = page.get_by_label(re.compile("Service numbers, one per line"))
    box.fill(numbers + "\nC-99\nC-00")
    page.get_by_role("button", name="Preview", exact=True).last.click()
    preview = page.locator("table.roster")
    assert "Unknown service number." in preview.inner_text()
    assert "Given twice" in preview.inner_text()
    assert page.get_by_role("button", name=re.compile("^Save")).count() == 0  # problems first
    box.fill(numbers)
    page.get_by_role("button", name="Preview", exact=True).last.click()
    page.get_by_role("button", name="Save 30 completions").click()
    page.wait_for_url(re.compile(r"/workspace/roster/done"))
    assert "Recorded CLS" in page.get_by_role("alert").first.inner_text()
    assert page.locator("table.grid tbody tr").count() == 30
    assert _completions() == 31


def test_csv_import_bad_file_then_good_file(live_server: str, page: Any, officer: dict[str, Any]) -> None:
    header = "service_number,rank,family_name,given_name,unit,role\n"
    bad = header + "N-1,Private,Əhmədov,Rəşad,A1,rifleman\nN-2,Private,Nəsirov,Aqil,NOWHERE,rifleman\n"
    good = header + "N-1,Private,Əhmədov,Rəşad,A1,rifleman\nN-2,Private,Nəsirov,Aqil,A1,rifleman\n"
    _log_in(page, live_server)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Import").click()
    page.get_by_label("What the file holds").select_option("personnel")
    page.get_by_label(re.compile("^CSV file")).set_input_files(
        files=[{"name": "people.csv", "mimeType": "text/csv", "buffer": bad.encode()}])
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_url(re.compile(r"/workspace/imports/\d+$"))
    assert page.locator("[data-state]").inner_text() == "Refused: nothing written"
    assert "Unknown unit 'NOWHERE'" in page.locator(".problems").inner_text()
    assert "3" in page.locator(".problems tbody tr td").first.inner_text()  # the line of the file

    page.get_by_role("link", name="Upload a corrected file").click()
    page.get_by_label(re.compile("^CSV file")).set_input_files(
        files=[{"name": "people.csv", "mimeType": "text/csv", "buffer": good.encode()}])
    page.get_by_role("button", name="Upload and check").click()
    assert "2 people to add" in page.get_by_role("heading", level=2).first.inner_text()
    page.get_by_role("button", name="Import 2 people").click()
    assert page.locator("[data-state]").inner_text() == "Imported"
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Person).where(Person.service_number.in_(
        ["N-1", "N-2"]))) == 2
