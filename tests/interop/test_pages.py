"""The interoperability pages and the unit readiness page: what they show, and the forms that record."""

from __future__ import annotations

import re
from html import unescape

from sqlalchemy import func, select

from readiness.extensions import db
from readiness.interop.models import Evaluation, Milestone, Pledge
from tests.interop.conftest import day, evaluate, iso, milestones, pledge, status
from tests.workspace.conftest import text

DOCS = ("note_verbale", "table_of_organisation", "major_equipment", "self_sustainment")


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _reasons(html: str, framework: str) -> list[str]:
    return [unescape(m) for m in re.findall(rf"<li[^>]*data-{framework}-reason>([^<]*)</li>", html)]


def _records(to) -> None:
    """1BN: SEL-1 passed, NEL-1 failed; a pledge at Level 1 with its AAV scheduled."""
    evaluate(to, "SEL-1", -400, -399, outcome="interoperable", evaluators=["Maj Leyla Həsənova"])
    evaluate(to, "NEL-1", -100, -98, outcome="partially_interoperable", re_evaluation_due=day(200))
    p = pledge(to, -300, capability="Infantry company group", days_to_deploy=90)
    milestones(to, p["id"], *((k, -300) for k in DOCS), ("aav", 40))


def test_unit_page_shows_stage_level_reasons_and_records_as_the_json_does(browser, to):
    _records(to)
    page = browser("viewer").get("/interop/units/1BN")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    s = status(to)
    assert 'data-occ="SEL-1"' in html
    assert 'data-pcrs="1"' in html
    assert _reasons(html, "occ") == [r["message"] for r in s["occ"]["reasons"]]
    assert _reasons(html, "pcrs") == [r["message"] for r in s["pcrs"]["reasons"]]
    assert _reasons(html, "pcrs") == [f"PCRS 1: no successful AAV recorded (AAV scheduled for {day(40)})"]
    body = text(page)
    assert "Maj Leyla Həsənova" in body  # evaluator names are shown to readers in scope
    assert "Infantry company group" in body
    assert "Record an evaluation" not in body  # a viewer reads only


def test_the_pages_follow_the_as_of_date_and_report_a_bad_one(browser, to):
    _records(to)
    viewer = browser("viewer")
    html = viewer.get(f"/interop/units/1BN?as_of={day(-200)}").get_data(as_text=True)
    assert _reasons(html, "occ") == [f"OCC SEL-1 passed; NEL-1 not yet evaluated (scheduled for {day(-100)})"]
    assert _reasons(html, "pcrs") == [f"PCRS 1: no successful AAV recorded (AAV scheduled for {day(40)})"]
    html = viewer.get(f"/interop/units/1BN?as_of={day(-500)}").get_data(as_text=True)
    assert _reasons(html, "pcrs") == ["PCRS none: no pledge registered"]
    bad = text(viewer.get("/interop/units/1BN?as_of=2026-13-40"))
    assert "“2026-13-40” is not a date" in bad
    assert f"as of {day(0)} (today)" in bad


def test_overview_lists_units_in_scope_with_their_stage_and_level(browser, to, api):
    _records(to)
    api["admin"].post(
        "units/2BN/evaluations", {"step": "SEL-1", "started_on": day(-9), "outcome": "interoperable"}
    )
    cdr = text(browser("cdr").get("/interop/"))
    assert "1BN" in cdr
    assert "2BN" not in cdr
    assert f"OCC SEL-1 passed; NEL-1 partially interoperable on {day(-98)}" in cdr
    admin = browser("admin").get("/interop/").get_data(as_text=True)
    assert 'data-unit="2BN"' in admin
    assert 'data-unit="1BN"' in admin
    opened = browser("cdr").get("/interop/?unit=1BN")
    assert opened.status_code == 302
    assert opened.headers["Location"].endswith("/interop/units/1BN")
    assert "No unit “2BN” in your scope." in text(browser("cdr").get("/interop/?unit=2BN"))


def test_the_commanders_unit_page_shows_both_frameworks_beside_the_levels(browser, to):
    _records(to)
    cdr = browser("cdr")
    html = cdr.get("/readiness/units/1BN").get_data(as_text=True)
    assert 'data-section="interop"' in html
    assert _reasons(html, "occ") == [
        f"OCC SEL-1 passed; NEL-1 partially interoperable on {day(-98)}; re-evaluation due {day(200)}"
    ]
    assert _reasons(html, "pcrs") == [f"PCRS 1: no successful AAV recorded (AAV scheduled for {day(40)})"]
    past = cdr.get(f"/readiness/units/1BN?as_of={day(-350)}").get_data(as_text=True)
    assert 'data-occ="SEL-1"' in past
    assert 'data-pcrs="none"' in past
    assert f"/interop/units/1BN?as_of={day(-350)}" in past
    # A unit without records says so in one line.
    assert "No OCC evaluation or PCRS pledge is recorded for PKB." in text(
        browser("admin").get("/readiness/units/PKB")
    )


def test_recording_an_evaluation_through_the_form(browser):
    to = browser("to")
    form = to.get("/interop/units/1BN/evaluations/new?step=NEL-1")
    assert form.status_code == 200
    assert 'name="csrf_token"' in form.get_data(as_text=True)
    resp = to.post(
        "/interop/units/1BN/evaluations/new",
        {
            "step": "NEL-1",
            "started_on": day(-12),
            "ended_on": day(-10),
            "outcome": "interoperable",
            "re_evaluation_due": day(700),
            "evaluators": "Lt Col M. Jansen (NLD)\n\nMaj K. Nowak (POL)\n",
            "feedback": "Ready.",
            "areas-0-area": "Command and control",
            "areas-0-result": "interoperable",
            "areas-1-area": "",
            "areas-1-result": "",
            "areas-2-area": "Logistics",
            "areas-2-result": "not_evaluated",
        },
    )
    assert resp.status_code == 302, text(resp)
    evaluation = db.session.scalar(select(Evaluation))
    assert evaluation.evaluators == ["Lt Col M. Jansen (NLD)", "Maj K. Nowak (POL)"]
    assert [(a.area, a.result) for a in evaluation.areas] == [
        ("Command and control", "interoperable"),
        ("Logistics", "not_evaluated"),
    ]
    page = text(to.get(resp.headers["Location"].split("#")[0]))
    assert "NEL-1 evaluation recorded." in page
    assert "OCC: no step passed; SEL-1 not yet evaluated" in page
    assert f"OCC NEL-1 passed on {day(-10)} counts once SEL-1 is passed" in page


def test_errors_stand_beside_their_fields_and_the_input_is_kept(browser):
    to = browser("to")
    resp = to.post(
        "/interop/units/1BN/evaluations/new",
        {
            "step": "SEL-1",
            "started_on": day(-5),
            "ended_on": day(-7),
            "outcome": "interoperable",
            "evaluators": "Maj Ülvi Quliyev",
            "feedback": "Kept as typed",
            "areas-0-area": "Logistics",
            "areas-0-result": "",
            "areas-1-area": "C2",
            "areas-1-result": "interoperable",
        },
    )
    assert resp.status_code == 422
    html = unescape(resp.get_data(as_text=True))
    # Every problem at once: the empty area result on its row, and the dates beside theirs.
    assert 'id="areas-0-result-error">Missing: give one of interoperable' in html
    assert f'id="ended_on-error">{day(-7)} is before started_on ({day(-5)}).' in html
    assert "Maj Ülvi Quliyev" in html
    assert "Kept as typed" in html
    assert 'value="Logistics"' in html
    assert _count(Evaluation) == 0
    resp = to.post(
        "/interop/units/1BN/evaluations/new",
        {"step": "SEL-1", "started_on": day(-5), "ended_on": day(-7), "feedback": "Kept as typed"},
    )
    assert resp.status_code == 422
    html = unescape(resp.get_data(as_text=True))
    assert f'id="ended_on-error">{day(-7)} is before started_on ({day(-5)}).' in html
    assert "Nothing was recorded: correct the fields marked below." in html
    resp = to.post("/interop/units/1BN/evaluations/new", {"step": "SEL-1", "started_on": "5 May"})
    assert 'id="started_on-error">Not a valid date.' in resp.get_data(as_text=True)
    assert _count(Evaluation) == 0


def test_a_form_without_its_csrf_token_records_nothing(browser):
    resp = browser("to").post(
        "/interop/units/1BN/evaluations/new", {"step": "SEL-1", "started_on": day(-5)}, token=""
    )
    assert resp.status_code == 400
    assert "CSRF" in text(resp)
    assert _count(Evaluation) == 0


def test_recording_the_outcome_later_through_the_edit_form(browser, to):
    record = evaluate(
        to, "SEL-1", -3, -1, evaluators=["Maj A"], areas=[{"area": "Logistics", "result": "interoperable"}]
    )
    officer = browser("to")
    form = officer.get(f"/interop/units/1BN/evaluations/{record['id']}/edit").get_data(as_text=True)
    assert 'value="Logistics"' in form
    assert "Maj A" in form
    resp = officer.post(
        f"/interop/units/1BN/evaluations/{record['id']}/edit",
        {
            "step": "SEL-1",
            "started_on": day(-3),
            "ended_on": day(-1),
            "outcome": "interoperable",
            "evaluators": "Maj A",
            "areas-0-area": "Logistics",
            "areas-0-result": "interoperable",
            "areas-1-area": "Medical",
            "areas-1-result": "partially_interoperable",
        },
    )
    assert resp.status_code == 302
    assert status(to)["occ"]["stage"] == "SEL-1"
    db.session.expire_all()
    assert [a.area for a in db.session.get(Evaluation, record["id"]).areas] == ["Logistics", "Medical"]


def test_registering_a_pledge_and_recording_its_milestones_through_the_forms(browser, to):
    officer = browser("to")
    resp = officer.post(
        "/interop/units/1BN/pledges/new",
        {"capability": "Infantry company", "pledged_on": day(-30), "days_to_deploy": "45", "strength": ""},
    )
    assert resp.status_code == 302, text(resp)
    pledge_id = db.session.scalar(select(Pledge.id))
    for kind in DOCS:
        resp = officer.post(
            f"/interop/units/1BN/pledges/{pledge_id}/milestones/new",
            {"kind": kind, "date": day(-20), "reference": "NV 4/1" if kind == "note_verbale" else ""},
        )
        assert resp.status_code == 302, text(resp)
    officer.post(f"/interop/units/1BN/pledges/{pledge_id}/milestones/new", {"kind": "aav", "date": day(10)})
    assert status(to)["pcrs"]["reasons"][0]["message"] == (
        f"PCRS 1: no successful AAV recorded (AAV scheduled for {day(10)})"
    )
    page = text(officer.get("/interop/units/1BN"))
    assert "Record result" in page
    visit = db.session.scalar(select(Milestone).where(Milestone.kind == "aav"))
    # A result for a visit still ahead is refused beside the field, the input kept.
    resp = officer.post(
        f"/interop/units/1BN/pledges/{pledge_id}/milestones/{visit.id}/edit",
        {"kind": "aav", "date": day(10), "result": "successful", "remarks": "Keep me"},
    )
    assert resp.status_code == 422
    html = unescape(resp.get_data(as_text=True))
    assert 'id="result-error">The Assessment and Advisory Visit (AAV) of' in html
    assert "Keep me" in html
    resp = officer.post(
        f"/interop/units/1BN/pledges/{pledge_id}/milestones/{visit.id}/edit",
        {"kind": "aav", "date": day(-1), "result": "successful"},
    )
    assert resp.status_code == 302
    assert status(to)["pcrs"]["level"] == "2"
    # A second open pledge is refused on the form too.
    resp = officer.post("/interop/units/1BN/pledges/new", {"capability": "Second", "pledged_on": day(-1)})
    assert resp.status_code == 422
    assert f"Overlaps the pledge of {day(-30)} (still open): withdraw it first." in text(resp)


def test_readers_may_not_use_the_forms_and_others_units_are_not_found(browser, api):
    other = api["admin"].post("units/2BN/pledges", {"capability": "X", "pledged_on": day(-5)}).json
    for name in ("cdr", "viewer"):
        assert browser(name).get("/interop/units/1BN/evaluations/new").status_code == 403
        assert browser(name).get("/interop/units/2BN").status_code == 404
    to = browser("to")
    assert to.get("/interop/units/2BN/evaluations/new").status_code == 404
    assert to.get(f"/interop/units/2BN/pledges/{other['id']}/edit").status_code == 404
    assert to.get(f"/interop/units/1BN/pledges/{other['id']}/edit").status_code == 404
    assert (
        to.post("/interop/units/2BN/pledges/new", {"capability": "Y", "pledged_on": day(-1)}).status_code
        == 404
    )
    assert _count(Pledge) == 1
    assert "Interoperability" in text(browser("viewer").get("/interop/"))


def test_the_units_list_pages_by_a_hundred(browser, force):
    from readiness.interop.evaluations import create_evaluations
    from readiness.units.services import create_units

    codes = [f"PL{n:03}" for n in range(101)]
    rows = [{"code": c, "name": f"Platoon {c}", "parent": "2BN", "kind": "platoon"} for c in codes]
    create_units(rows, None)
    create_evaluations([{"unit": c, "step": "SEL-1", "started_on": iso(-3)} for c in codes], None)
    db.session.commit()
    admin = browser("admin")
    first = admin.get("/interop/").get_data(as_text=True)
    assert first.count('<tr data-unit="') == 100
    assert "Page 1 of 2" in first
    assert 'href="/interop/?page=2"' in first
    second = admin.get("/interop/?page=2").get_data(as_text=True)
    assert re.findall(r'<tr data-unit="([^"]+)"', second) == ["PL100"]
