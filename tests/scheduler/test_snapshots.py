"""Daily snapshots: every unit's figures equal the engine's, a date is replaced when taken again,
and missed days are filled."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from readiness.engine import rules, services
from readiness.engine.snapshots import COUNTS, UnitRequirementSnapshot, UnitSnapshot, dates_to_take, take
from readiness.extensions import db
from readiness.scheduler import runner
from readiness.training.models import Requirement
from readiness.units.models import Unit
from readiness.units.services import delete_unit, get_unit

UNIT_FIELDS = ("authorized", "assigned", "qualified", "manning_pct", "qualified_pct", "p_level", "t_level",
               "level")


def stored(unit: Unit, on: date) -> tuple[dict[str, Any], dict[int, dict[str, int]]]:
    """Return what the snapshot of `on` holds for `unit`: its figures and its requirement counts."""
    snap = db.session.get(UnitSnapshot, (unit.id, on))
    assert snap is not None, f"no snapshot of {unit.code} on {on}"
    rows = db.session.scalars(select(UnitRequirementSnapshot).where(
        UnitRequirementSnapshot.unit_id == unit.id, UnitRequirementSnapshot.as_of == on))
    return ({f: getattr(snap, f) for f in UNIT_FIELDS},
            {r.requirement_id: {c: getattr(r, c) for c in COUNTS} for r in rows})


def engine_says(unit: Unit, on: date) -> tuple[dict[str, Any], dict[int, dict[str, int]]]:
    """Return the engine's answer for `unit` on `on`, shaped like `stored`."""
    answer = services.unit_readiness(unit, on)
    return ({f: answer[f] for f in UNIT_FIELDS},
            {r["id"]: {c: r[c] for c in COUNTS} for r in answer["requirements"]})


@pytest.mark.parametrize("days", [0, -1, -11, -40, -400, 45, 150, 1500])
def test_every_units_snapshot_equals_the_engine(force, days):
    on = rules.today() + timedelta(days=days)
    taken = take(on)
    db.session.commit()
    units = list(db.session.scalars(select(Unit).order_by(Unit.code)))
    assert taken.units == len(units) == 6
    for unit in units:
        assert stored(unit, on) == engine_says(unit, on), unit.code


def test_the_figures_are_what_a_commander_reads(force):
    today = rules.today()
    take(today)
    figures, requirements = stored(get_unit("BN"), today)
    # Assigned: P1 P2 P3 P4 P5 P8 P9 (P6 not earmarked, P7 deployed); qualified: P4 P8 P9 and P1.
    assert figures == {"authorized": 18, "assigned": 7, "qualified": 4, "manning_pct": 38.9,
                       "qualified_pct": 57.1, "p_level": "P-4", "t_level": "T-4", "level": "C-4"}
    assert sum(r["applicable"] for r in requirements.values()) == 7 + 4 + 3
    empty, none = stored(get_unit("EMPTY"), today)
    assert empty == {"authorized": 0, "assigned": 0, "qualified": 0, "manning_pct": None,
                     "qualified_pct": None, "p_level": None, "t_level": None, "level": None}
    assert none == {}
    posts, _ = stored(get_unit("POSTS"), today)
    assert (posts["manning_pct"], posts["p_level"]) == (0.0, "P-4")
    assert (posts["t_level"], posts["level"]) == (None, "C-4")


def test_taking_a_date_again_replaces_it(force):
    today = rules.today()
    take(today)
    db.session.commit()
    first = db.session.scalar(select(func.count()).select_from(UnitRequirementSnapshot))
    assert stored(get_unit("A"), today)[0]["qualified"] == 3  # P1, P4, P9 (A1's); P2 lacks CLS
    force.completion("P2", "CLS", today - timedelta(days=1))  # P2 now qualified
    db.session.commit()
    take(today)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(UnitSnapshot)) == 6
    assert db.session.scalar(select(func.count()).select_from(UnitRequirementSnapshot)) == first
    figures, _ = stored(get_unit("A"), today)
    assert figures["qualified"] == 4
    assert stored(get_unit("BN"), today) == engine_says(get_unit("BN"), today)


def test_deleting_a_unit_deletes_its_history(force, app):
    today = rules.today()
    take(today)
    db.session.commit()
    delete_unit(get_unit("EMPTY"), None)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(UnitSnapshot)) == 5


def test_deleting_a_requirement_deletes_its_counts(force):
    take(rules.today())
    db.session.commit()
    cls = db.session.scalar(select(Requirement).where(Requirement.unit_id == get_unit("A").id))
    assert db.session.scalar(select(func.count()).select_from(UnitRequirementSnapshot)
                             .where(UnitRequirementSnapshot.requirement_id == cls.id)) == 3  # A, A1, BN
    force.delete_requirement(cls)
    db.session.commit()
    left = db.session.scalars(select(UnitRequirementSnapshot.requirement_id).distinct()).all()
    assert sorted(left) == sorted(r for r in db.session.scalars(select(Requirement.id)))


# ---- which days a run takes -------------------------------------------------------------------

def _snapshot_on(day: date) -> None:
    db.session.add(UnitSnapshot(unit_id=1, as_of=day, authorized=0, assigned=0, qualified=0))
    db.session.commit()


def test_the_first_run_takes_today_only(app):
    assert dates_to_take(date(2026, 3, 10), 31) == ([date(2026, 3, 10)], 0)


def test_a_run_fills_the_days_since_the_last_snapshot(app):
    _snapshot_on(date(2026, 3, 6))
    assert dates_to_take(date(2026, 3, 10), 31) == (
        [date(2026, 3, 7), date(2026, 3, 8), date(2026, 3, 9), date(2026, 3, 10)], 0)


def test_a_second_run_on_a_day_takes_that_day_again(app):
    _snapshot_on(date(2026, 3, 10))
    assert dates_to_take(date(2026, 3, 10), 31) == ([date(2026, 3, 10)], 0)


def test_a_long_gap_is_filled_only_as_far_back_as_configured(app):
    _snapshot_on(date(2026, 1, 1))
    days, skipped = dates_to_take(date(2026, 3, 10), 5)
    assert days == [date(2026, 3, 5) + timedelta(days=i) for i in range(6)]
    assert skipped == (date(2026, 3, 5) - date(2026, 1, 1)).days - 1


def test_from_takes_every_day_up_to_today(app):
    _snapshot_on(date(2026, 3, 9))
    assert dates_to_take(date(2026, 3, 10), 31, start=date(2026, 3, 1))[0][0] == date(2026, 3, 1)
    assert len(dates_to_take(date(2026, 3, 10), 31, start=date(2026, 3, 1))[0]) == 10


# ---- the job, on the clock ------------------------------------------------------------------

def test_the_job_snapshots_the_local_date_of_its_clock(force, clock):
    today = rules.today()
    clock.at_local(today, 0, 5)  # five past midnight local is still the previous day in UTC
    run = runner.run("snapshots")
    assert run.outcome == "ok", run.error
    assert db.session.scalars(select(UnitSnapshot.as_of).distinct()).all() == [today]
    assert run.message.startswith(f"snapshot of 6 units for {today.isoformat()}")


def test_the_job_back_fills_the_days_it_missed(force, clock):
    today = rules.today()
    clock.at_local(today - timedelta(days=4))
    assert runner.run("snapshots").outcome == "ok"
    clock.at_local(today)  # three nights without a scheduler
    run = runner.run("snapshots")
    assert run.outcome == "ok", run.error
    days = db.session.scalars(select(UnitSnapshot.as_of).distinct().order_by(UnitSnapshot.as_of)).all()
    assert days == [today - timedelta(days=n) for n in (4, 3, 2, 1, 0)]
    assert "4 days" in run.message
    for day in days:
        assert stored(get_unit("BN"), day) == engine_says(get_unit("BN"), day), day


def test_a_day_that_fails_keeps_the_days_before_it(force, clock, monkeypatch):
    from readiness.engine import snapshots

    today = rules.today()
    clock.at_local(today - timedelta(days=3))
    runner.run("snapshots")
    clock.at_local(today)
    real_take = snapshots.take

    def take_but_not_yesterday(on: date) -> Any:
        if on == today - timedelta(days=1):
            raise RuntimeError("the database went away")
        return real_take(on)

    monkeypatch.setattr(snapshots, "take", take_but_not_yesterday)
    run = runner.run("snapshots")
    assert run.outcome == "failed"
    assert "the database went away" in run.error
    days = db.session.scalars(select(UnitSnapshot.as_of).distinct().order_by(UnitSnapshot.as_of)).all()
    assert days == [today - timedelta(days=3), today - timedelta(days=2)]
    monkeypatch.setattr(snapshots, "take", real_take)
    assert runner.run("snapshots").outcome == "ok"
    days = db.session.scalars(select(UnitSnapshot.as_of).distinct().order_by(UnitSnapshot.as_of)).all()
    assert days == [today - timedelta(days=n) for n in (3, 2, 1, 0)]


def test_old_requirement_counts_go_when_configured_and_the_figures_stay(force, clock, app):
    today = rules.today()
    clock.at_local(today - timedelta(days=5))
    runner.run("snapshots")
    clock.at_local(today)
    app.config["SNAPSHOT_REQUIREMENT_KEEP_DAYS"] = 3
    run = runner.run("snapshots")
    assert run.outcome == "ok", run.error
    assert "requirement rows older than 3 days deleted" in run.message
    kept = db.session.scalars(select(UnitRequirementSnapshot.as_of).distinct().order_by(
        UnitRequirementSnapshot.as_of)).all()
    assert kept == [today - timedelta(days=n) for n in (3, 2, 1, 0)]
    figures = db.session.scalars(select(UnitSnapshot.as_of).distinct()).all()
    assert len(figures) == 6
