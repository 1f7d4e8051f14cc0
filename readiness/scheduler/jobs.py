"""The registry of jobs: one line per job (DESIGN.md §5 names them).

`func(now)` gets an aware UTC datetime from the scheduler's clock, runs inside an app
context, and returns a one-line summary of what it did. The runner commits after it
returns and rolls back if it raises; a job commits in between only where it must keep
external effects one by one (mail that the server accepted, a day of snapshots).
`trigger` holds APScheduler trigger arguments, the default schedule: configuration
`SCHEDULE_<JOB>` (e.g. READINESS_SCHEDULE_SNAPSHOTS) replaces it (see schedule.py).
Local times are in TIMEZONE.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from readiness.expiry.jobs import run_expiry_warnings
from readiness.mail.sender import run_outbox
from readiness.partners.jobs import run_partner_reports
from readiness.reports.jobs import run_pending_certificates
from readiness.scheduler import snapshots


@dataclass(frozen=True)
class Job:
    """A job the scheduler runs."""

    name: str
    func: Callable[[datetime], str]
    trigger: dict[str, Any]  # APScheduler trigger kwargs, e.g. {"trigger": "cron", "hour": 0, "minute": 30}
    description: str


JOBS: dict[str, Job] = {job.name: job for job in (
    Job("snapshots", snapshots.run, {"trigger": "cron", "hour": 23, "minute": 45},
        "Store every unit's readiness of the day for the trend charts; fill days the scheduler missed."),
    Job("expiry-warnings", run_expiry_warnings, {"trigger": "cron", "hour": 7, "minute": 0},
        "Queue warnings of requirements lapsing in 90, 60, 30 or 7 days, each once."),
    Job("partner-reports", run_partner_reports, {"trigger": "cron", "minute": "*/5"},
        "Render and queue the readiness reports of the partners whose schedule is due."),
    Job("outbox", run_outbox, {"trigger": "cron", "second": 0},
        "Send the mail that is due; retry failures with backoff."),
    Job("certificates", run_pending_certificates, {"trigger": "cron", "minute": "2-59/5"},
        "Issue the certificates of recorded completions ahead, so that batches only merge stored files."),
)}
