"""`readiness scheduler [--once JOB [--from DATE]]`."""

from __future__ import annotations

import sys
from datetime import datetime
from functools import partial

import click
from flask import current_app
from flask.cli import with_appcontext

from readiness.scheduler.jobs import JOBS


@click.command("scheduler")
@click.option("--once", "job_name", metavar="JOB",
              help="Run job JOB now and exit (status 1 if it failed): " + ", ".join(JOBS) + ".")
@click.option("--from", "start", type=click.DateTime(formats=["%Y-%m-%d"]), metavar="DATE",
              help="With --once snapshots: take every day from DATE (YYYY-MM-DD) to today.")
@with_appcontext
def scheduler_command(job_name: str | None, start: datetime | None) -> None:
    """Run the scheduler: one process per database; a second one waits as a standby.

    Jobs, their schedules (SCHEDULE_<JOB>) and the lock are described in the README.
    """
    from readiness.scheduler import configure_logging, runner, schedule
    from readiness.scheduler import snapshots as snapshot_job

    if job_name is None:
        if start is not None:
            _usage("--from goes with --once snapshots.")
        configure_logging()
        from readiness.scheduler.process import serve

        for job in JOBS.values():  # a misread schedule stops the process before it waits for the lock
            try:
                schedule.trigger(current_app.config, job)
            except schedule.ScheduleError as error:
                _usage(str(error))
        sys.exit(serve(current_app._get_current_object()))  # type: ignore[attr-defined]

    if job_name not in JOBS:
        _usage(f"unknown job {job_name!r}; the jobs are: {', '.join(JOBS)}.")
    if start is not None and job_name != "snapshots":
        _usage(f"--from goes with --once snapshots, not with {job_name}.")
    if start is not None and start.date() > snapshot_job.local_date(runner.clock()):
        _usage(f"--from {start.date().isoformat()} is after today.")
    configure_logging()
    func = partial(snapshot_job.run, start=start.date()) if start is not None else None
    run = runner.run(job_name, trigger="backfill" if start is not None else "once", func=func)
    if run is None:  # only a scheduled run can be claimed twice; a once run has its own time
        _usage(f"job {job_name} is already running for this time.")
    seconds = (run.duration_ms or 0) / 1000
    if run.outcome != "ok":
        # The traceback went to the log (standard error) and is kept with the run.
        click.echo(f"{job_name}: failed after {seconds:.1f} s: {run.message}", err=True)
        sys.exit(1)
    click.echo(f"{job_name}: ok in {seconds:.1f} s: {run.message}")


def _usage(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)
