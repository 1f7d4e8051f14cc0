"""When each job runs: its trigger from configuration, and the next time it fires.

`SCHEDULE_<JOB>` (upper case, `-` as `_`; READINESS_SCHEDULE_SNAPSHOTS in the environment)
replaces a job's default trigger with APScheduler trigger arguments as a mapping (JSON in
the environment: {"trigger": "interval", "minutes": 5}), a crontab line ("45 23 * * *"),
or "off" to disable the job. Cron and date triggers are read in TIMEZONE unless they name
their own `timezone`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from readiness.scheduler.jobs import Job

TRIGGERS: dict[str, type[BaseTrigger]] = {
    "cron": CronTrigger, "interval": IntervalTrigger, "date": DateTrigger}
OFF = ("off", "none", "disabled", "")


class ScheduleError(ValueError):
    """A job's schedule in the configuration cannot be read; the message names the setting."""


def config_key(name: str) -> str:
    """Return the configuration key of a job's schedule: SCHEDULE_EXPIRY_WARNINGS for expiry-warnings."""
    return "SCHEDULE_" + name.upper().replace("-", "_")


def spec(config: Mapping[str, Any], job: Job) -> Any:
    """Return the job's schedule as configured (its default when the configuration says nothing)."""
    return config.get(config_key(job.name), job.trigger)


def trigger(config: Mapping[str, Any], job: Job) -> BaseTrigger | None:
    """Build the job's APScheduler trigger; None when the job is switched off."""
    value = spec(config, job)
    zone = ZoneInfo(config["TIMEZONE"])
    key = config_key(job.name)
    if value is None or value is False or (isinstance(value, str) and value.strip().lower() in OFF):
        return None
    try:
        if isinstance(value, str):
            return CronTrigger.from_crontab(value.strip(), timezone=zone)
        if not isinstance(value, Mapping):
            raise ScheduleError(f"{key}: give trigger arguments, a crontab line or 'off', not {value!r}.")
        kwargs = dict(value)
        kind = kwargs.pop("trigger", "cron")
        if kind not in TRIGGERS:
            raise ScheduleError(f"{key}: unknown trigger {kind!r} (cron, interval or date).")
        if kind in ("cron", "date"):
            kwargs.setdefault("timezone", zone)
        return TRIGGERS[kind](**kwargs)
    except ScheduleError:
        raise
    except (TypeError, ValueError) as error:
        raise ScheduleError(f"{key}: {error}") from error


def describe(config: Mapping[str, Any], job: Job) -> str:
    """Return the job's schedule in words for the admin page."""
    try:
        built = trigger(config, job)
    except ScheduleError as error:
        return f"invalid: {error}"
    if built is None:
        return "off"
    if isinstance(built, IntervalTrigger):
        return f"every {_interval(built.interval)}"
    value = spec(config, job)
    if isinstance(value, str):
        return f"crontab {value.strip()} ({config['TIMEZONE']})"
    if isinstance(built, CronTrigger):
        fields = ", ".join(f"{f.name}={f}" for f in built.fields if not f.is_default)
        return f"cron {fields} ({built.timezone})"
    return str(built)


def _interval(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0 and seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return f"{seconds} s"


def next_run(config: Mapping[str, Any], job: Job, now: datetime,
             last_scheduled: datetime | None) -> datetime | None:
    """Return when the job fires next after `now`; None when it is off.

    An interval counts from when the scheduler started, which only the scheduler knows:
    here it counts from the last scheduled run (or from now, when there is none).
    """
    try:
        built = trigger(config, job)
    except ScheduleError:
        return None
    if built is None:
        return None
    if isinstance(built, IntervalTrigger):
        base = last_scheduled or now
        upcoming = base + built.interval
        while upcoming <= now:
            upcoming += built.interval
        return upcoming
    return built.get_next_fire_time(None, now)
