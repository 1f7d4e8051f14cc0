"""Catalogue pages: list, view, create and edit courses and standards, with their requirements."""

from __future__ import annotations

from sqlalchemy import select

from readiness.extensions import db
from readiness.training.models import Course, Requirement, Standard
from tests.workspace.conftest import plain, text

NEW_COURSE = {"code": "UNMO", "title": "UN Military Observer Course", "provider": "PSOTC Baku",
              "kind": "individual", "validity_months": "36"}


def test_everyone_who_reads_sees_the_catalogue(browser):
    page = text(browser("viewer").get("/workspace/courses"))
    assert "CPTM" in page
    assert "Combat Life Saver" in page
    assert "English (STANAG 6001)" in page
    assert "New course" not in page
    course = plain(browser("cdr").get("/workspace/courses/CPTM"))
    assert "48 months" in course
    assert "everyone every role" in course  # its requirement


def test_catalogue_search_ignores_accents(browser):
    page = text(browser("admin").get("/workspace/courses?q=saver"))
    assert "CLS" in page
    assert "CPTM" not in page


def test_an_admin_creates_and_edits_a_course(browser):
    admin = browser("admin")
    resp = admin.post("/workspace/courses/new", NEW_COURSE)
    assert resp.status_code == 302
    assert "UN Military Observer Course" in text(admin.get("/workspace/courses/UNMO"))
    resp = admin.post("/workspace/courses/UNMO/edit", {**NEW_COURSE, "validity_months": "", "title": "UNMOC"})
    assert resp.status_code == 302
    course = db.session.scalar(select(Course).where(Course.code == "UNMO"))
    db.session.refresh(course)
    assert course.title == "UNMOC"
    assert course.validity_months is None
    history = text(admin.get("/workspace/audit/course/UNMO"))
    assert "UN Military Observer Course" in history
    assert "UNMOC" in history


def test_a_taken_code_and_a_bad_validity_are_shown_beside_their_fields(browser):
    admin = browser("admin")
    resp = admin.post("/workspace/courses/new", {**NEW_COURSE, "code": "CPTM"})
    assert resp.status_code == 422
    assert "A course with code 'CPTM' already exists." in text(resp)
    page = text(admin.post("/workspace/courses/new", {**NEW_COURSE, "validity_months": "700"}))
    assert 'id="validity_months-error"' in page
    assert 'value="UN Military Observer Course"' in page  # input kept
    page = text(admin.post("/workspace/courses/new", {**NEW_COURSE, "code": "A/B"}))
    assert "A code may not contain '/'." in page
    assert db.session.scalar(select(Course).where(Course.code == "UNMO")) is None


def test_training_officers_may_not_change_the_catalogue(browser):
    to = browser("to")
    assert to.get("/workspace/courses/new").status_code == 403
    assert to.post("/workspace/courses/new", NEW_COURSE).status_code == 403
    assert to.post("/workspace/courses/CPTM/edit", {**NEW_COURSE, "code": "CPTM"}).status_code == 403


def test_an_admin_creates_a_standard_and_requires_it_with_a_minimum_level(browser):
    admin = browser("admin")
    resp = admin.post("/workspace/standards/new", {"code": "FR", "title": "French (STANAG 6001)",
                                                     "body": "NATO", "scale": "slp", "validity_months": "36"})
    assert resp.status_code == 302
    resp = admin.post("/workspace/standards/FR/requirements", {"min_level": "SLP 2222", "unit": "BN1",
                                                                 "role": "staff_officer"})
    assert resp.status_code == 302
    page = plain(admin.get("/workspace/standards/FR"))
    assert "FR SLP 2222" in page
    assert "1st Peacekeeping Battalion (BN1)" in page


def test_a_bad_requirement_says_why_and_writes_nothing(browser):
    admin = browser("admin")
    before = db.session.query(Requirement).count()
    resp = admin.post("/workspace/standards/EN/requirements", {"min_level": "SLP 9", "unit": "", "role": ""})
    assert resp.status_code == 422
    assert "is not a skill level" in text(resp)
    resp = admin.post("/workspace/courses/CLS/requirements", {"unit": "NOPE", "role": ""})
    assert resp.status_code == 422
    assert "Unknown unit 'NOPE'." in text(resp)
    assert db.session.query(Requirement).count() == before


def test_an_admin_deletes_a_requirement(browser):
    admin = browser("admin")
    requirement = db.session.scalar(select(Requirement).where(Requirement.course_id.is_not(None)))
    resp = admin.post(f"/workspace/requirements/{requirement.id}/delete", {})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Requirement, requirement.id) is None
    assert browser("to").post(f"/workspace/requirements/{requirement.id}/delete", {}).status_code == 403


def test_unknown_entries_are_not_found(browser):
    assert browser("admin").get("/workspace/courses/NOPE").status_code == 404
    assert browser("admin").get("/workspace/standards/NOPE").status_code == 404
    assert db.session.scalar(select(Standard).where(Standard.code == "NOPE")) is None
