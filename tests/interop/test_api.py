"""Evaluation and pledge endpoints: lists, one record, bad input, duplicates, unknown keys, audit trail."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from readiness.audit import AuditEvent
from readiness.extensions import db
from readiness.interop.models import Evaluation, EvaluationArea, Milestone, Pledge
from tests.interop.conftest import day, evaluate, milestones, pledge


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_post_one_evaluation_answers_it_and_get_shows_it(to):
    created = evaluate(
        to,
        "sel 1",
        -30,
        -28,
        outcome="Partially interoperable",
        re_evaluation_due=day(300),
        evaluators=["  Lt Col J. Smith (GBR) ", "Maj Ö. Əliyeva"],
        feedback="Good start.",
        areas=[
            {"area": "Command and control", "result": "interoperable", "remarks": "HQ drills"},
            {"area": "Logistics", "result": "not evaluated"},
        ],
    )
    assert created["step"] == "SEL-1"
    assert created["unit"] == "1BN"
    assert created["outcome"] == "partially_interoperable"
    assert created["evaluators"] == ["Lt Col J. Smith (GBR)", "Maj Ö. Əliyeva"]
    assert created["areas"] == [
        {"area": "Command and control", "result": "interoperable", "remarks": "HQ drills"},
        {"area": "Logistics", "result": "not_evaluated", "remarks": None},
    ]
    assert created["recorded_by"] == "to"
    assert to.get(f"units/1BN/evaluations/{created['id']}").json == created
    listed = to.get("units/1BN/evaluations", query_string={"step": "SEL-1"})
    assert [e["id"] for e in listed.json] == [created["id"]]
    assert json.loads(listed.headers["X-Pagination"])["total"] == 1
    assert to.get("units/1BN/evaluations", query_string={"outcome": "interoperable"}).json == []


def test_an_evaluation_without_end_date_lasts_one_day(to):
    assert evaluate(to, "NEL-1", -5)["ended_on"] == day(-5)


def test_a_list_is_all_or_nothing_with_errors_by_index_and_field(to):
    resp = to.post(
        "units/1BN/evaluations",
        [
            {"step": "SEL-1", "started_on": day(-10)},
            {"step": "NEL-1", "started_on": day(-5), "ended_on": day(-6)},
            {"step": "SEL-2", "started_on": day(5), "ended_on": day(7), "outcome": "interoperable"},
            {
                "step": "NEL-2",
                "started_on": day(-9),
                "re_evaluation_due": day(-9),
                "areas": [
                    {"area": "Logistics", "result": "interoperable"},
                    {"area": "logistics ", "result": "interoperable"},
                ],
            },
        ],
    )
    assert resp.status_code == 422
    errors = resp.json["errors"]
    assert set(errors) == {"1", "2", "3"}
    assert errors["1"] == {"ended_on": [f"{day(-6)} is before started_on ({day(-5)})."]}
    assert errors["2"]["outcome"][0].startswith(f"The evaluation ends on {day(7)}, after today")
    assert errors["3"]["re_evaluation_due"] == [f"Must be after ended_on ({day(-9)})."]
    assert errors["3"]["areas"] == {"1": {"area": ["'logistics' is assessed twice (also item 0)."]}}
    assert "[1].ended_on" in resp.json["message"]
    assert _count(Evaluation) == 0


def test_schema_errors_name_the_field_or_the_index_and_field(to):
    resp = to.post(
        "units/1BN/evaluations",
        {
            "step": "NEL-3",
            "started_on": "yesterday",
            "unit": "2BN",
            "areas": [{"area": "", "result": "great"}],
        },
    )
    assert resp.status_code == 422
    errors = resp.json["errors"]
    assert errors["step"] == ["'NEL-3' is not a step: give SEL-1, NEL-1, SEL-2 or NEL-2."]
    assert errors["started_on"] == ["Not a valid date."]
    assert errors["unit"] == ["Unknown field."]  # the unit is the one in the path
    assert errors["areas"]["0"]["area"] == ["Must not be empty."]
    assert errors["areas"]["0"]["result"][0].startswith("'great' is not one of: interoperable")
    resp = to.post(
        "units/1BN/evaluations", [{"step": "SEL-1", "started_on": day(-1)}, {"started_on": day(-1)}]
    )
    assert resp.json["errors"] == {"1": {"step": ["Missing data for required field."]}}
    assert to.post("units/1BN/evaluations", []).status_code == 422
    assert to.post("units/1BN/evaluations", "SEL-1").status_code == 422
    assert _count(Evaluation) == 0


def test_duplicates_in_the_database_or_the_list_are_409(to):
    evaluate(to, "SEL-1", -10)
    resp = to.post("units/1BN/evaluations", {"step": "SEL-1", "started_on": day(-10)})
    assert resp.status_code == 409
    assert resp.json["errors"] == {"started_on": ["Already recorded: the same unit, step and start date."]}
    resp = to.post(
        "units/1BN/evaluations",
        [{"step": "NEL-1", "started_on": day(-3)}, {"step": "NEL-1", "started_on": day(-3)}],
    )
    assert resp.status_code == 409
    assert resp.json["errors"] == {
        "1": {"started_on": ["Same unit, step and start date as item 0 of the list."]}
    }
    assert _count(Evaluation) == 1


def test_unknown_unit_or_record_is_404(to, api):
    admin_api = api["admin"]
    assert to.get("units/NOPE/evaluations").status_code == 404
    assert to.post("units/NOPE/pledges", {"capability": "X", "pledged_on": day(-1)}).status_code == 404
    assert to.get("units/1BN/evaluations/999").status_code == 404
    other = admin_api.post("units/2BN/evaluations", {"step": "SEL-1", "started_on": day(-1)}).json
    # Another unit's evaluation is not found under 1BN, even for an admin.
    assert admin_api.get(f"units/1BN/evaluations/{other['id']}").status_code == 404
    assert admin_api.patch(f"units/1BN/evaluations/{other['id']}", {"feedback": "x"}).status_code == 404
    assert to.get("units/1BN/pledges/5").status_code == 404


def test_patch_changes_only_what_is_sent_and_is_audited(to):
    created = evaluate(
        to, "SEL-1", -30, -28, evaluators=["Maj A"], areas=[{"area": "Logistics", "result": "interoperable"}]
    )
    resp = to.patch(
        f"units/1BN/evaluations/{created['id']}",
        {
            "outcome": "interoperable",
            "feedback": "Passed.",
            "areas": [
                {"area": "Logistics", "result": "partially_interoperable"},
                {"area": "Medical", "result": "interoperable"},
            ],
        },
    )
    assert resp.status_code == 200
    assert resp.json["evaluators"] == ["Maj A"]
    assert resp.json["started_on"] == day(-30)
    assert resp.json["updated_at"] is not None
    assert _count(EvaluationArea) == 2
    bad = to.patch(f"units/1BN/evaluations/{created['id']}", {"ended_on": day(-40)})
    assert bad.status_code == 422
    assert bad.json["errors"] == {"ended_on": [f"{day(-40)} is before started_on ({day(-30)})."]}
    events = list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.entity == "occ_evaluation").order_by(AuditEvent.id)
        )
    )
    assert [(e.action, e.actor, e.key) for e in events] == [("create", "to", str(created["id"]))] * 1 + [
        ("update", "to", str(created["id"]))
    ]
    assert events[0].changes["unit"] == "1BN"
    assert events[1].changes["outcome"] == [None, "interoperable"]
    assert events[1].changes["areas"] == [
        "Logistics: interoperable", "Logistics: partially_interoperable; Medical: interoperable"]
    assert events[0].changes["evaluators"] == "Maj A"


def test_moving_an_evaluation_onto_another_of_the_same_step_and_day_is_409(to):
    evaluate(to, "SEL-1", -30)
    second = evaluate(to, "SEL-1", -20)
    resp = to.patch(f"units/1BN/evaluations/{second['id']}", {"started_on": day(-30)})
    assert resp.status_code == 409
    assert resp.json["errors"] == {"started_on": ["Already recorded: the same unit, step and start date."]}


def test_pledge_with_milestones_in_one_post_and_the_list(to):
    created = pledge(
        to,
        -60,
        strength=150,
        days_to_deploy=75,
        milestones=[
            {"kind": "note_verbale", "date": day(-60), "reference": "NV 4/118"},
            {"kind": "AAV", "date": day(20)},
        ],
    )
    assert [(m["kind"], m["date"], m["reference"]) for m in created["milestones"]] == [
        ("note_verbale", day(-60), "NV 4/118"),
        ("aav", day(20), None),
    ]
    listed = to.get("units/1BN/pledges", query_string={"open": "true"}).json
    assert [p["id"] for p in listed] == [created["id"]]
    assert to.get("units/1BN/pledges", query_string={"open": "false"}).json == []
    assert to.get(f"units/1BN/pledges/{created['id']}").json == created


def test_pledge_and_milestone_bad_input(to):
    resp = to.post(
        "units/1BN/pledges", {"capability": " ", "pledged_on": day(3), "strength": 0, "days_to_deploy": 12.5}
    )
    assert resp.status_code == 422
    errors = resp.json["errors"]
    assert errors["capability"] == ["Must not be empty."]
    assert errors["strength"] == ["Must be greater than or equal to 1."]
    assert errors["days_to_deploy"] == ["Not a whole number."]
    resp = to.post(
        "units/1BN/pledges", {"capability": "Company", "pledged_on": day(3), "withdrawn_on": day(2)}
    )
    assert resp.status_code == 422
    assert resp.json["errors"]["pledged_on"][0].startswith(f"{day(3)} is after today")
    assert resp.json["errors"]["withdrawn_on"][0] == f"Must be after pledged_on ({day(3)})."
    resp = to.post(
        "units/1BN/pledges",
        {
            "capability": "Company",
            "pledged_on": day(-3),
            "milestones": [
                {"kind": "note_verbale", "date": day(-3), "result": "successful"},
                {"kind": "load_lists", "date": day(4)},
                {"kind": "aav", "date": day(4), "result": "successful"},
                {"kind": "minutes", "date": day(-1)},
            ],
        },
    )
    assert resp.status_code == 422
    milestone_errors = resp.json["errors"]["milestones"]
    assert milestone_errors["3"]["kind"][0].startswith("'minutes' is not one of: note_verbale")
    assert _count(Pledge) == 0
    resp = to.post(
        "units/1BN/pledges",
        {
            "capability": "Company",
            "pledged_on": day(-3),
            "milestones": [
                {"kind": "note_verbale", "date": day(-3), "result": "successful"},
                {"kind": "load_lists", "date": day(4)},
                {"kind": "aav", "date": day(4), "result": "successful"},
            ],
        },
    )
    assert resp.status_code == 422
    assert resp.json["errors"]["milestones"] == {
        "0": {"result": ["A note verbale has no result; only visits (aav, rdl_verification) do."]},
        "1": {
            "date": [
                f"The load lists is dated {day(4)}, after today ({day(0)}); only a visit may be "
                "recorded ahead (scheduled)."
            ]
        },
        "2": {
            "result": [
                f"The Assessment and Advisory Visit (AAV) of {day(4)} lies after today ({day(0)}): "
                "record its result once it has taken place."
            ]
        },
    }
    assert _count(Pledge) == 0


def test_one_open_pledge_per_unit_and_duplicate_milestones_are_409(to):
    p = pledge(to, -100)
    resp = to.post("units/1BN/pledges", {"capability": "Another", "pledged_on": day(-10)})
    assert resp.status_code == 409
    assert resp.json["errors"] == {
        "pledged_on": [f"Overlaps the pledge of {day(-100)} (still open): withdraw it first."]
    }
    milestones(to, p["id"], ("note_verbale", -100))
    resp = to.post(
        f"units/1BN/pledges/{p['id']}/milestones",
        [{"kind": "update", "date": day(-5)}, {"kind": "note_verbale", "date": day(-100)}],
    )
    assert resp.status_code == 409
    assert resp.json["errors"] == {"1": {"date": [f"Already recorded: note_verbale of {day(-100)}."]}}
    resp = to.post(
        f"units/1BN/pledges/{p['id']}/milestones", {"kind": "update", "date": day(-5), "result": "ok"}
    )
    assert resp.status_code == 422
    assert set(resp.json["errors"]) == {"result"}  # one object: field → messages
    assert _count(Milestone) == 1
    # Two pledges of one list that overlap each other.
    resp = to.post(
        "units/2BN/pledges",
        [
            {"capability": "A", "pledged_on": day(-50), "withdrawn_on": day(-20)},
            {"capability": "B", "pledged_on": day(-30)},
        ],
    )
    assert resp.status_code == 404  # 2BN is outside the training officer's scope


def test_patching_a_milestone_records_a_visit_result_and_is_audited(to):
    p = pledge(to, -100)
    (visit,) = milestones(to, p["id"], ("aav", -2))
    resp = to.patch(f"units/1BN/pledges/{p['id']}/milestones/{visit['id']}", {"result": "successful"})
    assert resp.status_code == 200
    assert resp.json["result"] == "successful"
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.entity == "pcrs_milestone", AuditEvent.action == "update")
    )
    assert event.changes == {"pledge": p["id"], "result": [None, "successful"]}
    assert (
        to.patch(f"units/1BN/pledges/{p['id']}/milestones/999", {"result": "successful"}).status_code == 404
    )


def test_the_openapi_document_describes_the_endpoints(client):
    spec = client.get("/api/openapi.json").json
    for path, methods in {
        "/api/v1/units/{code}/evaluations": {"get", "post"},
        "/api/v1/units/{code}/evaluations/{evaluation_id}": {"get", "patch"},
        "/api/v1/units/{code}/pledges": {"get", "post"},
        "/api/v1/units/{code}/pledges/{pledge_id}": {"get", "patch"},
        "/api/v1/units/{code}/pledges/{pledge_id}/milestones": {"post"},
        "/api/v1/units/{code}/pledges/{pledge_id}/milestones/{milestone_id}": {"patch"},
        "/api/v1/units/{code}/interoperability": {"get"},
    }.items():
        assert methods <= set(spec["paths"][path]), path
    schemas = spec["components"]["schemas"]
    assert {"EvaluationIn", "Evaluation", "PledgeIn", "Pledge", "MilestoneIn", "InteropStatus"} <= set(
        schemas
    )
    assert schemas["EvaluationIn"]["properties"]["step"]["enum"] == ["SEL-1", "NEL-1", "SEL-2", "NEL-2"]
