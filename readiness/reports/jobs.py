"""The `certificates` job: issue ahead the certificates of recorded completions that have none.

A batch printed afterwards finds every certificate stored and only merges the files, so
the roster a user prints is ready in a second instead of being rendered while they wait.
Each run issues at most CERTIFICATES_PER_RUN, oldest recorded first, in the runner's one
transaction (rendered by the worker processes from CERTIFICATE_PARALLEL_MIN on); what is
left waits for the next run. If a user's request issues one of the same certificates at
the same moment, the run fails on the unique (completion, number) key and rolls back
whole; the next run issues the rest, and the user keeps the certificate they were served.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app

from readiness.reports.certificates import issue_pending


def per_run() -> int:
    """Return CERTIFICATES_PER_RUN, refusing anything but a whole number of at least 1."""
    limit = current_app.config.get("CERTIFICATES_PER_RUN")
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError("CERTIFICATES_PER_RUN must be a whole number of certificates, at least 1; "
                         f"got {limit!r}.")
    return limit


def run_pending_certificates(now: datetime) -> str:
    """Issue the certificates still missing, at most CERTIFICATES_PER_RUN (the `certificates` job)."""
    limit = per_run()
    issued = issue_pending(limit)
    summary = f"{issued} certificate{'' if issued == 1 else 's'} issued"
    return summary + (" (the most a run issues: any others wait for the next run)" if issued == limit else "")
