"""Pages: certificates in the user's scope (list, batches, re-issue), and the public verification pages."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select

from readiness.auth.scope import READ_ROLES, RECORD_ROLES, acting_user, require_role, unit_path_filter
from readiness.engine.rules import today
from readiness.errors import DomainError, describe_errors
from readiness.extensions import db
from readiness.records import codes
from readiness.records.services import list_completions
from readiness.reports import api, batches, certificates, limits, verification
from readiness.reports.models import Certificate
from readiness.reports.schemas import FORMATS
from readiness.training.models import Course
from readiness.units.models import Unit

certificates_bp = Blueprint("certificates", __name__, url_prefix="/certificates")
verify_bp = Blueprint("verify", __name__, url_prefix="/verify")

#: Completions listed on the certificates page.
LIST_SIZE = 100


def _date(text: str | None) -> tuple[date | None, str | None]:
    if not text:
        return None, None
    try:
        return date.fromisoformat(text), None
    except ValueError:
        return None, f"{text!r} is not a date: use YYYY-MM-DD."


@certificates_bp.get("")
@login_required
def index():
    """List completions in the user's scope with their certificates; batch download and re-issue."""
    user = acting_user()
    require_role(user, READ_ROLES)
    form = {k: (request.args.get(k) or "").strip() for k in ("course", "completed_on", "unit")}
    completed_on, date_error = _date(form["completed_on"])
    filters: dict[str, Any] = {k: form[k] for k in ("course", "unit") if form[k]}
    if completed_on:
        filters.update(completed_from=completed_on, completed_to=completed_on)
    rows = list(db.session.scalars(
        list_completions(filters, unit_path_filter(user, Unit.path)).limit(LIST_SIZE)).unique())
    issued = {c.completion_id: c for c in db.session.scalars(
        select(Certificate).where(Certificate.completion_id.in_([r.id for r in rows]),
                                  Certificate.superseded_by_id.is_(None)))} if rows else {}
    courses = db.session.execute(select(Course.code, Course.title).order_by(Course.code)).all()
    return render_template("certificates/index.html", rows=rows, issued=issued, form=form,
                           date_error=date_error, courses=courses, formats=FORMATS,
                           can_reissue=user.role in RECORD_ROLES, today=today(),
                           long_date=certificates.long_date, limit=LIST_SIZE)


@certificates_bp.get("/batch")
@login_required
def batch():
    """Download the certificates of a roster or a unit as one PDF or a ZIP; back to the list on an error."""
    user = acting_user()
    require_role(user, READ_ROLES)
    course = (request.args.get("course") or "").strip() or None
    unit = (request.args.get("unit") or "").strip() or None
    completed_on, error = _date((request.args.get("completed_on") or "").strip())
    fmt = request.args.get("format") if request.args.get("format") in FORMATS else "pdf"
    if error is None and unit is None and (course is None or completed_on is None):
        error = "Choose a roster (a course and its date) or a unit."
    if error is None:
        try:
            found = batches.batch(user, course=course, completed_on=completed_on, unit=unit)
            content, name, mimetype = api.batch_file(found, fmt)
            db.session.commit()
            return api.file_response(content, name, mimetype, attachment=True)
        except DomainError as exc:
            db.session.rollback()
            error = exc.message
    flash(error, "error")
    return redirect(url_for("certificates.index", **{k: v for k, v in request.args.items()
                                                     if k in {"course", "completed_on", "unit"}}))


@certificates_bp.post("/<int:completion_id>/reissue")
@login_required
def reissue(completion_id: int):
    """Re-issue a certificate with a new number (a corrected name or rank)."""
    user = acting_user()
    try:
        require_role(user, RECORD_ROLES)
        cert = certificates.reissue(api.visible_completion(completion_id), user)
        db.session.commit()
        flash(f"Issued certificate {cert.code}; the previous number now answers as superseded.", "info")
    except DomainError as exc:
        db.session.rollback()
        flash("; ".join([exc.message, *describe_errors(exc.errors or {})]), "error")
    return redirect(request.referrer or url_for("certificates.index"))


@verify_bp.get("")
@limits.verify_rate
def form():
    """Show the form: a certificate number, or a PDF to upload (a number in ?code= goes to its page)."""
    text = (request.args.get("code") or "").strip()
    if text:
        code = codes.normalize_code(text)
        if code is not None:
            return redirect(url_for("verify.show", code=code))
        error = "A certificate number has 12 letters and digits, e.g. 7KQ2-MX9D-4TRA."
        return render_template("verify/form.html", code=text, error=error), 422
    return render_template("verify/form.html", code="", error=None)


@verify_bp.post("")
@limits.verify_rate
def upload():
    """Check an uploaded PDF against the fingerprints of every certificate issued."""
    try:
        content = api.read_upload()
    except DomainError as exc:
        return render_template("verify/form.html", code="", error=exc.message), 422
    answer = api.upload_answer(content)
    return render_template("verify/upload.html", answer=answer, filename=request.files["file"].filename,
                           long_date=certificates.long_date)


@verify_bp.get("/<code>")
@limits.verify_rate
def show(code: str):
    """Show what a certificate number stands for today."""
    try:
        found = verification.verify_code(code)
    except DomainError as exc:
        return render_template("verify/form.html", code=code, error=exc.message), exc.status
    if found.code != code:
        return redirect(url_for("verify.show", code=found.code))
    return render_template("verify/result.html", v=found, long_date=certificates.long_date)


def register(app: Flask) -> None:
    """Register the pages and the rate limiter (the API blueprints go through the Api)."""
    limits.init_app(app)
    app.register_blueprint(certificates_bp)
    app.register_blueprint(verify_bp)
