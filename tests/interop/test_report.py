"""The readiness report PDF shows the OCC stage and PCRS level with their reasons; partners get no names."""

from __future__ import annotations

from tests.interop.conftest import day, evaluate, milestones, pledge, status
from tests.reports.conftest import pdf_text

EVALUATOR = "Mayor Şəhriyar Qasımlı"


def _text(client, code="1BN", **query) -> str:
    resp = client.get(f"units/{code}/report.pdf", query_string=query)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    assert resp.mimetype == "application/pdf"
    return " ".join(pdf_text(resp.data).split())


def _records(to) -> None:
    evaluate(to, "SEL-1", -400, -399, outcome="interoperable", evaluators=[EVALUATOR, "Lt Col J. Smith"])
    evaluate(
        to,
        "NEL-1",
        -100,
        -98,
        outcome="not_interoperable",
        re_evaluation_due=day(200),
        evaluators=["Lt Col M. Jansen (NLD)"],
    )
    p = pledge(to, -300, capability="Infantry company group", days_to_deploy=90)
    milestones(
        to,
        p["id"],
        ("note_verbale", -300),
        ("table_of_organisation", -300),
        ("major_equipment", -300),
        ("self_sustainment", -300),
        ("aav", -50, "unsuccessful"),
    )


def test_full_report_shows_stage_level_reasons_and_evaluators(api):
    to = api["to"]
    _records(to)
    text = _text(api["cdr"], edition="full")
    s = status(to)
    assert "Interoperability: NATO OCC E&F and UN PCRS" in text
    assert "NATO OCC E&F steps" in text
    assert "OCC SEL-1" in text
    assert "PCRS 1" in text
    for reason in s["occ"]["reasons"] + s["pcrs"]["reasons"]:
        assert reason["message"] in text
    assert f"PCRS 1: AAV of {day(-50)} unsuccessful" in text
    assert "Infantry company group" in text
    assert f"{EVALUATOR}, Lt Col J. Smith" in text
    assert "Lt Col M. Jansen (NLD)" in text


def test_partner_edition_has_the_stage_and_reasons_but_no_evaluator_names(api):
    _records(api["to"])
    text = _text(api["admin"], edition="partner")
    assert "OCC SEL-1" in text
    assert f"OCC SEL-1 passed; NEL-1 not interoperable on {day(-98)}; re-evaluation due {day(200)}" in text
    for name in (EVALUATOR, "Şəhriyar", "Qasımlı", "Smith", "Jansen"):
        assert name not in text
    assert "Evaluators" not in text


def test_report_follows_its_as_of_date_and_a_unit_without_records(api):
    _records(api["to"])
    text = _text(api["admin"], as_of=day(-350))
    assert f"OCC SEL-1 passed; NEL-1 not yet evaluated (scheduled for {day(-100)})" in text
    assert "PCRS none: no pledge registered" in text  # registered 300 days ago
    assert "OCC stage none, PCRS level none: no OCC evaluation or PCRS pledge is recorded for 2BN." in _text(
        api["admin"], "2BN"
    )
