"""Statuses of many units at once agree with one unit at a time, with a fixed number of queries."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from readiness import create_app
from readiness.engine.services import unit_readiness
from readiness.extensions import db
from readiness.interop import status
from readiness.units.models import Unit
from tests.conftest import TEST_CONFIG
from tests.interop.conftest import evaluate, iso, milestones, pledge


@pytest.mark.parametrize("offset", [0, -40, -400, 20])
def test_levels_of_many_units_equal_the_engines_answer_for_each(force, offset):
    units = [force.units[c] for c in ("PKB", "1BN", "2BN")]
    on = iso(offset)
    levels = status.unit_levels(units, on)
    for unit in units:
        answer = unit_readiness(unit, on)
        assert levels[unit.id] == {k: answer[k] for k in ("level", "p_level", "t_level")}, unit.code


def test_many_statuses_equal_one_at_a_time_in_a_fixed_number_of_queries(app, api, force):
    to, admin = api["to"], api["admin"]
    for code in ("1BN", "2BN"):
        client = to if code == "1BN" else admin
        for step, start in (("SEL-1", -900), ("NEL-1", -700), ("SEL-2", -500), ("NEL-2", -300)):
            evaluate(client, step, start, start + 1, code=code, outcome="interoperable")
        p = pledge(client, -400, code=code, days_to_deploy=30)
        milestones(
            client,
            p["id"],
            *(
                (k, -400)
                for k in ("note_verbale", "table_of_organisation", "major_equipment", "self_sustainment")
            ),
            ("aav", -300, "successful"),
            ("mou_draft", -200),
            ("load_lists", -200),
            ("rdl_verification", -100, "successful"),
            ("rdl_agreement", -100),
            code=code,
        )
    app.config["INTEROP_GATES"] = {"PCRS RDL": "T-2", "OCC NEL-2": "T-3"}
    on = iso(0)

    def statements_of(codes: tuple[str, ...]) -> tuple[dict, int]:
        db.session.expire_all()
        units = list(db.session.scalars(select(Unit).where(Unit.code.in_(codes))))
        seen = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731 - counts statements
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            return status.unit_statuses(units, on), len(seen)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)

    many, count = statements_of(("PKB", "1BN", "2BN"))
    assert statements_of(("1BN", "2BN"))[1] == count  # as many statements for two units as for three
    assert count <= 11  # four for the records, one for the root, the engine's count of it
    for code in ("PKB", "1BN", "2BN"):
        unit = force.units[code]
        assert many[unit.id] == status.unit_status(unit, on), code
    one, two = force.units["1BN"].id, force.units["2BN"].id
    assert (many[one]["pcrs"]["level"], many[two]["pcrs"]["level"]) == ("RDL", "3")  # T-2 and T-4
    assert (many[one]["occ"]["stage"], many[two]["occ"]["stage"]) == ("NEL-2", "SEL-2")


def test_the_app_refuses_to_start_with_a_gate_on_an_unknown_stage():
    with pytest.raises(RuntimeError, match=r"INTEROP_GATES: 'PCRS 4' is not a stage or level"):
        create_app(
            {**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite://", "INTEROP_GATES": {"PCRS 4": "T-2"}}
        )
    with pytest.raises(RuntimeError, match=r"'T-5' is not a readiness level"):
        create_app(
            {**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite://", "INTEROP_GATES": {"PCRS RDL": "T-5"}}
        )
