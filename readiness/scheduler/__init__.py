"""The scheduler: one registry of jobs (jobs.JOBS) run by one process per database.

`readiness scheduler` runs `serve` (process.py): it waits as a standby until it holds the
database's scheduler lock (lock.py), then runs the jobs of `create_scheduler` on their
schedules until it stops or loses the lock. Never started by create_app or a web
worker: a scheduler there would run once per worker.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

log = logging.getLogger("readiness.scheduler")


class RunTimeExecutor(ThreadPoolExecutor):
    """A thread pool that hands each job its scheduled run time (`scheduled_for=`).

    APScheduler 3 keeps the run time to itself; the run table needs it as the key that
    makes a scheduled run happen once. The rest is APScheduler's own `run_job`.
    """

    def _do_submit_job(self, job: Any, run_times: list[datetime]) -> None:
        def done(future: Any) -> None:
            error = future.exception()
            if error is not None:
                self._run_job_error(job.id, error, error.__traceback__)
            else:
                self._run_job_success(job.id, future.result())

        self._pool.submit(_run_at_times, job, job._jobstore_alias, run_times).add_done_callback(done)


def _run_at_times(job: Any, alias: str, run_times: list[datetime]) -> list[JobExecutionEvent]:
    events = []
    for run_time in run_times:
        late = datetime.now(UTC) - run_time
        if job.misfire_grace_time is not None and late > timedelta(seconds=job.misfire_grace_time):
            log.warning("job %s due at %s missed its window (%s late): skipped", job.id,
                        run_time.isoformat(), late)
            events.append(JobExecutionEvent(EVENT_JOB_MISSED, job.id, alias, run_time))
            continue
        try:
            result = job.func(*job.args, scheduled_for=run_time, **job.kwargs)
        except Exception as error:  # the runner records job failures; this is the runner failing
            log.exception("scheduler could not run job %s", job.id)
            events.append(JobExecutionEvent(EVENT_JOB_ERROR, job.id, alias, run_time, exception=error,
                                            traceback=None))
        else:
            events.append(JobExecutionEvent(EVENT_JOB_EXECUTED, job.id, alias, run_time, retval=result))
    return events


def fire(app: Flask, name: str, instance: str, scheduled_for: datetime | None = None) -> str | None:
    """Run job `name` for its scheduled time (given by RunTimeExecutor) in an app context of its own."""
    from readiness.scheduler import runner

    if scheduled_for is None:
        raise ValueError("fire() runs on a RunTimeExecutor, which gives the scheduled time")
    with app.app_context():
        run = runner.run(name, trigger="scheduled", scheduled_for=scheduled_for, instance=instance)
        return run.outcome if run is not None else None


def create_scheduler(app: Flask, instance: str = "scheduler", *, jobs: dict[str, Any] | None = None,
                     heartbeat: Callable[..., Any] | None = None) -> BlockingScheduler:
    """Return a BlockingScheduler with every enabled job of the registry on its configured trigger.

    Raises schedule.ScheduleError naming the setting when a job's schedule cannot be read.
    `heartbeat` (called as heartbeat(scheduled_for=…)) runs every SCHEDULER_HEARTBEAT_SECONDS.
    """
    # Here, not at the top: importing the models (create_app does) must not import every job.
    from readiness.scheduler import schedule
    from readiness.scheduler.jobs import JOBS

    config = app.config
    scheduler = BlockingScheduler(
        timezone=config["TIMEZONE"],
        executors={"default": RunTimeExecutor(max_workers=4), "heartbeat": RunTimeExecutor(max_workers=1)},
        job_defaults={"coalesce": True, "max_instances": 1,
                      "misfire_grace_time": config["SCHEDULER_MISFIRE_GRACE_SECONDS"]})
    for name, job in (jobs or JOBS).items():
        trigger = schedule.trigger(config, job)
        if trigger is None:
            log.info("job %s is off (%s)", name, schedule.config_key(name))
            continue
        scheduler.add_job(fire, trigger, args=(app, name, instance), id=name, name=name)
    if heartbeat is not None:
        scheduler.add_job(heartbeat, "interval", seconds=float(config["SCHEDULER_HEARTBEAT_SECONDS"]),
                          id="heartbeat", name="heartbeat", executor="heartbeat", misfire_grace_time=None,
                          next_run_time=datetime.now(UTC))
    return scheduler


def configure_logging() -> None:
    """Log the scheduler's start, runs and lock to standard error with times (a service's journal)."""
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
