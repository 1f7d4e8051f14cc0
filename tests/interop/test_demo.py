"""The demo force carries evaluations and pledges, so `make run` shows both frameworks."""

from __future__ import annotations

from sqlalchemy import func, select

from readiness.cli import cli
from readiness.engine.rules import today
from readiness.extensions import db
from readiness.interop.models import Evaluation, Pledge
from readiness.interop.status import unit_status
from readiness.units.services import get_unit


def test_demo_load_records_evaluations_and_pledges_with_telling_reasons(runner):
    result = runner.invoke(cli, ["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "evaluations" in result.stdout
    assert "pledges" in result.stdout
    assert db.session.scalar(select(func.count()).select_from(Evaluation)) >= 8
    assert db.session.scalar(select(func.count()).select_from(Pledge)) >= 3
    first = unit_status(get_unit("PKB-1BN"), today())
    assert first["occ"]["stage"] == "NEL-1"
    assert first["occ"]["reasons"][0]["message"].startswith("OCC NEL-1 passed; SEL-2 partially interoperable")
    assert first["pcrs"]["level"] == "3"
    assert first["pcrs"]["renewal_due"] is True
    second = unit_status(get_unit("PKB-2BN"), today())
    assert (second["occ"]["stage"], second["pcrs"]["level"]) == ("SEL-1", "1")
    engineers = unit_status(get_unit("PKB-3BN-ENG"), today())
    assert engineers["occ"]["stage"] == "NEL-2"
    assert engineers["pcrs"]["level_by_records"] == "RDL"
