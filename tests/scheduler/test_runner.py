"""The job runner: one commit with the outcome, a rollback and the traceback on failure, one run per
scheduled time, and `readiness scheduler --once`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from readiness.cli import cli
from readiness.engine import rules
from readiness.engine.snapshots import UnitSnapshot
from readiness.extensions import db
from readiness.scheduler import runner
from readiness.scheduler.jobs import JOBS, Job
from readiness.scheduler.models import JobRun, as_utc
from readiness.units.models import Unit
from readiness.units.services import create_unit


def _unit(code: str) -> None:
    create_unit({"code": code, "name": code, "parent": None, "kind": "company", "authorized_strength": 0},
                None)


def units() -> list[str]:
    """The unit codes in the database, as a fresh transaction sees them."""
    db.session.rollback()
    return list(db.session.scalars(select(Unit.code).order_by(Unit.code)))


@pytest.fixture
def jobs(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Register test jobs: `make` writes a unit; `boom` writes one and fails; `halfway` commits one first."""
    seen: dict[str, Any] = {}

    def make(now: datetime) -> str:
        seen["now"] = now
        _unit("MADE")
        return "made   one\nunit"

    def boom(now: datetime) -> str:
        _unit("LOST")
        raise ValueError("the partner's server refused the report")

    def halfway(now: datetime) -> str:
        _unit("KEPT")
        db.session.commit()
        _unit("LOST")
        raise RuntimeError("second step failed")

    for name, func in (("make", make), ("boom", boom), ("halfway", halfway)):
        job = Job(name, func, {"trigger": "interval", "minutes": 5}, f"test {name}")
        monkeypatch.setitem(JOBS, name, job)
    return seen


def test_a_job_commits_its_work_with_its_outcome(app, jobs, clock):
    run = runner.run("make")
    assert units() == ["MADE"]
    stored = db.session.get(JobRun, run.id)
    assert (stored.job, stored.trigger, stored.outcome) == ("make", "once", "ok")
    assert stored.message == "made one unit"
    assert stored.error is None
    assert stored.instance.startswith("once@")
    assert as_utc(stored.started_at) <= as_utc(stored.finished_at)
    assert stored.duration_ms >= 0
    assert jobs["now"] == clock.now  # the job's now is the scheduler's clock, not the wall clock


def test_a_failing_job_writes_nothing_and_records_the_error(app, jobs):
    run = runner.run("boom")
    assert units() == []
    stored = db.session.get(JobRun, run.id)
    assert stored.outcome == "failed"
    assert stored.message == "ValueError: the partner's server refused the report"
    assert "Traceback (most recent call last)" in stored.error
    assert "in boom" in stored.error
    assert stored.finished_at is not None


def test_what_a_job_committed_itself_stays_when_it_fails_later(app, jobs):
    run = runner.run("halfway")
    assert units() == ["KEPT"]
    assert db.session.get(JobRun, run.id).outcome == "failed"


def test_a_scheduled_time_runs_once_whoever_asks(app, jobs):
    due = datetime(2026, 5, 1, 20, 0, tzinfo=UTC)
    first = runner.run("make", trigger="scheduled", scheduled_for=due, instance="host:1:aaaa")
    second = runner.run("make", trigger="scheduled", scheduled_for=due, instance="host:2:bbbb")
    assert first.outcome == "ok"
    assert second is None
    runs = db.session.scalars(select(JobRun)).all()
    assert [(r.instance, r.outcome) for r in runs] == [("host:1:aaaa", "ok")]
    assert as_utc(runs[0].scheduled_for) == due
    # The next scheduled time is a run of its own.
    third = runner.run("boom", trigger="scheduled", scheduled_for=due + timedelta(minutes=5), instance="x")
    assert third.outcome == "failed"


def test_a_requested_run_is_taken_once(app, jobs):
    requested = runner.request("make", "admin")
    db.session.commit()
    assert runner.requested() == [requested.id]
    claimed = runner.claim_request(requested.id, "host:1:aaaa")
    assert claimed is not None
    assert runner.claim_request(requested.id, "host:2:bbbb") is None
    run = runner.execute(claimed, JOBS["make"].func)
    assert (run.outcome, run.trigger, run.requested_by) == ("ok", "manual", "admin")
    assert run.instance == "host:1:aaaa"
    assert runner.requested() == []


def test_runs_left_running_by_a_dead_instance_are_marked_interrupted(app, jobs):
    dead = runner.claim("make", "scheduled", datetime(2026, 5, 1, tzinfo=UTC), "host:1:dead")
    once = runner.claim("make", "once", datetime(2026, 5, 2, tzinfo=UTC), "once@host:7")
    assert runner.mark_interrupted("host:2:new") == 1
    db.session.expire_all()
    assert db.session.get(JobRun, dead.id).outcome == "failed"
    assert "interrupted" in db.session.get(JobRun, dead.id).message
    assert db.session.get(JobRun, once.id).outcome == "running"


# ---- readiness scheduler --once -------------------------------------------------------------

def test_once_runs_the_job_and_says_how_it_went(runner_cli, jobs):
    result = runner_cli("scheduler", "--once", "make")
    assert result.exit_code == 0, result.output
    assert "make: ok in" in result.output
    assert "made one unit" in result.output
    assert units() == ["MADE"]


def test_once_exits_non_zero_when_the_job_failed(runner_cli, jobs):
    result = runner_cli("scheduler", "--once", "boom")
    assert result.exit_code == 1
    assert "boom: failed after" in result.output
    assert "the partner's server refused the report" in result.output
    assert db.session.scalar(select(JobRun.outcome)) == "failed"


def test_once_names_the_jobs_when_the_job_is_unknown(runner_cli):
    result = runner_cli("scheduler", "--once", "snapshot")
    assert result.exit_code == 2
    assert "unknown job 'snapshot'" in result.output
    for name in JOBS:
        assert name in result.output
    assert db.session.scalar(select(JobRun.id)) is None


def test_once_snapshots_from_a_date_fills_every_day(runner_cli, force, clock):
    today = rules.today()
    start = today - timedelta(days=6)
    result = runner_cli("scheduler", "--once", "snapshots", "--from", start.isoformat())
    assert result.exit_code == 0, result.output
    assert "7 days" in result.output
    days = db.session.scalars(select(UnitSnapshot.as_of).distinct().order_by(UnitSnapshot.as_of)).all()
    assert days == [start + timedelta(days=i) for i in range(7)]
    assert db.session.scalar(select(JobRun.trigger)) == "backfill"


@pytest.mark.parametrize(("args", "message"), [
    (("--once", "snapshots", "--from", "2999-01-01"), "--from 2999-01-01 is after today"),
    (("--from", "2026-01-01"), "--from goes with --once snapshots"),
    (("--once", "snapshots", "--from", "yesterday"), "Invalid value for '--from'"),
])
def test_once_refuses_a_bad_from_and_writes_nothing(runner_cli, clock, args, message):
    result = runner_cli("scheduler", *args)
    assert result.exit_code == 2
    assert message in result.output
    assert db.session.scalar(select(JobRun.id)) is None
    assert db.session.scalar(select(UnitSnapshot.as_of)) is None


def test_from_goes_with_snapshots_only(runner_cli, jobs):
    result = runner_cli("scheduler", "--once", "make", "--from", "2026-01-01")
    assert result.exit_code == 2
    assert "not with make" in result.output


@pytest.fixture
def runner_cli(runner: Any) -> Any:
    """Run `readiness …` against the test app."""
    return lambda *args: runner.invoke(cli, list(args))


def test_old_finished_runs_are_pruned_and_the_rest_kept(app, jobs):
    from readiness.db import utcnow

    now = utcnow()
    old = runner.run("make", trigger="scheduled", scheduled_for=now - timedelta(days=200), instance="x")
    recent = runner.run("boom", trigger="scheduled", scheduled_for=now - timedelta(days=10), instance="x")
    stuck = runner.claim("make", "scheduled", now - timedelta(days=300), "x")  # still running: kept
    kept = {recent.id, stuck.id}
    assert old.outcome == "ok"
    assert runner.prune(180) == 1
    db.session.expire_all()
    assert {r.id for r in db.session.scalars(select(JobRun))} == kept


@pytest.mark.parametrize("name", list(JOBS))
def test_every_registered_job_runs_once_from_the_command_line(runner_cli, clock, name):
    result = runner_cli("scheduler", "--once", name)
    assert result.exit_code == 0, result.output
    assert f"{name}: ok in" in result.output
    run = db.session.scalar(select(JobRun).where(JobRun.job == name))
    assert (run.outcome, run.trigger) == ("ok", "once")
    assert run.message
