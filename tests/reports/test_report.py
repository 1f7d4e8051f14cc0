"""Readiness reports: every name in the full edition, none in the partner one; footers, metadata, scope."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from pypdf import PdfReader

from readiness.cli import cli
from readiness.engine.rules import today
from tests.reports.conftest import AZ_NAME, GE_NAME, RU_NAME, pdf_text

PRIVATE = ("AZ-1", "RU-1", "GE-1", "Əliyev", "Ülvi", "Иванов", "Иван", "ქართველი", "გიორგი", "Şəmsəddin")


@pytest.fixture
def ready(admin, force):
    """All three people earmarked; everyone must hold FOREVER (nobody does), so nobody is qualified."""
    for number in ("AZ-1", "RU-1", "GE-1"):
        assert admin.patch(f"personnel/{number}", {"earmarked": True}).status_code == 200
    assert admin.post("requirements", {"course": "FOREVER"}).status_code == 201
    assert admin.post("requirements", {"course": "UNPOC"}).status_code == 201
    assert admin.patch("units/1BN", {"authorized_strength": 4}).status_code == 200
    return admin


def _report(client, code="PKB", **query):
    return client.get(f"units/{code}/report.pdf", query_string=query)


def test_full_report_lists_every_person_with_gaps_by_exact_name(ready):
    resp = _report(ready, edition="full")
    assert resp.status_code == 200
    assert resp.mimetype == "application/pdf"
    text = pdf_text(resp.data)
    for name in (AZ_NAME, RU_NAME, GE_NAME):
        assert name in text
    for number in ("AZ-1", "RU-1", "GE-1"):
        assert number in text
    assert "FOREVER missing" in text
    assert "1BN — Unit 1BN · 2 people" in text
    assert "2BN — Unit 2BN · 1 person" in text


def test_report_cover_has_unit_date_levels_and_reasons(ready):
    text = pdf_text(_report(ready).data)
    assert "Readiness report" in text
    assert "PKB Unit PKB" in text
    assert f"as of {today().day}" in text
    for level in ("C-4", "P-3", "T-4"):  # 3 of 4 posts manned, 0 of 3 qualified
        assert level in text
    assert "FOREVER holds back 3 people of 3 (3 missing)." in text
    for heading in ("Forecast", "Trend", "Requirements", "Sub-units"):
        assert heading in text


def test_partner_report_has_no_names_or_service_numbers(ready):
    resp = _report(ready, edition="partner")
    assert resp.status_code == 200
    text = pdf_text(resp.data)
    assert "Partner edition — aggregates only, no personal data" in text
    assert "FOREVER" in text
    assert "1BN" in text
    for private in PRIVATE:
        assert private not in text
    reader = PdfReader(io.BytesIO(resp.data))
    assert not any(p in str(reader.metadata) for p in PRIVATE)


def test_every_page_says_its_number_the_document_id_and_when_it_was_made(ready):
    content = _report(ready).data
    reader = PdfReader(io.BytesIO(content))
    total = len(reader.pages)
    ids = set()
    for number, page in enumerate(reader.pages, 1):
        text = page.extract_text()
        assert f"Page {number} of {total}" in text
        found = re.search(r"Document (RR-PKB-\d{8}-[0-9A-F]{6}) · generated [-\d]{10} \d\d:\d\d UTC", text)
        assert found, text[-300:]
        ids.add(found.group(1))
    assert len(ids) == 1


def test_report_carries_title_author_subject_and_language(ready, app):
    reader = PdfReader(io.BytesIO(_report(ready, edition="partner").data))
    meta = reader.metadata
    assert meta.title.startswith("Readiness report — PKB Unit PKB — ")
    assert meta.author == app.config["ISSUING_AUTHORITY"]
    assert "Partner edition" in meta.subject
    assert reader.trailer["/Root"]["/Lang"] == "en"
    full = PdfReader(io.BytesIO(_report(ready, edition="full").data))
    assert full.trailer["/Root"]["/Lang"] == "en"
    assert full.metadata.title == meta.title


def test_report_on_a_past_date_counts_the_records_of_that_day(ready):
    before = (today() - timedelta(days=40)).isoformat()
    text = pdf_text(_report(ready, as_of=before).data)
    assert "UNPOC holds back 3 people of 3 (3 missing)." in text


def test_report_of_a_unit_outside_scope_is_404(viewer_2bn, ready):
    assert _report(viewer_2bn, "1BN").status_code == 404
    assert _report(viewer_2bn, "PKB").status_code == 404
    resp = _report(viewer_2bn, "2BN")
    assert resp.status_code == 200
    assert GE_NAME in pdf_text(resp.data)
    assert AZ_NAME not in pdf_text(resp.data)


def test_report_needs_authentication(public, ready):
    assert public.get("/api/v1/units/PKB/report.pdf").status_code == 401


def test_report_refuses_an_unknown_edition_and_a_bad_date(ready):
    assert _report(ready, edition="secret").status_code == 422
    assert _report(ready, as_of="yesterday").status_code == 422


def test_report_refuses_a_name_it_cannot_print(ready):
    ready.patch("personnel/RU-1", {"given_name": "Иван 😀"})
    resp = _report(ready)
    assert resp.status_code == 422
    assert "U+1F600" in resp.json["message"]
    assert "person RU-1" in resp.json["errors"]


def test_cli_writes_the_report(runner, ready, tmp_path):
    out = tmp_path / "pkb.pdf"
    result = runner.invoke(cli, ["report", "unit", "PKB", "--edition", "partner", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Wrote" in result.output
    text = pdf_text(out.read_bytes())
    assert "PKB" in text
    assert "AZ-1" not in text


def test_cli_says_what_is_wrong_with_an_unknown_unit(runner, ready, tmp_path):
    result = runner.invoke(cli, ["report", "unit", "NOPE", "-o", str(tmp_path / "x.pdf")])
    assert result.exit_code == 2
    assert "Unit 'NOPE' not found." in result.output
    assert not (tmp_path / "x.pdf").exists()
