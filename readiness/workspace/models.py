"""CSV imports started in the browser: the uploaded file, its check, and its progress.

The web process has no worker: a file of many rows is checked and imported by a thread of
the process that received it, which records its progress here so that any process can
show it. A job belongs to the user who uploaded it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from readiness.db import Base, utcnow

#: checking → checked (or refused) → importing → done (or failed)
STATES = ("checking", "checked", "refused", "importing", "done", "failed")
RUNNING = ("checking", "importing")


class ImportJob(Base):
    """One uploaded CSV file on its way in: checked (a dry run), then imported on confirmation."""

    __tablename__ = "import_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes | None] = mapped_column(LargeBinary)  # dropped once imported
    rows: Mapped[int] = mapped_column(default=0)  # data lines in the file (an upper bound of rows)
    state: Mapped[str] = mapped_column(String(20), default="checking")
    phase: Mapped[str] = mapped_column(String(80), default="")
    done_lines: Mapped[int] = mapped_column(default=0)
    total_lines: Mapped[int] = mapped_column(default=0)
    count: Mapped[int | None]  # records it adds (checked) or added (done); problems (refused, failed)
    problems: Mapped[list[Any] | None] = mapped_column(JSON)  # [[line, message, row text], …]
    preview: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # {"header": […], "rows": [[line, …]]}
    background: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def running(self) -> bool:
        """Tell whether a thread is still working on the job."""
        return self.state in RUNNING

    @property
    def percent(self) -> int:
        """Return the progress of the current phase in whole percent."""
        return min(100, 100 * self.done_lines // self.total_lines) if self.total_lines else 0
