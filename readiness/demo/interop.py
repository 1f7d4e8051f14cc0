"""The demo force's OCC E&F evaluations and UN PCRS pledges, relative to the demo's today.

Four units show the range: the 1st Battalion stopped at NEL-1 with a SEL-2 re-evaluation
scheduled, and at PCRS Level 3 with its pledge update overdue; the 2nd Battalion has passed
SEL-1 and failed its AAV; the Engineer Company has passed every OCC step and has every RDL
record, as has the Medical Company, whose training level the RDL gate (INTEROP_GATES, T-2 by
default) may hold back: whether each shows as RDL depends on its training level on the day.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from readiness.training.dates import add_months

Row = dict[str, Any]
_NATIONAL = ["Polkovnik-leytenant Rauf Məmmədov", "Mayor Leyla Həsənova"]
_NATO = ["Lt Col M. Jansen (NLD)", "Maj K. Nowak (POL)", "Capt S. Aydın (TUR)"]
_AREAS = (
    "Command and control",
    "Communications and information systems",
    "Force protection",
    "Logistics and sustainment",
    "Medical support",
    "English language proficiency",
)


def _evaluation(
    unit: str,
    step: str,
    start: dt.date,
    outcome: str | None,
    results: tuple[str, ...] = (),
    due: dt.date | None = None,
    feedback: str | None = None,
) -> Row:
    nato = step.startswith("NEL")
    return {
        "unit": unit,
        "step": step,
        "started_on": start,
        "ended_on": start + dt.timedelta(days=2 if nato else 1),
        "evaluators": _NATO if nato else _NATIONAL,
        "outcome": outcome,
        "feedback": feedback,
        "areas": [
            {"area": area, "result": result, "remarks": None}
            for area, result in zip(_AREAS, results, strict=False)
        ],
        "re_evaluation_due": due,
    }


def _milestone(
    kind: str,
    day: dt.date,
    result: str | None = None,
    reference: str | None = None,
    remarks: str | None = None,
) -> Row:
    return {"kind": kind, "dated_on": day, "result": result, "reference": reference, "remarks": remarks}


def _documents(day: dt.date, reference: str) -> list[Row]:
    return [
        _milestone("note_verbale", day, reference=reference),
        *(
            _milestone(k, day + dt.timedelta(days=14))
            for k in ("table_of_organisation", "major_equipment", "self_sustainment")
        ),
    ]


def evaluations(today: dt.date) -> list[Row]:
    """Return the demo evaluations."""

    def ago(months: int) -> dt.date:
        return add_months(today, -months)

    good = ("interoperable",) * 6
    return [
        _evaluation("PKB-1BN", "SEL-1", ago(34), "interoperable", good),
        _evaluation("PKB-1BN", "NEL-1", ago(22), "interoperable", (*good[:5], "partially_interoperable")),
        _evaluation(
            "PKB-1BN",
            "SEL-2",
            ago(6),
            "partially_interoperable",
            (
                "interoperable",
                "interoperable",
                "interoperable",
                "partially_interoperable",
                "not_interoperable",
                "partially_interoperable",
            ),
            due=add_months(today, 4),
            feedback="Casualty evacuation drills incomplete; company staff below English SLP 2222.",
        ),
        _evaluation("PKB-1BN", "SEL-2", today + dt.timedelta(days=45), None),
        _evaluation("PKB-2BN", "SEL-1", ago(10), "interoperable", good[:4]),
        _evaluation("PKB-2BN", "NEL-1", today + dt.timedelta(days=80), None),
        _evaluation("PKB-3BN-ENG", "SEL-1", ago(44), "interoperable", good[:4], due=ago(30)),
        _evaluation("PKB-3BN-ENG", "NEL-1", ago(32), "interoperable", good[:4]),
        _evaluation("PKB-3BN-ENG", "SEL-2", ago(18), "interoperable", good[:5]),
        _evaluation(
            "PKB-3BN-ENG",
            "NEL-2",
            ago(5),
            "interoperable",
            good,
            due=add_months(today, 31),
            feedback="Certified combat ready.",
        ),
    ]


def pledges(today: dt.date) -> list[Row]:
    """Return the demo pledges with their milestones."""

    def ago(months: int) -> dt.date:
        return add_months(today, -months)

    return [
        {
            "unit": "PKB-1BN",
            "capability": "Peacekeeping infantry battalion",
            "strength": 210,
            "pledged_on": ago(26),
            "days_to_deploy": 90,
            "withdrawn_on": None,
            "remarks": None,
            "milestones": [
                *_documents(ago(26), "NV 4/118"),
                _milestone("aav", ago(19), "successful"),
                _milestone("update", ago(14)),
                _milestone("mou_draft", ago(14)),
                _milestone("load_lists", ago(13)),
                _milestone("update", ago(8)),
            ],
        },
        {
            "unit": "PKB-2BN",
            "capability": "Peacekeeping infantry battalion",
            "strength": 210,
            "pledged_on": ago(11),
            "days_to_deploy": 120,
            "withdrawn_on": None,
            "remarks": None,
            "milestones": [
                *_documents(ago(11), "NV 4/207"),
                _milestone(
                    "aav",
                    ago(2),
                    "unsuccessful",
                    remarks="Self-sustainment shortfalls: water purification, field accommodation.",
                ),
                _milestone("aav", add_months(today, 3)),
            ],
        },
        {
            "unit": "PKB-3BN-ENG",
            "capability": "Military engineering company (horizontal construction)",
            "strength": 40,
            "pledged_on": ago(40),
            "days_to_deploy": 45,
            "withdrawn_on": None,
            "remarks": None,
            "milestones": [
                *_documents(ago(40), "NV 4/031"),
                _milestone("aav", ago(34), "successful"),
                _milestone("mou_draft", ago(28)),
                _milestone("load_lists", ago(28)),
                _milestone("update", ago(22)),
                _milestone("update", ago(15)),
                _milestone("rdl_verification", ago(8), "successful"),
                _milestone("rdl_agreement", ago(7), reference="RDL/2025/ENG-AZ"),
                _milestone("update", ago(3)),
            ],
        },
        {
            "unit": "PKB-3BN-MED",
            "capability": "Level I+ medical unit",
            "strength": 30,
            "pledged_on": ago(30),
            "days_to_deploy": 30,
            "withdrawn_on": None,
            "remarks": "Held below RDL while its training level is under the gate (INTEROP_GATES).",
            "milestones": [
                *_documents(ago(30), "NV 4/077"),
                _milestone("aav", ago(24), "successful"),
                _milestone("mou_draft", ago(20)),
                _milestone("load_lists", ago(20)),
                _milestone("rdl_verification", ago(4), "successful"),
                _milestone("rdl_agreement", ago(3), reference="RDL/2026/MED-AZ"),
                _milestone("update", ago(4)),
            ],
        },
    ]
