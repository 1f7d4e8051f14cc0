"""Real `readiness scheduler` processes against the test database: one leads, a second waits as a
standby and takes over when the first is killed, and no scheduled run ever happens twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from readiness.extensions import db
from readiness.scheduler import runner
from readiness.scheduler.jobs import JOBS
from readiness.scheduler.models import JobRun, SchedulerInstance, as_utc
from readiness.scheduler.schedule import config_key
from tests.factories import make_unit

READINESS = str(Path(sys.executable).parent / "readiness")
#: Every second divisible by two: two leaders would both fire at the same scheduled times.
EVERY_TWO_SECONDS = '{"trigger": "cron", "second": "*/2"}'


class Scheduler:
    """A `readiness scheduler` subprocess with its log in a file."""

    def __init__(self, database_url: str, log: Path, **env: str) -> None:
        self.log_path = log
        # Only the snapshots run, every two seconds; the others are off for these tests.
        others = {f"READINESS_{config_key(name)}": "off" for name in JOBS if name != "snapshots"}
        environment = {**os.environ, "DATABASE_URL": database_url, **others,
                       "READINESS_SCHEDULE_SNAPSHOTS": EVERY_TWO_SECONDS,
                       "READINESS_SCHEDULER_HEARTBEAT_SECONDS": "0.5",
                       "READINESS_SCHEDULER_STANDBY_POLL_SECONDS": "0.3", **env}
        self.out = log.open("wb")
        self.proc = subprocess.Popen([READINESS, "scheduler"], env=environment,  # noqa: S603 - our own script
                                     stdout=self.out, stderr=subprocess.STDOUT)
        self.name: str | None = None

    def log(self) -> str:
        """Return what the process logged so far."""
        return self.log_path.read_text(errors="replace")

    def instance(self) -> SchedulerInstance | None:
        """Return this process's row in scheduler_instances (by its pid)."""
        db.session.rollback()
        return db.session.scalar(select(SchedulerInstance).where(SchedulerInstance.pid == self.proc.pid))

    def state(self) -> str | None:
        """Return this process's recorded state."""
        row = self.instance()
        if row is not None:
            self.name = row.name
        return row.state if row is not None else None

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Send `sig` and return the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=30)
        finally:
            self.out.close()


@pytest.fixture
def start(database_url: str, tmp_path: Path) -> Iterator[Callable[..., Scheduler]]:
    """Start scheduler processes; every one still running at the end is killed."""
    started: list[Scheduler] = []

    def launch(**env: str) -> Scheduler:
        s = Scheduler(database_url, tmp_path / f"scheduler-{len(started)}.log", **env)
        started.append(s)
        return s

    yield launch
    for s in started:
        if s.proc.poll() is None:
            s.proc.kill()
            s.proc.wait(timeout=30)
        s.out.close()


def wait_for(condition: Callable[[], Any], what: str, timeout: float = 40,
             logs: tuple[Scheduler, ...] = ()) -> Any:
    """Wait for another process to bring `condition` about (polling the database), or fail saying what."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}\n" + "\n".join(f"--- {s.log_path.name}:\n{s.log()}"
                                                                       for s in logs))


def runs() -> list[JobRun]:
    """Every job run, oldest first."""
    db.session.rollback()
    return list(db.session.scalars(select(JobRun).order_by(JobRun.scheduled_for)))


def test_a_standby_takes_over_when_the_leader_dies_and_nothing_runs_twice(app, start):
    make_unit("BN", authorized_strength=10)
    first = start()
    wait_for(lambda: first.state() == "leader", "the first scheduler to lead", logs=(first,))
    second = start()
    wait_for(lambda: second.state() == "standby" and "standby:" in second.log(), "the second to wait",
             logs=(first, second))
    assert first.name in second.log()  # the standby says who holds the lock
    wait_for(lambda: len([r for r in runs() if r.outcome == "ok"]) >= 3, "three runs of the leader",
             logs=(first, second))
    assert {r.instance for r in runs()} == {first.name}
    assert second.state() == "standby"
    # "Run now" from the admin page: the leader picks the request up at its next heartbeat.
    asked = runner.request("snapshots", "admin")
    db.session.commit()
    wait_for(lambda: any(r.id == asked.id and r.outcome == "ok" and r.instance == first.name for r in runs()),
             "the leader to run the requested run", logs=(first, second))

    first.stop(signal.SIGKILL)
    killed_at = datetime.now().astimezone()
    wait_for(lambda: second.state() == "leader", "the standby to take over", logs=(second,))
    wait_for(lambda: any(r.instance == second.name and r.outcome == "ok" for r in runs()),
             "a run by the new leader", logs=(second,))
    assert second.stop() == 0
    assert second.state() == "stopped"

    done = runs()
    assert len({(r.job, as_utc(r.scheduled_for)) for r in done}) == len(done)
    assert all(as_utc(r.scheduled_for).second % 2 == 0 for r in done)
    # Nothing of the standby's before the leader died; nothing of the leader's after.
    assert all(as_utc(r.scheduled_for) > killed_at for r in done if r.instance == second.name)
    assert "already run by" not in second.log()
    # A run the leader died in is failed as interrupted by the new leader; every other run is ok.
    for r in done:
        interrupted = r.instance == first.name and "interrupted" in (r.message or "")
        assert r.outcome == "ok" or interrupted, r.message
    assert f"instance {second.name} holds the scheduler lock" in second.log()
    for process in (first, second):  # the heartbeat's housekeeping and the runs went without a hitch
        assert "Traceback" not in process.log()
        assert "heartbeat of instance" not in process.log()


def test_two_leaders_by_mistake_still_run_each_scheduled_time_once(app, start, database_url, tmp_path):
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's advisory lock cannot be sidestepped by configuration; the unique key "
                    "alone is tested in test_runner.py")
    make_unit("BN")
    # Separate lock files: the lock no longer protects, the run table's unique key must.
    one = start(READINESS_SCHEDULER_LOCK_FILE=str(tmp_path / "one.lock"))
    two = start(READINESS_SCHEDULER_LOCK_FILE=str(tmp_path / "two.lock"))
    wait_for(lambda: one.state() == "leader" and two.state() == "leader", "both to lead", logs=(one, two))
    wait_for(lambda: len(runs()) >= 5 and "already run by" in one.log() + two.log(),
             "five runs, some claimed by the other", logs=(one, two))
    one.stop()
    two.stop()
    done = runs()
    assert len({(r.job, as_utc(r.scheduled_for)) for r in done}) == len(done)
    assert {r.job for r in done} == {"snapshots"}
    assert all(r.outcome == "ok" for r in done)


def test_sigterm_stops_a_standby_at_once(app, start):
    leader = start()
    wait_for(lambda: leader.state() == "leader", "the leader", logs=(leader,))
    standby = start()
    wait_for(lambda: standby.state() == "standby", "the standby", logs=(standby,))
    assert standby.stop() == 0
    assert standby.state() == "stopped"
    assert leader.state() == "leader"


def test_a_misread_schedule_stops_the_process_before_it_waits(app, start):
    bad = start(READINESS_SCHEDULE_SNAPSHOTS='{"trigger": "cron", "hour": 25}')
    assert bad.proc.wait(timeout=60) == 2
    assert "SCHEDULE_SNAPSHOTS" in bad.log()
    assert bad.instance() is None
