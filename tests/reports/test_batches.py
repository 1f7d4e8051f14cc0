"""Batches: a roster or a unit as one PDF or a ZIP, made of the stored certificates byte for byte."""

from __future__ import annotations

import hashlib
import io
import zipfile

from pypdf import PdfReader
from sqlalchemy import func, select

from readiness.engine.rules import today
from readiness.extensions import db
from readiness.reports import certificates
from readiness.reports.certificates import long_date
from readiness.reports.models import Certificate
from readiness.training.models import Completion
from tests.reports.conftest import AZ_NAME, GE_NAME, RU_NAME, page_count, pdf_text


def _batch(client, **query):
    return client.get("certificates/batch", query_string=query)


def test_roster_batch_is_one_pdf_with_every_certificate(admin, force, completed_on):
    resp = _batch(admin, course="UNPOC", completed_on=completed_on.isoformat())
    assert resp.status_code == 200
    assert resp.mimetype == "application/pdf"
    assert f"certificates_UNPOC_{completed_on.isoformat()}.pdf" in resp.headers["Content-Disposition"]
    assert page_count(resp.data) == 3
    text = pdf_text(resp.data)
    for name in (AZ_NAME, RU_NAME, GE_NAME):
        assert name in text
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 3


def test_zip_batch_holds_the_stored_certificates_byte_for_byte(admin, force, completed_on):
    single = admin.get(f"completions/{force['AZ-1']}/certificate.pdf").data
    resp = _batch(admin, course="UNPOC", completed_on=completed_on.isoformat(), format="zip")
    assert resp.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(resp.data))
    code = db.session.get(Completion, force["AZ-1"]).verification_code
    assert sorted(archive.namelist())[0] == f"AZ-1_{code}.pdf"
    assert len(archive.namelist()) == 3
    assert archive.read(f"AZ-1_{code}.pdf") == single


def test_unit_batch_keeps_to_the_subtree_and_leaves_out_revoked(admin, force):
    admin.post(f"completions/{force['RU-1']}/revoke", {"reason": "Wrong person"})
    resp = _batch(admin, unit="1BN")
    text = pdf_text(resp.data)
    assert page_count(resp.data) == 1
    assert AZ_NAME in text
    assert RU_NAME not in text
    assert GE_NAME not in text


def test_batch_holds_only_people_in_scope(officer_1bn, force, completed_on):
    resp = _batch(officer_1bn, course="UNPOC", completed_on=completed_on.isoformat())
    text = pdf_text(resp.data)
    assert page_count(resp.data) == 2
    assert GE_NAME not in text


def test_batch_of_a_unit_outside_scope_is_404(viewer_2bn, force):
    resp = _batch(viewer_2bn, unit="1BN")
    assert resp.status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0


def test_batch_needs_a_roster_or_a_unit(admin, force):
    resp = _batch(admin, course="UNPOC")
    assert resp.status_code == 422
    assert resp.json["errors"] == {"course": ["Give a roster (course and completed_on) or a unit."]}


def test_empty_batch_is_404(admin, force):
    resp = _batch(admin, course="UNPOC", completed_on="2001-01-01")
    assert resp.status_code == 404
    assert resp.json["message"].startswith("No certificates match")


def test_batch_larger_than_the_maximum_is_refused(app, admin, force):
    app.config["CERTIFICATE_BATCH_MAX"] = 2
    resp = _batch(admin, unit="PKB")
    assert resp.status_code == 422
    assert "More than 2 certificates match" in resp.json["message"]
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0


def _login(client, name):
    client.post("/login", data={"name": name, "password": "correct horse battery"})


def test_certificates_page_lists_completions_in_scope_with_batch_buttons(app, client, officer_1bn, force):
    app.config["WTF_CSRF_ENABLED"] = False
    _login(client, "officer")
    page = client.get("/certificates").get_data(as_text=True)
    assert "Əliyev Ülvi" in page
    assert "Иванов Иван" in page
    assert "ქართველი" not in page
    assert "Download one PDF" in page
    assert "Re-issue" not in page  # nothing printed yet


def test_certificates_page_batch_download_and_error(app, client, officer_1bn, force, completed_on):
    app.config["WTF_CSRF_ENABLED"] = False
    _login(client, "officer")
    resp = client.get("/certificates/batch", query_string={"course": "UNPOC",
                                                           "completed_on": completed_on.isoformat()})
    assert resp.status_code == 200
    assert page_count(resp.data) == 2
    refused = client.get("/certificates/batch", query_string={"course": "UNPOC"}, follow_redirects=True)
    assert "Choose a roster (a course and its date) or a unit." in refused.get_data(as_text=True)


def test_certificates_page_needs_login(client, force):
    assert client.get("/certificates").status_code == 302


def _upload(client, content):
    return client.post("/api/v1/verify/pdf", data={"file": (io.BytesIO(content), "c.pdf")}).json


def test_a_certificate_issued_in_a_batch_is_the_one_it_would_be_alone(admin, public, force, completed_on,
                                                                     monkeypatch):
    # Two to a layout, so the three certificates of the roster span two documents.
    monkeypatch.setattr(certificates, "CHUNK", 2)
    on = today()
    resp = _batch(admin, course="UNPOC", completed_on=completed_on.isoformat(), format="zip")
    assert resp.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(resp.data))
    stored = list(db.session.scalars(select(Certificate).order_by(Certificate.id)))
    assert len(stored) == 3
    for cert in stored:
        completion = db.session.get(Completion, cert.completion_id)
        alone = certificates.render_certificate(certificates.certificate_data(completion, cert.code, on))
        zipped = archive.read(f"{completion.person.service_number}_{cert.code}.pdf")
        served = admin.get(f"completions/{cert.completion_id}/certificate.pdf")
        assert zipped == served.data == alone
        assert hashlib.sha256(served.data).hexdigest() == cert.sha256
        assert served.headers["X-Certificate-SHA256"] == cert.sha256
        assert cert.size == len(served.data)
        assert page_count(served.data) == 1
        assert cert.code in pdf_text(served.data)
        answer = _upload(public, served.data)
        assert (answer["genuine"], answer["certificate"]["code"]) == (True, cert.code)
        assert public.get(f"/api/v1/verify/{cert.code}").json["status"] == "valid"


def test_a_batch_merges_the_stored_files_page_by_page_and_issues_only_the_missing(app, admin, force,
                                                                                  completed_on):
    first = admin.get(f"completions/{force['RU-1']}/certificate.pdf").data
    resp = _batch(admin, course="UNPOC", completed_on=completed_on.isoformat())
    stored = {c.completion_id: c for c in db.session.scalars(select(Certificate))}
    assert len(stored) == 3
    assert stored[force["RU-1"]].sha256 == hashlib.sha256(first).hexdigest()  # not issued again
    merged = PdfReader(io.BytesIO(resp.data))
    # Print order: by unit, then family name: 1BN (Əliyev, Иванов), then 2BN.
    order = [force["AZ-1"], force["RU-1"], force["GE-1"]]
    assert [page.extract_text() for page in merged.pages] == [
        pdf_text(db.session.get(Certificate, stored[i].id).pdf) for i in order]
    assert [item.title for item in merged.outline] == [f"{stored[i].holder} — {stored[i].code}"
                                                        for i in order]
    assert merged.metadata.title == ("Certificates — UN Protection of Civilians (UNPOC), "
                                     f"{long_date(completed_on)}")
    assert merged.metadata.author == app.config["ISSUING_AUTHORITY"]
    # The same batch again is the same file.
    assert _batch(admin, course="UNPOC", completed_on=completed_on.isoformat()).data == resp.data


def test_a_batch_after_a_reissue_holds_the_new_certificate_and_the_old_one_stays_as_it_was(
        admin, public, force, completed_on):
    query = {"course": "UNPOC", "completed_on": completed_on.isoformat(), "format": "zip"}
    before = zipfile.ZipFile(io.BytesIO(_batch(admin, **query).data))
    old_code = db.session.get(Completion, force["AZ-1"]).verification_code
    old_pdf = before.read(f"AZ-1_{old_code}.pdf")
    new_code = admin.post(f"completions/{force['AZ-1']}/certificate/reissue").json["code"]
    after = zipfile.ZipFile(io.BytesIO(_batch(admin, **query).data))
    assert f"AZ-1_{new_code}.pdf" in after.namelist()
    assert f"AZ-1_{old_code}.pdf" not in after.namelist()
    assert len(after.namelist()) == 3
    assert f"Replaces certificate {old_code}" in pdf_text(after.read(f"AZ-1_{new_code}.pdf"))
    old = db.session.scalar(select(Certificate).where(Certificate.code == old_code))
    assert old.pdf == old_pdf
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 4
    answer = _upload(public, old_pdf)
    assert answer["genuine"] is True
    assert (answer["certificate"]["status"], answer["certificate"]["superseded_by"]) == ("revoked", new_code)


def test_a_batch_with_one_unprintable_name_issues_nothing(admin, force, completed_on):
    admin.patch("personnel/GE-1", {"given_name": "გიორგი 王"})
    resp = _batch(admin, course="UNPOC", completed_on=completed_on.isoformat())
    assert resp.status_code == 422
    assert "U+738B" in resp.json["message"]
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0
