"""Public verification: by code and by file, no login, nothing more about the person, rate-limited."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from pypdf import PdfReader, PdfWriter

from readiness.extensions import db
from readiness.reports import verification
from readiness.training.models import Completion
from tests.reports.conftest import AZ_NAME, pdf_text

FIELDS = {"code", "status", "holder", "course", "completed_on", "expires_on", "sha256", "superseded_by"}


@pytest.fixture
def code(force) -> str:
    """The certificate number of AZ-1's completion."""
    return db.session.get(Completion, force["AZ-1"]).verification_code


@pytest.fixture
def issued(admin, force) -> bytes:
    """AZ-1's certificate, issued."""
    return admin.get(f"completions/{force['AZ-1']}/certificate.pdf").data


def _verify(client, code):
    return client.get(f"/api/v1/verify/{code}")


def test_verify_needs_no_login_and_says_only_what_the_certificate_says(public, code, completed_on):
    resp = _verify(public, code)
    assert resp.status_code == 200
    assert set(resp.json) == FIELDS
    assert resp.json["status"] == "valid"
    assert resp.json["holder"] == f"Captain {AZ_NAME}"
    assert resp.json["course"] == "UN Protection of Civilians"
    assert resp.json["completed_on"] == completed_on.isoformat()
    assert resp.json["sha256"] is None  # recorded, not printed yet


def test_verify_answers_the_fingerprint_of_the_issued_pdf(public, code, issued):
    assert _verify(public, code).json["sha256"] == verification.fingerprint(issued)


def test_verify_answers_change_from_valid_to_expired_to_revoked(public, admin, force, code, issued,
                                                                monkeypatch):
    completion = db.session.get(Completion, force["AZ-1"])
    assert _verify(public, code).json["status"] == "valid"

    monkeypatch.setattr(verification, "today", lambda: completion.expires_on - timedelta(days=1))
    assert _verify(public, code).json["status"] == "valid"
    monkeypatch.setattr(verification, "today", lambda: completion.expires_on)
    assert _verify(public, code).json["status"] == "expired"

    admin.post(f"completions/{force['AZ-1']}/revoke", {"reason": "Exam irregularity"})
    answer = _verify(public, code).json
    assert answer["status"] == "revoked"
    assert "Exam irregularity" not in str(answer)


def test_a_certificate_that_never_expires_stays_valid(public, admin, force, monkeypatch):
    created = admin.post("completions", {"service_number": "AZ-1", "course": "FOREVER",
                                         "completed_on": "2020-01-31"}).json
    monkeypatch.setattr(verification, "today", lambda: date(2090, 1, 1))
    answer = _verify(public, created["verification_code"]).json
    assert (answer["status"], answer["expires_on"]) == ("valid", None)


def test_verify_accepts_a_code_typed_loosely(public, code):
    assert _verify(public, code.lower().replace("-", "")).json["code"] == code


def test_unknown_and_malformed_codes_are_404(public, force):
    resp = _verify(public, "0000-0000-0000")
    assert resp.status_code == 404
    assert resp.json["message"] == "No certificate with number 0000-0000-0000 was issued by this system."
    assert _verify(public, "not-a-code").status_code == 404


def test_verify_page_shows_status_holder_course_and_fingerprint_and_nothing_else(public, code, issued):
    resp = public.get(f"/verify/{code}")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert "Valid" in page
    assert AZ_NAME in page
    assert "UN Protection of Civilians" in page
    assert verification.fingerprint(issued) in page
    for private in ("az-1", "1bn", "ulvi@example.mil", "rifleman", "score"):
        assert private not in page.lower()


def test_verify_form_sends_a_typed_code_to_its_page(public, code):
    resp = public.get(f"/verify?code={code.lower()}")
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith(f"/verify/{code}")


def test_verify_page_of_an_unknown_code_says_so_with_the_form(public, force):
    resp = public.get("/verify/0000-0000-0000")
    assert resp.status_code == 404
    assert "was issued by this system" in resp.get_data(as_text=True)
    assert 'name="code"' in resp.get_data(as_text=True)


def test_verify_page_says_superseded_and_names_the_new_number(public, admin, force, code, issued):
    new = admin.post(f"completions/{force['AZ-1']}/certificate/reissue").json["code"]
    page = public.get(f"/verify/{code}").get_data(as_text=True)
    assert "Superseded" in page
    assert new in page


def test_uploaded_certificate_is_genuine(public, code, issued):
    resp = public.post("/api/v1/verify/pdf", data={"file": (io.BytesIO(issued), "c.pdf")})
    assert resp.status_code == 200
    assert resp.json["genuine"] is True
    assert resp.json["certificate"]["code"] == code
    assert resp.json["message"] == f"Genuine certificate {code}, status valid."


def test_an_altered_pdf_is_not_genuine(public, issued):
    # The same pages, saved again by a PDF editor with one changed property.
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(issued)))
    writer.add_metadata({"/Title": "Certificate"})
    out = io.BytesIO()
    writer.write(out)
    altered = out.getvalue()
    assert pdf_text(altered) == pdf_text(issued)
    resp = public.post("/api/v1/verify/pdf", data={"file": (io.BytesIO(altered), "c.pdf")})
    assert resp.json["genuine"] is False
    assert resp.json["certificate"] is None
    assert resp.json["message"] == "Not a certificate issued by this system, or it has been altered."


def test_upload_page_answers_genuine_or_not(app, public, code, issued):
    app.config["WTF_CSRF_ENABLED"] = False
    good = public.post("/verify", data={"file": (io.BytesIO(issued), "cert.pdf")},
                       content_type="multipart/form-data")
    assert good.status_code == 200
    assert f"Genuine certificate {code}, status valid." in good.get_data(as_text=True)
    bad = public.post("/verify", data={"file": (io.BytesIO(issued + b"\n"), "cert.pdf")},
                      content_type="multipart/form-data")
    assert "Not a certificate issued by this system, or it has been altered." in bad.get_data(as_text=True)


def test_upload_without_a_file_is_422(public, force):
    resp = public.post("/api/v1/verify/pdf", data={})
    assert resp.status_code == 422
    assert resp.json["errors"] == {"file": ["Missing."]}


def test_verification_is_rate_limited(app, public, code):
    app.config["VERIFY_RATE_LIMIT"] = "3 per minute"
    assert [_verify(public, code).status_code for _ in range(3)] == [200, 200, 200]
    refused = _verify(public, code)
    assert refused.status_code == 429
    assert refused.json["code"] == 429
    # The page and the API share one budget.
    assert public.get(f"/verify/{code}").status_code == 429


def test_an_upload_larger_than_any_certificate_is_refused(public, force):
    # A raw body: the refusal comes from its length, before any form field is read.
    resp = public.post("/api/v1/verify/pdf", data=b"-" * 6_000_000,
                       content_type="multipart/form-data; boundary=x")
    assert resp.status_code == 413
    assert resp.json["code"] == 413
