"""CSV import in the browser: upload, a preview from the dry run, confirm; large files in the background."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select

from readiness.db import utcnow
from readiness.errors import NotFoundError
from readiness.extensions import db
from readiness.imports import KINDS, expected_columns, resolve
from readiness.workspace import bp, jobs
from readiness.workspace.access import recorder
from readiness.workspace.forms import ConfirmForm, ImportForm, options
from readiness.workspace.models import ImportJob

STALE = timedelta(minutes=30)  # no progress for this long: the job's process is gone
MAX_BYTES = 40 * 1024 * 1024  # a national roster of completions is a few megabytes
#: What a training officer may import; admins import everything (units and the catalogue too).
RECORD_KINDS = ("personnel", "completions", "attainments", "evaluations", "pledges")


def allowed_kinds(user: Any) -> list[str]:
    """Return the kinds of import open to `user`."""
    return list(KINDS) if user.role == "admin" else [k for k in KINDS if k in RECORD_KINDS]


def columns_help(kinds: list[str]) -> dict[str, tuple[list[str], set[str]]]:
    """Return, per kind, the columns its file may have and those it must have."""
    return {kind: expected_columns(resolve(KINDS[kind])[0]()) for kind in kinds}


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; they were stored in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def own_job(job_id: int, user: Any) -> ImportJob:
    """Return the job if `user` started it (admins: any job); 404 otherwise."""
    job = db.session.get(ImportJob, job_id)
    if job is None or (job.user_id != user.id and user.role != "admin"):
        raise NotFoundError(f"Import {job_id} not found.")
    return job


@bp.route("/imports", methods=["GET", "POST"])
@login_required
def imports():
    """Upload a CSV file; it is checked first and imported only once confirmed."""
    user = recorder()
    kinds = allowed_kinds(user)
    form = ImportForm(data={"kind": request.args.get("kind")} if request.method == "GET" else None)
    form.kind.choices = options((k, KINDS[k].name.capitalize()) for k in kinds)
    if form.validate_on_submit():
        upload = form.file.data
        content = upload.read(MAX_BYTES + 1)
        if len(content) > MAX_BYTES:
            form.file.errors.append(f"The file is larger than {MAX_BYTES // 1024 // 1024} MB: split it.")
        elif not content.strip():
            form.file.errors.append("The file is empty.")
        else:
            lines = content.count(b"\n") + (not content.endswith(b"\n"))
            job = ImportJob(user_id=user.id, kind=form.kind.data, filename=upload.filename or "upload.csv",
                            content=content, rows=max(0, lines - 1),
                            background=lines - 1 >= jobs.background_rows())
            db.session.add(job)
            db.session.commit()
            job_id = job.id
            jobs.start(job, write=False)
            return redirect(url_for("workspace.import_job", job_id=job_id))
    recent = list(db.session.scalars(select(ImportJob).where(ImportJob.user_id == user.id)
                                     .order_by(ImportJob.id.desc()).limit(10)))
    status = 422 if request.method == "POST" else 200
    return render_template("workspace/imports.html", form=form, recent=recent,
                           columns=columns_help(kinds), background_rows=jobs.background_rows()), status


@bp.get("/imports/<int:job_id>")
@login_required
def import_job(job_id: int):
    """Show an import: its progress, the preview of its check, or its result."""
    user = recorder()
    job = own_job(job_id, user)
    if job.running and job.id not in jobs.THREADS and utcnow() - _aware(job.updated_at) > STALE:
        # No thread here and no progress for long: the process that ran it has ended, and
        # with it the import's transaction, so nothing was written.
        job.state, job.phase, job.content = "failed", "Interrupted", None
        job.problems = [[0, "The import was interrupted (the server restarted); nothing was written. "
                            "Upload the file again.", ""]]
        db.session.commit()
    return render_template("workspace/import_job.html", job=job, form=ConfirmForm(),
                           noun=KINDS[job.kind].noun(job.count or 0))


@bp.post("/imports/<int:job_id>/confirm")
@login_required
def import_confirm(job_id: int):
    """Import a checked file; it is checked again as it goes in, and all of it or nothing is written."""
    user = recorder()
    job = own_job(job_id, user)
    if not ConfirmForm().validate_on_submit():
        flash("The form expired; nothing was imported. Confirm again.", "error")
    elif job.state != "checked":
        flash("This file is not waiting for confirmation.", "error")
    else:
        job.state, job.phase = "importing", "Importing: waiting to start"
        db.session.commit()
        jobs.start(job, write=True)
        if not job.background:
            db.session.expire_all()
            job = own_job(job_id, user)
            if job.state == "done":
                flash(f"Imported {job.count} {KINDS[job.kind].noun(job.count or 0)}.", "success")
    return redirect(url_for("workspace.import_job", job_id=job_id))
