"""OCC E&F: a unit walked through every step, with failures, re-evaluations, lapses and gates (JSON)."""

from __future__ import annotations

from readiness.extensions import db
from tests.interop.conftest import day, evaluate, notes, reasons, status

GOOD = {"outcome": "interoperable"}


def _stage(client, as_of=None) -> tuple[str, list[str]]:
    occ = status(client, as_of=as_of)["occ"]
    return occ["stage"], reasons(occ)


def test_a_unit_without_evaluations_has_no_stage(to):
    assert _stage(to) == ("none", ["OCC: no step passed; SEL-1 not yet evaluated"])


def test_walk_through_every_step_with_a_failure_and_its_re_evaluation(to):
    sel1 = evaluate(to, "SEL-1", 20, 21)  # scheduled: no outcome yet
    assert _stage(to) == ("none", [f"OCC: no step passed; SEL-1 not yet evaluated (scheduled for {day(20)})"])

    evaluate(to, "SEL-1", -700, -699, **GOOD)
    assert _stage(to) == ("SEL-1", ["OCC SEL-1 passed; NEL-1 not yet evaluated"])
    # The SEL-1 still scheduled shows as the step's next evaluation, not as a reason.
    assert status(to)["occ"]["steps"][0]["pending"]["evaluation"] == sel1["id"]

    evaluate(
        to,
        "NEL-1",
        -400,
        -398,
        outcome="not_interoperable",
        re_evaluation_due=day(-100),
        feedback="Secure communications with the NATO HQ failed.",
    )
    assert _stage(to) == (
        "SEL-1",
        [f"OCC SEL-1 passed; NEL-1 not interoperable on {day(-398)}; re-evaluation was due {day(-100)}"],
    )

    evaluate(to, "NEL-1", -90, -88, **GOOD)  # the re-evaluation passes
    assert _stage(to) == ("NEL-1", ["OCC NEL-1 passed; SEL-2 not yet evaluated"])
    # Before the re-evaluation, the failure still stood.
    assert _stage(to, as_of=day(-95)) == (
        "SEL-1",
        [
            f"OCC SEL-1 passed; NEL-1 not interoperable on {day(-398)}; re-evaluation was due {day(-100)}; "
            f"re-evaluation scheduled for {day(-90)}"
        ],
    )
    assert _stage(to, as_of=day(-200))[1] == [
        f"OCC SEL-1 passed; NEL-1 not interoperable on {day(-398)}; re-evaluation due {day(-100)}; "
        f"re-evaluation scheduled for {day(-90)}"
    ]
    # As the records stand: seen from before it, an evaluation recorded since is scheduled.
    assert _stage(to, as_of=day(-800)) == (
        "none",
        [f"OCC: no step passed; SEL-1 not yet evaluated (scheduled for {day(-700)})"],
    )

    evaluate(to, "SEL-2", -60, -59, outcome="partially_interoperable", re_evaluation_due=day(120))
    evaluate(to, "SEL-2", 30)
    assert _stage(to) == (
        "NEL-1",
        [
            f"OCC NEL-1 passed; SEL-2 partially interoperable on {day(-59)}; "
            f"re-evaluation due {day(120)}; re-evaluation scheduled for {day(30)}"
        ],
    )

    sel2 = evaluate(to, "SEL-2", -20, -19, **GOOD)
    evaluate(to, "NEL-2", -1, 1)
    assert _stage(to) == (
        "SEL-2",
        [f"OCC SEL-2 passed; NEL-2 not yet evaluated (in progress since {day(-1)}, ends {day(1)})"],
    )
    assert _stage(to, as_of=day(-19)) == (
        "SEL-2",
        [f"OCC SEL-2 passed; NEL-2 not yet evaluated (scheduled for {day(-1)})"],
    )
    assert sel2["outcome"] == "interoperable"


def test_nel2_passed_is_the_top_stage_until_it_lapses(to):
    for step, start in (("SEL-1", -900), ("NEL-1", -700), ("SEL-2", -500)):
        evaluate(to, step, start, start + 1, **GOOD)
    evaluate(to, "NEL-2", -300, -298, re_evaluation_due=day(60), **GOOD)
    occ = status(to)["occ"]
    assert (occ["stage"], occ["reasons"]) == ("NEL-2", [])
    assert notes(occ) == [f"OCC NEL-2 re-evaluation due {day(60)}"]  # within the warning window
    assert [s["state"] for s in occ["steps"]] == ["passed"] * 4

    later = status(to, as_of=day(61))["occ"]
    assert later["stage"] == "SEL-2"
    assert reasons(later) == [f"OCC SEL-2 passed; NEL-2 lapsed: re-evaluation was due {day(60)}"]
    assert later["steps"][3]["state"] == "lapsed"
    assert status(to, as_of=day(60))["occ"]["stage"] == "NEL-2"  # due on the day: not lapsed yet


def test_a_lapsed_step_is_covered_by_a_higher_step_passed_after_it(to):
    evaluate(to, "SEL-1", -900, -899, re_evaluation_due=day(-700), **GOOD)
    evaluate(to, "NEL-1", -600, -598, **GOOD)
    occ = status(to)["occ"]
    assert occ["stage"] == "NEL-1"
    assert reasons(occ) == ["OCC NEL-1 passed; SEL-2 not yet evaluated"]
    assert [s["state"] for s in occ["steps"][:2]] == ["lapsed", "passed"]
    # Between SEL-1's lapse and NEL-1's pass, the lapse held the unit back.
    earlier = status(to, as_of=day(-650))["occ"]
    assert earlier["stage"] == "none"
    assert reasons(earlier) == [
        f"OCC: no step passed; SEL-1 lapsed: re-evaluation was due {day(-700)}",
        f"OCC: no step passed; NEL-1 not yet evaluated (scheduled for {day(-600)})",
    ]


def test_a_step_passed_out_of_order_counts_only_once_the_earlier_one_is_passed(to):
    evaluate(to, "NEL-1", -100, -98, **GOOD)
    occ = status(to)["occ"]
    assert occ["stage"] == "none"
    assert reasons(occ) == [
        "OCC: no step passed; SEL-1 not yet evaluated",
        f"OCC NEL-1 passed on {day(-98)} counts once SEL-1 is passed",
    ]
    evaluate(to, "SEL-1", -300, -299, **GOOD)
    assert status(to)["occ"]["stage"] == "NEL-1"


def test_an_ended_evaluation_without_outcome_awaits_it_and_a_patch_records_it(to):
    record = evaluate(to, "SEL-1", -10, -8, evaluators=["Maj Leyla Həsənova"])
    assert _stage(to) == (
        "none",
        [
            f"OCC: no step passed; SEL-1 not yet evaluated (held {day(-10)} to "
            f"{day(-8)}, outcome not yet recorded)"
        ],
    )
    resp = to.patch(
        f"units/1BN/evaluations/{record['id']}",
        {
            "outcome": "Interoperable",
            "areas": [
                {"area": "Command and control", "result": "interoperable"},
                {"area": "Logistics", "result": "partially interoperable"},
            ],
        },
    )
    assert resp.status_code == 200, resp.json
    assert resp.json["outcome"] == "interoperable"
    assert [a["result"] for a in resp.json["areas"]] == ["interoperable", "partially_interoperable"]
    assert resp.json["evaluators"] == ["Maj Leyla Həsənova"]
    assert _stage(to) == ("SEL-1", ["OCC SEL-1 passed; NEL-1 not yet evaluated"])


def test_a_gate_holds_a_stage_back_until_the_training_level_meets_it(app, to):
    for step, start in (("SEL-1", -900), ("NEL-1", -700), ("SEL-2", -500), ("NEL-2", -300)):
        evaluate(to, step, start, start + 1, **GOOD)
    app.config["INTEROP_GATES"] = {"OCC NEL-2": "T-1"}  # 1BN is T-2 (3 of 4 qualified)
    occ = status(to)["occ"]
    assert (occ["stage"], occ["stage_by_records"]) == ("SEL-2", "NEL-2")
    assert reasons(occ) == [
        f"OCC SEL-2 passed; NEL-2 passed but held back: the gate for OCC NEL-2 needs T-1 "
        f"or better and the unit is T-2 on {day(0)}"
    ]
    assert occ["gates"] == [{"applies_to": "OCC NEL-2", "requires": "T-1", "unit_level": "T-2", "met": False}]

    app.config["INTEROP_GATES"] = {"OCC NEL-2": "T-2"}
    occ = status(to)["occ"]
    assert (occ["stage"], occ["reasons"]) == ("NEL-2", [])
    assert occ["gates"][0]["met"] is True

    app.config["INTEROP_GATES"] = {"OCC SEL-1": "C-1"}  # 1BN is C-2: nothing passes the first gate
    occ = status(to)["occ"]
    assert occ["stage"] == "none"
    assert reasons(occ) == [
        f"OCC: no step passed; SEL-1 passed but held back: the gate for OCC SEL-1 needs "
        f"C-1 or better and the unit is C-2 on {day(0)}"
    ]


def test_a_gate_on_a_unit_without_people_says_it_has_no_level(app, admin_api, force):
    resp = admin_api.post(
        "units/2BN/evaluations", {"step": "SEL-1", "started_on": day(-9), "outcome": "interoperable"}
    )
    assert resp.status_code == 201
    force.change("B0", earmarked=False)
    db.session.commit()
    app.config["INTEROP_GATES"] = {"OCC SEL-1": "T-4"}
    occ = status(admin_api, "2BN")["occ"]
    assert occ["stage"] == "none"
    assert reasons(occ) == [
        f"OCC: no step passed; SEL-1 passed but held back: the gate for OCC SEL-1 needs T-4 "
        f"or better and the unit has no level (no one assigned) on {day(0)}"
    ]
