"""Certificates: every name printed right, rendered once and served unchanged, scope, preflight."""

from __future__ import annotations

import hashlib
import io

import pikepdf
import pytest
from sqlalchemy import func, select

from readiness.audit import AuditEvent
from readiness.extensions import db
from readiness.reports import certificates, pdf
from readiness.reports.certificates import long_date
from readiness.reports.models import Certificate
from readiness.training.models import Completion
from tests.reports.conftest import AZ_NAME, GE_NAME, RU_NAME, page_count, pdf_text


def _cert(client, completion_id):
    return client.get(f"completions/{completion_id}/certificate.pdf")


def _stored() -> int:
    return db.session.scalar(select(func.count()).select_from(Certificate))


@pytest.mark.parametrize(("number", "rank", "name"), [
    ("AZ-1", "Captain", AZ_NAME), ("RU-1", "Major", RU_NAME), ("GE-1", "Lieutenant", GE_NAME)])
def test_certificate_prints_the_exact_name_code_course_and_dates(admin, force, completed_on, number, rank,
                                                                 name):
    resp = _cert(admin, force[number])
    assert resp.status_code == 200
    assert resp.mimetype == "application/pdf"
    text = pdf_text(resp.data)
    completion = db.session.get(Completion, force[number])
    assert name in text
    assert rank in text
    assert completion.verification_code in text
    assert "UN Protection of Civilians" in text
    assert "PTEC Baku" in text
    assert long_date(completed_on) in text
    assert long_date(completion.expires_on) in text
    assert page_count(resp.data) == 1


def test_certificate_names_its_issuing_authority_and_verification_address(admin, force, app):
    resp = _cert(admin, force["AZ-1"])
    text = pdf_text(resp.data)
    code = db.session.get(Completion, force["AZ-1"]).verification_code
    assert app.config["ISSUING_AUTHORITY"] in text
    assert f"{app.config['PUBLIC_URL']}/verify/{code}" in text


def test_certificate_is_stored_with_its_sha256_on_first_request(admin, force):
    resp = _cert(admin, force["AZ-1"])
    cert = db.session.scalar(select(Certificate))
    assert cert.sha256 == hashlib.sha256(resp.data).hexdigest()
    assert resp.headers["X-Certificate-SHA256"] == cert.sha256
    assert cert.number == 1
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.entity == "certificate"))
    assert (event.action, event.key, event.actor) == ("issue", cert.code, "boss")


def test_certificate_is_served_byte_identical_after_a_name_change_and_a_template_edit(admin, force,
                                                                                      monkeypatch):
    first = _cert(admin, force["AZ-1"]).data
    assert admin.patch("personnel/AZ-1", {"family_name": "Əlizadə"}).status_code == 200
    monkeypatch.setattr(certificates, "certificate_html", lambda data: "<p>a new template</p>")
    again = _cert(admin, force["AZ-1"])
    assert again.data == first
    assert AZ_NAME in pdf_text(again.data)
    assert _stored() == 1


def test_certificate_of_a_person_outside_scope_is_404_and_nothing_is_issued(viewer_2bn, force):
    resp = _cert(viewer_2bn, force["AZ-1"])
    assert resp.status_code == 404
    assert resp.json["message"] == f"Completion {force['AZ-1']} not found."
    assert _stored() == 0


def test_certificate_in_scope_is_served_to_every_reading_role(viewer_2bn, commander_1bn, officer_1bn, force):
    assert _cert(viewer_2bn, force["GE-1"]).status_code == 200
    assert _cert(commander_1bn, force["AZ-1"]).status_code == 200
    assert _cert(officer_1bn, force["RU-1"]).status_code == 200


def test_certificate_needs_authentication(public, force):
    resp = public.get(f"/api/v1/completions/{force['AZ-1']}/certificate.pdf")
    assert resp.status_code == 401
    assert _stored() == 0


def test_unknown_completion_is_404(admin, force):
    assert _cert(admin, 999_999).status_code == 404


def test_revoked_completion_never_printed_gets_no_certificate(admin, force):
    admin.post(f"completions/{force['AZ-1']}/revoke", {"reason": "Exam irregularity"})
    resp = _cert(admin, force["AZ-1"])
    assert resp.status_code == 409
    assert "revoked" in resp.json["message"]
    assert _stored() == 0


def test_revoking_keeps_the_issued_certificate(admin, force):
    first = _cert(admin, force["AZ-1"]).data
    admin.post(f"completions/{force['AZ-1']}/revoke", {"reason": "Exam irregularity"})
    again = _cert(admin, force["AZ-1"])
    assert again.status_code == 200
    assert again.data == first
    assert _stored() == 1


def test_reissue_is_a_new_document_with_a_new_code_and_the_old_one_says_superseded(admin, force):
    old = _cert(admin, force["AZ-1"]).data
    old_code = db.session.get(Completion, force["AZ-1"]).verification_code
    admin.patch("personnel/AZ-1", {"family_name": "Əlizadə"})
    resp = admin.post(f"completions/{force['AZ-1']}/certificate/reissue")
    assert resp.status_code == 201
    new_code = resp.json["code"]
    assert new_code != old_code
    assert resp.json["number"] == 2
    new = _cert(admin, force["AZ-1"]).data
    assert new != old
    text = pdf_text(new)
    assert "Əlizadə Ülvi Şəmsəddin oğlu" in text
    assert new_code in text
    assert f"Replaces certificate {old_code}" in text
    assert admin.get(f"completions/{force['AZ-1']}").json["verification_code"] == new_code
    old_answer = admin.get(f"/api/v1/verify/{old_code}").json
    assert (old_answer["status"], old_answer["superseded_by"]) == ("revoked", new_code)
    assert old_answer["holder"] == f"Captain {AZ_NAME}"
    assert admin.get(f"/api/v1/verify/{new_code}").json["status"] == "valid"


def test_reissue_needs_a_recording_role(commander_1bn, force):
    assert commander_1bn.post(f"completions/{force['AZ-1']}/certificate/reissue").status_code == 403


def test_preflight_refuses_a_name_with_a_character_the_fonts_cannot_draw(admin, force):
    admin.patch("personnel/AZ-1", {"given_name": "Ülvi 王"})
    resp = _cert(admin, force["AZ-1"])
    assert resp.status_code == 422
    assert "U+738B" in resp.json["message"]
    assert "holder's name" in resp.json["message"]
    assert "CJK UNIFIED IDEOGRAPH-738B" in resp.json["errors"]["holder's name"][0]
    assert _stored() == 0


def test_pending_certificates_are_issued_in_the_background_oldest_first(app, admin, force):
    admin.post(f"completions/{force['GE-1']}/revoke", {"reason": "Wrong person"})
    assert certificates.issue_pending(1) == 1
    assert certificates.issue_pending(10) == 1  # the revoked one is never printed
    db.session.commit()
    assert certificates.issue_pending(10) == 0
    assert _stored() == 2
    served = _cert(admin, force["AZ-1"])
    assert hashlib.sha256(served.data).hexdigest() == db.session.scalar(
        select(Certificate.sha256).where(Certificate.completion_id == force["AZ-1"]))


def _drawn(content: bytes) -> tuple[list[tuple[str, list[str]]], int]:
    """Return a one-page PDF's content stream operators but empty text objects, and how many of those."""
    with pikepdf.Pdf.open(io.BytesIO(content)) as document:
        ops = [(str(op), [str(o) for o in operands])
               for operands, op in pikepdf.parse_content_stream(document.pages[0])]
    kept: list[tuple[str, list[str]]] = []
    empty = 0
    for op in ops:
        if op[0] == "ET" and kept and kept[-1][0] == "BT":
            kept.pop()  # BT ET with nothing between, and the colour set for it
            if kept and kept[-1][0] == "rg":
                kept.pop()
            empty += 1
        else:
            kept.append(op)
    return kept, empty


def test_line_breaks_between_the_templates_tags_are_dropped_and_draw_nothing(app, force):
    completions = list(db.session.scalars(select(Completion).order_by(Completion.id)))
    datas = [certificates.certificate_data(c, c.verification_code, c.completed_on) for c in completions]
    as_written = pdf.render_template("certificate.html", certificates=datas)
    html = certificates.certificate_html(datas)
    assert "\n" in as_written
    assert "\n" not in html
    for data, content in zip(datas, certificates.render_certificates(datas), strict=True):
        html = pdf.render_template("certificate.html", certificates=[data])
        alone = pdf.write_pages(pdf.pages_job(html, certificates.STYLESHEETS, [pdf.PageMeta("t", "d")], "it"))
        (drawn_as_written, empty_as_written), (drawn, empty) = _drawn(alone[0]), _drawn(content)
        assert drawn == drawn_as_written
        assert empty < empty_as_written
