"""Admin pages: the jobs with their schedules, next and last runs; a job's run history; the scheduler
processes and which of them holds the lock. "Run now" asks the scheduler process to run a job
(the web process never runs one itself)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required
from flask_wtf import FlaskForm
from sqlalchemy import func, select, union_all

from readiness.auth.scope import ADMIN_ROLES, acting_user, require_role
from readiness.db import utcnow
from readiness.errors import NotFoundError
from readiness.extensions import db
from readiness.scheduler import runner, schedule
from readiness.scheduler.jobs import JOBS, Job
from readiness.scheduler.models import OUTCOMES, JobRun, SchedulerInstance, as_utc

bp = Blueprint("scheduler", __name__, url_prefix="/admin/jobs")

PER_PAGE = 50
#: An instance not seen for this many heartbeats is taken for gone.
STALE_HEARTBEATS = 4


class RunForm(FlaskForm):
    """The "Run now" button (a CSRF token and nothing else)."""


def _admin() -> Any:
    user = acting_user()
    require_role(user, ADMIN_ROLES)
    return user


def _job(name: str) -> Job:
    if name not in JOBS:
        raise NotFoundError(f"No job {name!r}; the jobs are: {', '.join(JOBS)}.")
    return JOBS[name]


def _local(value: datetime | None) -> str:
    """Show a stored time in the configured zone, to the second."""
    aware = as_utc(value)
    if aware is None:
        return "—"
    return aware.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).strftime("%Y-%m-%d %H:%M:%S")


def _ago(value: datetime | None, now: datetime) -> str:
    aware = as_utc(value)
    if aware is None:
        return "never"
    seconds = max(0, int((now - aware).total_seconds()))
    for unit, size in (("day", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if unit == 'day' and n != 1 else ''} ago"
    return f"{seconds} s ago"


def _duration(ms: int | None) -> str:
    if ms is None:
        return "—"
    if ms < 1000:
        return f"{ms} ms"
    seconds = ms / 1000
    return f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {"local_time": _local, "run_duration": _duration}


def _instances(now: datetime) -> dict[str, Any]:
    """The scheduler processes: who leads, who waits, and whether the leader is alive."""
    beat = float(current_app.config["SCHEDULER_HEARTBEAT_SECONDS"])
    poll = float(current_app.config["SCHEDULER_STANDBY_POLL_SECONDS"])
    rows = list(db.session.scalars(select(SchedulerInstance).order_by(SchedulerInstance.seen_at.desc())
                                   .limit(20)))
    shown = []
    for row in rows:
        limit = STALE_HEARTBEATS * (beat if row.state == "leader" else poll)
        seen = as_utc(row.seen_at)
        alive = row.state != "stopped" and seen is not None and (now - seen).total_seconds() <= limit
        shown.append({"row": row, "alive": alive, "seen": _ago(row.seen_at, now)})
    leader = next((i for i in shown if i["row"].state == "leader" and i["alive"]), None)
    return {"instances": shown, "leader": leader, "heartbeat": beat}


@bp.get("")
@login_required
def jobs():
    """List the jobs: schedule, next run, last run and its outcome, recent failures; and the processes."""
    _admin()
    now = utcnow()
    config = current_app.config
    finished = (JobRun.outcome.in_(("ok", "failed")))
    # One statement per question for all jobs, each read through the (job, id) index.
    last_ids = union_all(*(select(func.max(JobRun.id).label("id")).where(JobRun.job == name, finished)
                           for name in JOBS)).subquery()
    last = {r.job: r for r in db.session.scalars(select(JobRun).where(JobRun.id.in_(select(last_ids.c.id))))}
    last_ok = dict(db.session.execute(select(JobRun.job, func.max(JobRun.finished_at))
                                      .where(JobRun.outcome == "ok").group_by(JobRun.job)).all())
    last_scheduled = dict(db.session.execute(
        select(JobRun.job, func.max(JobRun.scheduled_for)).where(JobRun.trigger == "scheduled")
        .group_by(JobRun.job)).all())
    week = now - timedelta(days=7)
    failures = dict(db.session.execute(select(JobRun.job, func.count())
                                       .where(JobRun.outcome == "failed", JobRun.scheduled_for >= week)
                                       .group_by(JobRun.job)).all())
    pending: dict[str, list[JobRun]] = {}
    for run in db.session.scalars(select(JobRun).where(JobRun.outcome.in_(("requested", "running")))
                                  .order_by(JobRun.id)):
        pending.setdefault(run.job, []).append(run)
    rows = []
    for name, job in JOBS.items():
        upcoming = schedule.next_run(config, job, now, as_utc(last_scheduled.get(name)))
        rows.append({"job": job, "schedule": schedule.describe(config, job),
                     "config_key": schedule.config_key(name), "next": upcoming,
                     "last": last.get(name), "last_ok": last_ok.get(name), "failures": failures.get(name, 0),
                     "pending": pending.get(name, [])})
    return render_template("scheduler/jobs.html", rows=rows, form=RunForm(), now=now,
                           timezone=config["TIMEZONE"], **_instances(now))


@bp.get("/<name>")
@login_required
def history(name: str):
    """Show a job's runs, newest first, optionally only those with one outcome."""
    _admin()
    job = _job(name)
    outcome = request.args.get("outcome")
    if outcome not in OUTCOMES:
        outcome = None
    stmt = select(JobRun).where(JobRun.job == name)
    if outcome:
        stmt = stmt.where(JobRun.outcome == outcome)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    pages = max(1, -(-total // PER_PAGE))
    page = request.args.get("page", "1")
    page_no = min(int(page), pages) if page.isdigit() and int(page) > 0 else 1
    runs = list(db.session.scalars(stmt.order_by(JobRun.id.desc()).limit(PER_PAGE)
                                   .offset((page_no - 1) * PER_PAGE)))
    return render_template("scheduler/history.html", job=job, runs=runs, total=total, page=page_no,
                           pages=pages, outcome=outcome, outcomes=OUTCOMES, form=RunForm(),
                           schedule=schedule.describe(current_app.config, job),
                           args={"name": name, **({"outcome": outcome} if outcome else {})})


@bp.post("/<name>/run")
@login_required
def run_now(name: str):
    """Ask the scheduler process to run the job now; it picks the request up within a heartbeat."""
    user = _admin()
    _job(name)
    form = RunForm()
    if not form.validate_on_submit():
        flash("The form expired; try again.", "error")
        return redirect(url_for("scheduler.jobs"))
    waiting = db.session.scalar(select(JobRun).where(JobRun.job == name,
                                                     JobRun.outcome.in_(("requested", "running")))
                                .order_by(JobRun.id).limit(1))
    if waiting is not None:
        flash(f"{name} is already {waiting.outcome} (run {waiting.id}); nothing more asked.", "error")
        return redirect(url_for("scheduler.history", name=name))
    run = runner.request(name, user.name)
    db.session.commit()
    now = utcnow()
    if _instances(now)["leader"] is None:
        flash(f"Run {run.id} of {name} is requested, but no scheduler is running: it waits until one "
              f"starts. `readiness scheduler --once {name}` runs it now from a shell.", "error")
    else:
        flash(f"Run {run.id} of {name} is requested: the scheduler starts it within "
              f"{current_app.config['SCHEDULER_HEARTBEAT_SECONDS']:g} s.", "success")
    return redirect(url_for("scheduler.history", name=name))
