"""The `snapshots` job: today's readiness of every unit, and the days missed since the last run."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

from readiness.engine import snapshots
from readiness.errors import InvalidError
from readiness.extensions import db


def local_date(now: datetime) -> date:
    """Return the calendar date of `now` in the configured time zone."""
    return now.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).date()


def run(now: datetime, start: date | None = None) -> str:
    """Snapshot today (in TIMEZONE) and the missed days before it; `start`: every day from it.

    Each day is committed as it is taken, so a failure keeps the days before it and the
    next run goes on from there.
    """
    today = local_date(now)
    if start is not None and start > today:
        raise InvalidError(f"The first day {start.isoformat()} is after today ({today.isoformat()}).")
    days, skipped = snapshots.dates_to_take(today, int(current_app.config["SNAPSHOT_BACKFILL_DAYS"]), start)
    taken = snapshots.take_many(days, db.session.commit)
    keep = current_app.config.get("SNAPSHOT_REQUIREMENT_KEEP_DAYS")
    pruned = snapshots.forget_requirements_before(today - timedelta(days=int(keep))) if keep else 0
    units = taken[-1].units if taken else 0
    rows = sum(t.requirement_rows for t in taken)
    span = days[0].isoformat() if len(days) == 1 else f"{len(days)} days, {days[0]} to {days[-1]}"
    summary = f"snapshot of {units} units for {span} ({rows} requirement rows)"
    if skipped:
        bound = current_app.config["SNAPSHOT_BACKFILL_DAYS"]
        summary += (f"; {skipped} earlier missed days left out (SNAPSHOT_BACKFILL_DAYS = {bound}; "
                    "`--once snapshots --from DATE` fills them)")
    if pruned:
        summary += f"; {pruned} requirement rows older than {keep} days deleted"
    return summary
