"""`readiness scheduler`: wait as a standby until this process holds the lock, then run the jobs.

The leader renews its instance row and checks its lock every SCHEDULER_HEARTBEAT_SECONDS,
and starts the runs requested from the admin page. When it loses the lock (its database
connection died) it stops scheduling and goes back to waiting. A standby tries the lock
every SCHEDULER_STANDBY_POLL_SECONDS. SIGTERM or SIGINT stops either after the running
jobs end.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import signal
import socket
import threading
import time
from datetime import datetime, timedelta
from typing import Any

from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.base import STATE_RUNNING
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask
from sqlalchemy import delete, or_, select

from readiness.db import utcnow
from readiness.extensions import db
from readiness.scheduler import create_scheduler, runner
from readiness.scheduler.jobs import JOBS
from readiness.scheduler.lock import LeaderLock, lock_for
from readiness.scheduler.models import SchedulerInstance, as_utc

log = logging.getLogger("readiness.scheduler")

#: Instances not seen for this long are forgotten by the leader.
FORGET_AFTER = timedelta(days=7)
#: How often the leader deletes old runs (JOB_RUNS_KEEP_DAYS).
PRUNE_EVERY = 3600.0


def instance_name() -> str:
    """Name this process: host, pid and a random tag (a pid is reused after a restart)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(2)}"


class Process:
    """One `readiness scheduler` process."""

    def __init__(self, app: Flask, name: str | None = None) -> None:
        self.app = app
        self.name = name or instance_name()
        self.lock: LeaderLock = lock_for(app.config, self.name)
        self.stop = threading.Event()
        self.scheduler: BlockingScheduler | None = None
        self.lost = False
        self.pruned_at: float | None = None

    # ---- the instance row ---------------------------------------------------------------------

    def _touch(self, state: str, *, leader: bool = False) -> None:
        """Record that this instance is alive in `state` (its own transaction)."""
        try:
            with self.app.app_context():
                row = db.session.get(SchedulerInstance, self.name)
                now = utcnow()
                if row is None:
                    host, pid = socket.gethostname(), os.getpid()
                    row = SchedulerInstance(name=self.name, host=host, pid=pid, state=state, started_at=now)
                    db.session.add(row)
                row.state, row.seen_at = state, now
                if leader:
                    row.leader_since = now
                elif state != "leader":
                    row.leader_since = None
                db.session.commit()
        except Exception as error:  # the row is for people; the lock decides
            log.warning("could not record instance %s as %s: %s", self.name, state, error)

    def _holder(self) -> str:
        """Say which instance the database last saw leading, for the standby's log."""
        try:
            with self.app.app_context():
                row = db.session.scalar(select(SchedulerInstance).where(SchedulerInstance.state == "leader")
                                        .order_by(SchedulerInstance.seen_at.desc()).limit(1))
                if row is None:
                    return "another process"
                seen = as_utc(row.seen_at)
                ago = (utcnow() - seen).total_seconds() if seen else 0
                return f"{row.name} (last seen {ago:.0f} s ago)"
        except Exception:  # the log line is informative only
            return "another process"

    # ---- the loop -----------------------------------------------------------------------------

    def serve(self) -> int:
        """Run until stopped: standby until the lock is ours, then lead; return the exit status."""
        poll = float(self.app.config["SCHEDULER_STANDBY_POLL_SECONDS"])
        jobs = ", ".join(JOBS)
        log.info("scheduler instance %s starting (%s; jobs: %s)", self.name, self.lock.where, jobs)
        self._touch("standby")
        waiting = False
        try:
            while not self.stop.is_set():
                if not self.lock.acquire():
                    if not waiting:
                        log.warning("standby: %s holds the scheduler lock; instance %s waits and takes over "
                                    "when it stops (trying every %g s)", self._holder(), self.name, poll)
                        waiting = True
                    self._touch("standby")
                    self.stop.wait(poll)
                    continue
                waiting = False
                self._lead()
                if not self.stop.is_set():
                    log.error("instance %s lost the scheduler lock: jobs stopped; back to standby", self.name)
                    self.lock.release()
        finally:
            self.lock.release()
            self._touch("stopped")
            log.info("scheduler instance %s stopped", self.name)
        return 0

    def _lead(self) -> None:
        log.info("instance %s holds the scheduler lock: running the jobs", self.name)
        self._touch("leader", leader=True)
        try:
            with self.app.app_context():
                interrupted = runner.mark_interrupted(self.name)
        except Exception as error:  # bookkeeping only: the jobs still run
            log.warning("could not mark the runs of stopped instances: %s", error)
            interrupted = 0
        if interrupted:
            log.warning("%d run(s) left running by a stopped instance marked failed (interrupted)",
                        interrupted)
        self.lost = False
        self.pruned_at: float | None = None
        self.scheduler = create_scheduler(self.app, self.name, heartbeat=self._heartbeat)
        for job in self.scheduler.get_jobs():
            if job.id != "heartbeat":
                log.info("job %s: %s", job.id, job.trigger)
        if self.stop.is_set():
            return
        self.scheduler.start()  # blocks until shutdown
        self.scheduler = None

    def _heartbeat(self, scheduled_for: datetime | None = None) -> None:
        """Check the lock, renew this instance's row, start requested runs; stop when told or lock lost."""
        scheduler = self.scheduler
        if scheduler is None:
            return
        if self.stop.is_set():
            _shutdown(scheduler, wait=False)
            return
        if not self.lock.check():
            self.lost = True
            _shutdown(scheduler, wait=False)
            return
        self._touch("leader")
        try:
            with self.app.app_context():
                self._housekeeping()
                for run_id in runner.requested():
                    scheduler.add_job(self._run_requested, args=(run_id,), id=f"request-{run_id}",
                                      name=f"request-{run_id}", misfire_grace_time=None,
                                      replace_existing=True)
        except Exception as error:  # the next heartbeat tries again
            log.warning("heartbeat of instance %s: %s", self.name, error)

    def _run_requested(self, run_id: int, scheduled_for: datetime | None = None) -> None:
        with self.app.app_context():
            run = runner.claim_request(run_id, self.name)
            if run is not None:
                runner.execute(run, JOBS[run.job].func)

    def _housekeeping(self) -> None:
        """Once an hour: forget instances long gone and delete old finished runs."""
        if self.pruned_at is not None and time.monotonic() - self.pruned_at < PRUNE_EVERY:
            return
        self.pruned_at = time.monotonic()
        keep = int(self.app.config["JOB_RUNS_KEEP_DAYS"])
        pruned = runner.prune(keep)
        if pruned:
            log.info("deleted %d finished run(s) older than %d days", pruned, keep)
        cutoff = utcnow() - FORGET_AFTER
        db.session.execute(delete(SchedulerInstance).where(
            SchedulerInstance.seen_at < cutoff, or_(SchedulerInstance.state != "leader",
                                                    SchedulerInstance.name != self.name))
                           .execution_options(synchronize_session=False))
        db.session.commit()

    def terminate(self, signum: int, _frame: Any = None) -> None:
        """Stop after the running jobs end (a signal handler)."""
        log.info("instance %s: signal %d: stopping after the running jobs", self.name, signum)
        self.stop.set()
        scheduler = self.scheduler
        if scheduler is not None and scheduler.state == STATE_RUNNING:
            _shutdown(scheduler, wait=True)


def _shutdown(scheduler: BlockingScheduler, *, wait: bool) -> None:
    # Stopped meanwhile by the other path (signal or heartbeat): nothing more to do.
    with contextlib.suppress(SchedulerNotRunningError):
        scheduler.shutdown(wait=wait)


def serve(app: Flask) -> int:
    """Run the scheduler process until SIGTERM or SIGINT; return its exit status."""
    process = Process(app)
    signal.signal(signal.SIGTERM, process.terminate)
    signal.signal(signal.SIGINT, process.terminate)
    return process.serve()
