"""The admin's partner pages: create and edit with errors beside the fields, send now, resend, download."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from sqlalchemy import select

from readiness.extensions import db
from readiness.partners.models import Delivery, Partner
from tests.factories import make_user
from tests.workspace.conftest import Browser, plain

FORM = {"name": "NATO JFC Naples", "emails": "ops@jfc.example\nplans@jfc.example", "units": "1BN, 2BN",
        "language": "en", "edition": "partner", "schedule": "0 8 1 * *", "active": "y"}


@pytest.fixture
def browser(app: Any, force: None) -> Browser:
    """An admin logged in through the login form."""
    make_user("admin", role="admin")
    return Browser(app, "admin")


def test_an_admin_adds_a_partner_through_the_form(browser):
    assert "No partner organisations yet" in plain(browser.get("/admin/partners"))
    resp = browser.post("/admin/partners/new", FORM)
    assert resp.status_code == 302, plain(resp)
    partner = db.session.scalar(select(Partner))
    assert (partner.name, partner.emails, [u.code for u in partner.units]) == (
        "NATO JFC Naples", ["ops@jfc.example", "plans@jfc.example"], ["1BN", "2BN"])
    page = plain(browser.get(resp.headers["Location"]))
    assert "NATO JFC Naples" in page
    assert "ops@jfc.example, plans@jfc.example" in page
    assert "0 8 1 * * (Asia/Baku)" in page
    assert "08:00" in page
    listing = plain(browser.get("/admin/partners"))
    assert "NATO JFC Naples 1BN, 2BN partner en 0 8 1 * *" in listing


def test_bad_fields_are_shown_beside_them_and_nothing_is_saved(browser):
    resp = browser.post("/admin/partners/new", {**FORM, "schedule": "0 8 1 * mon",
                                                 "emails": "ops@jfc.example, nope", "units": "1BN XYZ"})
    assert resp.status_code == 422
    page = plain(resp)
    assert "Nothing was saved" in page
    assert "nope: Not a valid email address." in page
    # Every field's error at once, not one after the other.
    assert "XYZ: Unknown unit 'XYZ'." in page
    assert "restrict the day of the month or the day of the week, not both" in page
    assert browser.post("/admin/partners/new", {**FORM, "units": "1BN XYZ"}).status_code == 422
    assert "XYZ: Unknown unit 'XYZ'." in plain(
        browser.post("/admin/partners/new", {**FORM, "units": "1BN XYZ"}))
    assert "restrict the day of the month or the day of the week, not both" in plain(
        browser.post("/admin/partners/new", {**FORM, "schedule": "0 8 1 * mon"}))
    assert browser.post("/admin/partners/new", FORM, token="").status_code == 400
    assert db.session.scalar(select(Partner.id)) is None


def test_send_now_resend_and_the_delivered_pdf_from_the_partners_page(browser):
    browser.post("/admin/partners/new", {**FORM, "units": "1BN"})
    pid = db.session.scalar(select(Partner.id))
    resp = browser.post(f"/admin/partners/{pid}/send", {"as_of": ""})
    assert resp.status_code == 302
    page = plain(browser.get(f"/admin/partners/{pid}"))
    assert "1 report queued for NATO JFC Naples" in page
    assert "queued" in page
    assert "manual · admin" in page
    delivery = db.session.scalar(select(Delivery))
    (doc,) = delivery.documents
    pdf = browser.get(f"/admin/partners/{pid}/deliveries/{delivery.id}/{doc.id}.pdf")
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    assert hashlib.sha256(pdf.data).hexdigest() == doc.file.sha256

    assert browser.post(f"/admin/partners/{pid}/deliveries/{delivery.id}/resend", {}).status_code == 302
    db.session.expire_all()
    copy = db.session.scalar(select(Delivery).where(Delivery.resent_from_id == delivery.id))
    assert copy.trigger == "resend"
    assert [d.id for d in copy.documents] == [doc.id]
    assert f"(of #{delivery.id})" in plain(browser.get(f"/admin/partners/{pid}"))

    resp = browser.post(f"/admin/partners/{pid}/send", {"as_of": "2999-01-01"})
    assert resp.status_code == 422
    assert "A report cannot be as of a future date." in plain(resp)


def test_editing_keeps_what_was_not_changed(browser):
    browser.post("/admin/partners/new", FORM)
    pid = db.session.scalar(select(Partner.id))
    form = plain(browser.get(f"/admin/partners/{pid}/edit"))
    assert "Edit NATO JFC Naples" in form
    resp = browser.post(f"/admin/partners/{pid}/edit", {**FORM, "units": "2BN", "schedule": "", "active": ""})
    assert resp.status_code == 302
    db.session.expire_all()
    partner = db.session.get(Partner, pid)
    assert ([u.code for u in partner.units], partner.schedule, partner.active, partner.next_due_at) == (
        ["2BN"], None, False, None)
    assert "on request only" in plain(browser.get(f"/admin/partners/{pid}"))


def test_the_partner_pages_are_for_admins_only(app, browser):
    browser.post("/admin/partners/new", FORM)
    pid = db.session.scalar(select(Partner.id))
    make_user("cdr", role="commander")
    commander = Browser(app, "cdr")
    assert commander.get("/admin/partners").status_code == 403
    assert commander.get(f"/admin/partners/{pid}").status_code == 403
    assert commander.post(f"/admin/partners/{pid}/send", {}).status_code == 403
    assert "Partners" not in plain(commander.get("/"))
    assert db.session.scalar(select(Delivery.id)) is None
