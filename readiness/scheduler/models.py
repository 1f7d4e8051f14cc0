"""What the scheduler records: every run of a job, and the scheduler processes that are alive."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import CheckConstraint, DateTime, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from readiness.db import Base, utcnow

#: requested (from the admin page, waiting for the scheduler) → running → ok or failed
OUTCOMES = ("requested", "running", "ok", "failed")
#: How a run came about: the schedule, `--once`, `--once … --from` (a back-fill), the admin page.
TRIGGERS = ("scheduled", "once", "backfill", "manual")


class JobRun(Base):
    """One run of a job: when it was due, who ran it, how it ended and how long it took.

    (job, scheduled_for) is unique: two processes can never both run the same job for the
    same scheduled time, whatever happens to the scheduler lock.
    """

    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(40))
    trigger: Mapped[str] = mapped_column(String(20))
    scheduled_for: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    requested_by: Mapped[str | None] = mapped_column(String(120))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str] = mapped_column(String(20))
    duration_ms: Mapped[int | None]
    message: Mapped[str | None] = mapped_column(Text)  # the job's one-line summary, or the error's last line
    error: Mapped[str | None] = mapped_column(Text)  # the traceback of a failure
    instance: Mapped[str | None] = mapped_column(String(120))  # the process that ran it

    __table_args__ = (
        UniqueConstraint("job", "scheduled_for"),
        CheckConstraint("outcome IN ('requested', 'running', 'ok', 'failed')", name="outcome_known"),
        CheckConstraint("trigger IN ('scheduled', 'once', 'backfill', 'manual')", name="trigger_known"),
        # The runs that are not over yet: the admin page and the scheduler's pick-up ask for them.
        Index("ix_job_runs_outcome", "outcome"),
        # A job's runs newest first (its history, its last run).
        Index("ix_job_runs_job_id", "job", "id"),
    )

    @property
    def finished(self) -> bool:
        """Tell whether the run is over (ok or failed)."""
        return self.outcome in ("ok", "failed")


class SchedulerInstance(Base):
    """A `readiness scheduler` process: the leader that runs the jobs, or a standby.

    `seen_at` is renewed every heartbeat (leader) or lock attempt (standby); a process that
    died keeps its last `seen_at`, which is how the admin page tells it is gone.
    """

    __tablename__ = "scheduler_instances"

    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int]
    state: Mapped[str] = mapped_column(String(20))  # standby, leader, stopped
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    leader_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("state IN ('standby', 'leader', 'stopped')", name="state_known"),
    )


def as_utc(value: datetime | None) -> datetime | None:
    """Return a stored time as an aware UTC datetime (SQLite gives it back without a zone)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
