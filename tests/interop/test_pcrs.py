"""UN PCRS: a pledge walked through every level, with a failed AAV, renewal, withdrawal and gates (JSON)."""

from __future__ import annotations

from readiness.extensions import db
from tests.interop.conftest import day, milestones, notes, pledge, reasons, status

DOCUMENTS = ("note_verbale", "table_of_organisation", "major_equipment", "self_sustainment")


def _level(client, as_of=None, code="1BN") -> tuple[str, list[str]]:
    pcrs = status(client, code, as_of)["pcrs"]
    return pcrs["level"], reasons(pcrs)


def test_no_pledge_is_no_level(to):
    assert _level(to) == ("none", ["PCRS none: no pledge registered"])


def test_walk_through_every_level_with_a_failed_aav_and_the_rdl_gate(app, to):
    p = pledge(to, -300, days_to_deploy=90, strength=120)
    assert _level(to) == (
        "none",
        [
            "PCRS none: no note verbale recorded",
            "PCRS none: no table of organisation recorded",
            "PCRS none: no major equipment list recorded",
            "PCRS none: no self-sustainment list recorded",
        ],
    )

    milestones(
        to,
        p["id"],
        ("note_verbale", -300),
        ("table_of_organisation", -290),
        ("major_equipment", -290),
        ("self_sustainment", -280),
    )
    assert _level(to) == ("1", ["PCRS 1: no successful AAV recorded"])
    assert _level(to, as_of=day(-285)) == ("none", ["PCRS none: no self-sustainment list recorded"])

    (aav,) = milestones(to, p["id"], ("aav", 30))  # scheduled
    assert _level(to) == ("1", [f"PCRS 1: no successful AAV recorded (AAV scheduled for {day(30)})"])
    resp = to.patch(
        f"units/1BN/pledges/{p['id']}/milestones/{aav['id']}", {"date": day(-200), "result": "unsuccessful"}
    )  # it took place earlier, and failed
    assert resp.status_code == 200, resp.json
    assert _level(to) == ("1", [f"PCRS 1: AAV of {day(-200)} unsuccessful"])

    milestones(to, p["id"], ("aav", -120, "successful"))
    assert _level(to) == (
        "2",
        ["PCRS 2: no draft memorandum of understanding recorded", "PCRS 2: no load lists recorded"],
    )
    assert _level(to, as_of=day(-150)) == (
        "1",
        [f"PCRS 1: AAV of {day(-200)} unsuccessful; AAV scheduled for {day(-120)}"],
    )

    milestones(to, p["id"], ("mou_draft", -100), ("load_lists", -90))
    assert _level(to) == (
        "3",
        [
            "PCRS 3: no successful RDL verification visit recorded",
            "PCRS 3: no RDL agreement recorded",
            "PCRS 3: the pledge promises deployment in 90 days; RDL needs 60 or fewer",
        ],
    )

    milestones(to, p["id"], ("rdl_verification", -40, "successful"), ("rdl_agreement", -30))
    assert _level(to) == ("3", ["PCRS 3: the pledge promises deployment in 90 days; RDL needs 60 or fewer"])

    assert to.patch(f"units/1BN/pledges/{p['id']}", {"days_to_deploy": 45}).status_code == 200
    pcrs = status(to)["pcrs"]
    assert (pcrs["level"], pcrs["reasons"]) == ("RDL", [])  # 1BN is T-2; the default gate needs T-2
    assert pcrs["gates"] == [{"applies_to": "PCRS RDL", "requires": "T-2", "unit_level": "T-2", "met": True}]
    assert all(item["done"] for item in pcrs["checklist"])

    app.config["INTEROP_GATES"] = {"PCRS RDL": "T-1"}
    assert _level(to) == (
        "3",
        [f"PCRS 3: RDL held back: the gate for PCRS RDL needs T-1 or better and the unit is T-2 on {day(0)}"],
    )
    assert status(to)["pcrs"]["level_by_records"] == "RDL"
    app.config["INTEROP_GATES"] = {"PCRS 2": "C-1"}
    assert _level(to) == (
        "1",
        [
            f"PCRS 1: Level 2 held back: the gate for PCRS 2 needs C-1 or better and the "
            f"unit is C-2 on {day(0)}"
        ],
    )
    app.config["INTEROP_GATES"] = {}
    assert _level(to)[0] == "RDL"


def test_the_rdl_gate_uses_the_training_level_on_the_as_of_date(app, to, force):
    p = pledge(to, -400, days_to_deploy=30)
    milestones(
        to,
        p["id"],
        *((k, -400) for k in DOCUMENTS),
        ("aav", -300, "successful"),
        ("mou_draft", -200),
        ("load_lists", -200),
        ("rdl_verification", -100, "successful"),
        ("rdl_agreement", -100),
    )
    assert _level(to)[0] == "RDL"  # 3 of 4 qualified today: T-2
    # 40 days ago nobody held CPTM yet (the three completed it 30 days ago): T-4.
    level, why = _level(to, as_of=day(-40))
    assert level == "3"
    assert why == [
        f"PCRS 3: RDL held back: the gate for PCRS RDL needs T-2 or better and the unit is T-4 on {day(-40)}"
    ]


def test_a_visit_result_not_yet_recorded_and_an_rdl_without_days(to):
    p = pledge(to, -400)
    milestones(to, p["id"], *((k, -400) for k in DOCUMENTS), ("aav", -10))
    assert _level(to) == (
        "1",
        [f"PCRS 1: no successful AAV recorded (AAV of {day(-10)}: result not yet recorded)"],
    )
    milestones(
        to,
        p["id"],
        ("aav", -9, "successful"),
        ("mou_draft", -5),
        ("load_lists", -5),
        ("rdl_verification", -3, "unsuccessful"),
        ("rdl_verification", 40),
    )
    assert _level(to) == (
        "3",
        [
            f"PCRS 3: RDL verification visit of {day(-3)} unsuccessful; "
            f"RDL verification visit scheduled for {day(40)}",
            "PCRS 3: no RDL agreement recorded",
            "PCRS 3: no days to deploy promised; RDL needs 60 or fewer",
        ],
    )


def test_renewal_is_due_12_months_after_registration_then_6_after_each_update(to):
    p = pledge(to, -400)
    pcrs = status(to)["pcrs"]
    registered = day(-400)
    first_due = pcrs["renewal_due_on"]
    assert first_due > day(-36)
    assert first_due < day(-33)
    assert pcrs["renewal_due"] is True
    assert notes(pcrs) == [
        f"PCRS pledge update due since {first_due}: not updated in the 12 months since "
        f"registration on {registered}"
    ]
    assert status(to, as_of=day(-100))["pcrs"]["renewal_due"] is False

    milestones(to, p["id"], ("update", -200))
    pcrs = status(to)["pcrs"]
    assert pcrs["renewal_due"] is True
    assert notes(pcrs)[0].endswith(f"not updated in the 6 months since the update of {day(-200)}")
    assert status(to, as_of=day(-100))["pcrs"]["renewal_due"] is False

    milestones(to, p["id"], ("update", -10))
    pcrs = status(to)["pcrs"]
    assert (pcrs["renewal_due"], pcrs["notes"]) == (False, [])
    assert day(170) < pcrs["renewal_due_on"] < day(175)


def test_a_withdrawn_pledge_leaves_no_level_and_a_new_one_may_follow(to):
    p = pledge(to, -500)
    milestones(to, p["id"], *((k, -500) for k in DOCUMENTS))
    resp = to.patch(f"units/1BN/pledges/{p['id']}", {"withdrawn_on": day(-100)})
    assert resp.status_code == 200, resp.json
    assert _level(to) == ("none", [f"PCRS none: the pledge of {day(-500)} was withdrawn on {day(-100)}"])
    assert _level(to, as_of=day(-101))[0] == "1"

    resp = to.post("units/1BN/pledges", {"capability": "Infantry company", "pledged_on": day(-200)})
    assert resp.status_code == 409
    assert resp.json["errors"] == {
        "pledged_on": [f"Overlaps the pledge of {day(-500)} (withdrawn {day(-100)})."]
    }
    second = pledge(to, -50, capability="Quick reaction force company")
    assert status(to)["pcrs"]["pledge"]["id"] == second["id"]
    assert _level(to)[1] == [
        "PCRS none: no note verbale recorded",
        "PCRS none: no table of organisation recorded",
        "PCRS none: no major equipment list recorded",
        "PCRS none: no self-sustainment list recorded",
    ]
    assert status(to, as_of=day(-300))["pcrs"]["pledge"]["id"] == p["id"]

    resp = to.patch(f"units/1BN/pledges/{p['id']}", {"withdrawn_on": None})
    assert resp.status_code == 409  # reopening it would overlap the new one
    assert "Overlaps the pledge of" in resp.json["errors"]["withdrawn_on"][0]
    db.session.rollback()
