"""Running a job: claimed in job_runs, inside the caller's app context, one commit at the end.

A run is first claimed with a row of its own (committed at once): (job, scheduled_for) is
unique, so a second process that wants the same scheduled run gets an integrity error and
skips it. Then `func(now)` runs; its work and the run's outcome are committed together,
or rolled back together and the failure recorded with its traceback.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from readiness.db import utcnow
from readiness.extensions import db
from readiness.scheduler.jobs import JOBS
from readiness.scheduler.models import JobRun, as_utc

log = logging.getLogger("readiness.scheduler")


def clock() -> datetime:
    """Return the scheduler's now, aware UTC; configuration SCHEDULER_CLOCK (a callable) replaces it."""
    fn = current_app.config.get("SCHEDULER_CLOCK")
    now = fn() if fn is not None else utcnow()
    if now.tzinfo is None:
        raise ValueError("SCHEDULER_CLOCK must return an aware datetime")
    return now.astimezone(UTC)


def process_name() -> str:
    """Name this process for the run table when it is not a scheduler instance (`--once`)."""
    return f"once@{socket.gethostname()}:{os.getpid()}"


def run(name: str, *, trigger: str = "once", scheduled_for: datetime | None = None,
        instance: str | None = None, func: Callable[[datetime], str] | None = None) -> JobRun | None:
    """Run job `name` now; return its finished run (None: another process claimed that scheduled run)."""
    job = JOBS[name]
    claimed = claim(name, trigger, scheduled_for or utcnow(), instance or process_name())
    if claimed is None:
        return None
    return execute(claimed, func or job.func)


def claim(name: str, trigger: str, scheduled_for: datetime, instance: str,
          requested_by: str | None = None) -> JobRun | None:
    """Record the run as running and commit; None when (job, scheduled_for) is already taken."""
    run = JobRun(job=name, trigger=trigger, scheduled_for=scheduled_for.astimezone(UTC), started_at=utcnow(),
                 outcome="running", instance=instance, requested_by=requested_by)
    db.session.add(run)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        holder = db.session.scalar(select(JobRun.instance).where(
            JobRun.job == name, JobRun.scheduled_for == scheduled_for.astimezone(UTC)))
        log.warning("job %s scheduled for %s: already run by %s; skipped here", name,
                    scheduled_for.isoformat(), holder or "another process")
        return None
    return run


def request(name: str, user: str) -> JobRun:
    """Ask the scheduler to run job `name` as soon as it can (flushed; the view commits)."""
    if name not in JOBS:
        raise KeyError(name)
    run = JobRun(job=name, trigger="manual", scheduled_for=utcnow(), outcome="requested", requested_by=user)
    db.session.add(run)
    db.session.flush()
    return run


def claim_request(run_id: int, instance: str) -> JobRun | None:
    """Take a requested run for this instance and commit; None when it is gone or taken."""
    taken = db.session.execute(
        update(JobRun).where(JobRun.id == run_id, JobRun.outcome == "requested")
        .values(outcome="running", instance=instance, started_at=utcnow()))
    db.session.commit()
    return db.session.get(JobRun, run_id) if taken.rowcount == 1 else None


def requested() -> list[int]:
    """Return the ids of the runs requested from the admin page, oldest first."""
    return list(db.session.scalars(
        select(JobRun.id).where(JobRun.outcome == "requested").order_by(JobRun.id)))


def execute(run: JobRun, func: Callable[[datetime], str]) -> JobRun:
    """Run a claimed run's function and record how it ended; the job's work commits with the outcome."""
    run_id, name = run.id, run.job
    now = clock()
    log.info("job %s started (%s run %d, scheduled for %s, now %s)", name, run.trigger, run_id,
             as_utc(run.scheduled_for).isoformat(), now.isoformat())
    started = time.perf_counter()
    try:
        message = func(now)
    except BaseException as error:
        db.session.rollback()
        failed = _record_failure(run_id, started, error)
        if not isinstance(error, Exception):
            raise  # an interrupt or exit: recorded, and it goes on
        return failed
    run = db.session.get(JobRun, run_id) or run
    _finish(run, "ok", started, message=_one_line(message))
    try:
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        return _record_failure(run_id, started, error)
    log.info("job %s ok in %.2f s: %s", name, run.duration_ms / 1000, run.message)
    return run


def _finish(run: JobRun, outcome: str, started: float, message: str | None = None,
            error: str | None = None) -> None:
    run.outcome = outcome
    run.finished_at = utcnow()
    run.duration_ms = round((time.perf_counter() - started) * 1000)
    run.message = message
    run.error = error


def _record_failure(run_id: int, started: float, error: BaseException) -> JobRun:
    text = "".join(traceback.format_exception(error))
    run = db.session.get(JobRun, run_id)
    if run is None:  # the claim itself is gone (the tables were emptied): nothing to record into
        raise RuntimeError(f"job run {run_id} vanished while it ran") from error
    _finish(run, "failed", started, message=_one_line(f"{type(error).__name__}: {error}"), error=text)
    db.session.commit()
    log.error("job %s FAILED after %.2f s: %s\n%s", run.job, run.duration_ms / 1000, run.message, text)
    return run


def _one_line(message: object) -> str:
    text = " ".join(str(message or "").split())
    return text[:1000]


def prune(keep_days: int) -> int:
    """Delete the finished runs scheduled more than `keep_days` ago; commit; return how many."""
    cutoff = utcnow() - timedelta(days=keep_days)
    # No evaluation in Python: SQLite hands back times without a zone, which compare with nothing.
    result = db.session.execute(delete(JobRun).where(JobRun.scheduled_for < cutoff,
                                                     JobRun.outcome.in_(("ok", "failed")))
                                .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount


def mark_interrupted(instance: str) -> int:
    """Fail the runs other scheduler instances left running (they stopped before finishing); commit."""
    now = utcnow()
    result = db.session.execute(
        update(JobRun).where(JobRun.outcome == "running", JobRun.trigger.in_(("scheduled", "manual")),
                             JobRun.instance != instance)
        .values(outcome="failed", finished_at=now,
                message="interrupted: the scheduler instance running it stopped before it finished"))
    db.session.commit()
    return result.rowcount
