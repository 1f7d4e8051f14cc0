"""Running a browser import: check it (a dry run) or import it, inline or in a thread of this process.

A job works in its own app context and database session and commits once, at the end,
so a failed import writes nothing; its progress goes through a connection of its own,
so that every process can show it while the import's transaction is still open.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from readiness.auth.models import User
from readiness.db import utcnow
from readiness.extensions import db
from readiness.imports import (
    KINDS,
    CsvImportError,
    Problem,
    csv_records,
    decode,
    import_rows,
    load_text,
    resolve,
)
from readiness.workspace.models import ImportJob

log = logging.getLogger(__name__)

BACKGROUND_ROWS = 10_000  # from this many data lines on a file runs in a thread
MAX_PROBLEMS = 1000  # shown on the page; the count says how many more
PREVIEW_ROWS = 10
#: Threads still running, by job id (tests wait for them; the process ends them with itself).
THREADS: dict[int, threading.Thread] = {}


def background_rows() -> int:
    """Return from how many data lines on an import runs in the background (configurable)."""
    return int(current_app.config.get("IMPORT_BACKGROUND_ROWS", BACKGROUND_ROWS))


def start(job: ImportJob, *, write: bool) -> None:
    """Check (write=False) or import (write=True) the committed job: inline when small, else in a thread."""
    if not job.background:
        run(job.id, write=write)
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    thread = threading.Thread(target=_in_context, args=(app, job.id, write), daemon=True,
                              name=f"import-{job.id}")
    THREADS[job.id] = thread
    thread.start()


def wait(job_id: int, timeout: float = 60) -> None:
    """Wait for the thread of a job, if any, to end."""
    thread = THREADS.get(job_id)
    if thread is not None:
        thread.join(timeout)


def _in_context(app: Flask, job_id: int, write: bool) -> None:
    try:
        with app.app_context():
            try:
                run(job_id, write=write)
            finally:
                db.session.remove()
    finally:
        THREADS.pop(job_id, None)


def _set(job_id: int, **values: Any) -> None:
    """Store progress at once, outside the import's transaction."""
    with db.engine.begin() as connection:
        connection.execute(update(ImportJob).where(ImportJob.id == job_id)
                           .values(updated_at=utcnow(), **values))


class _Progress:
    """A progress bar for imports.load_text that writes to the job every few thousand lines."""

    def __init__(self, job_id: int, total: int) -> None:
        self.job_id, self.total, self.done, self.shown = job_id, total, 0, 0

    def update(self, lines: int) -> None:
        """Count `lines` more lines read."""
        self.done += lines
        if self.done - self.shown >= 2000 or self.done >= self.total:
            self.shown = self.done
            _set(self.job_id, done_lines=min(self.done, self.total))


@contextmanager
def _progress(job_id: int, total: int) -> Iterator[_Progress]:
    _set(job_id, total_lines=total, done_lines=0)
    yield _Progress(job_id, total)


def _problems(items: list[Problem], text: str) -> list[list[Any]]:
    lines = text.splitlines()
    return [[p.line, p.message, lines[p.line - 1][:300] if 0 < p.line <= len(lines) else ""]
            for p in items[:MAX_PROBLEMS]]


def preview_of(text: str, label: str) -> dict[str, Any]:
    """Return the header and first rows of a CSV text, as the file has them."""
    try:
        header, records = csv_records(text, label)
        rows = []
        for line, cells in records:
            rows.append([line, *cells])
            if len(rows) == PREVIEW_ROWS:
                break
    except CsvImportError:
        return {"header": [], "rows": []}
    return {"header": header, "rows": rows}


def run(job_id: int, *, write: bool) -> None:
    """Check or import a job in the current app context; record the outcome on the job."""
    job = db.session.get(ImportJob, job_id)
    if job is None:
        return
    kind, label, content = KINDS[job.kind], job.filename, job.content or b""
    actor = db.session.get(User, job.user_id) if job.user_id is not None else None
    phase = "Importing" if write else "Checking"
    _set(job_id, state="importing" if write else "checking", phase=f"{phase}: reading the rows")
    text = ""
    try:
        schema, _ = resolve(kind)
        text = decode(content, label)
        loaded = load_text(text, schema(), label, lambda total: _progress(job_id, total))
        _set(job_id, phase=f"{phase}: checking references" + (" and writing" if write else ""))
        created = import_rows(kind, loaded, label, actor)
        db.session.flush()
        count = len(created)
    except CsvImportError as error:
        db.session.rollback()
        _finish(job_id, "failed" if write else "refused", problems=_problems(error.items, text),
                count=len(error.items))
        return
    except IntegrityError as error:
        db.session.rollback()
        _finish(job_id, "failed" if write else "refused",
                problems=[[0, f"the database refused the import: {error.orig}", ""]])
        return
    except Exception:  # a bug must not leave the job running forever
        db.session.rollback()
        log.exception("import job %s failed", job_id)
        _finish(job_id, "failed", problems=[[0, "an unexpected error stopped the import; nothing was "
                                                "written. Tell the administrator.", ""]])
        raise
    if not write:
        db.session.rollback()
        _finish(job_id, "checked", count=count, preview=preview_of(text, label))
        return
    # The outcome is written in the import's own transaction: both or neither.
    db.session.execute(update(ImportJob).where(ImportJob.id == job_id).values(
        state="done", count=count, content=None, finished_at=utcnow(), updated_at=utcnow(),
        phase="Imported", done_lines=ImportJob.total_lines))
    db.session.commit()


def _finish(job_id: int, state: str, **values: Any) -> None:
    now = utcnow()
    _set(job_id, state=state, finished_at=now, phase=state.capitalize(),
         **({"content": None} if state in ("refused", "failed") else {}), **values)
