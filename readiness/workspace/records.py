"""Recording one completion or one standard result, a completion's page, and revoking it."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from readiness import audit
from readiness.audit import AuditEvent
from readiness.auth.scope import in_scope
from readiness.engine import rules
from readiness.errors import DomainError, NotFoundError
from readiness.extensions import db
from readiness.personnel.models import Person
from readiness.records.services import (
    create_attainments,
    create_completions,
    get_completion,
    revoke_completion,
)
from readiness.training import slp
from readiness.training.models import Completion, Course, Standard
from readiness.workspace import bp
from readiness.workspace.access import reader, recorder
from readiness.workspace.forms import CompletionForm, ResultForm, RevokeForm, options


def apply_errors(form: FlaskForm, error: DomainError) -> None:
    """Show a service's errors beside the fields they name; the rest above the form."""
    errors: Any = error.errors or {}
    if set(errors) == {0}:
        errors = errors[0]  # one row sent: its errors are field → messages
    shown = False
    for name, messages in errors.items():
        field = getattr(form, str(name), None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, *messages]
            shown = True
    if not shown:
        form.form_errors.append(error.message)


def course_choices() -> list[SelectChoice]:
    """Return the options of a course picker: every course, by code."""
    rows = db.session.execute(select(Course.code, Course.title).order_by(Course.code))
    return options([("", "— choose a course —"), *((code, f"{code} — {title}") for code, title in rows)])


def standard_choices() -> list[SelectChoice]:
    """Return the options of a standard picker, saying which take an SLP profile."""
    rows = db.session.execute(select(Standard.code, Standard.title, Standard.scale).order_by(Standard.code))
    return options([("", "— choose a standard —"),
                    *((code, f"{code} — {title}" + (" (SLP)" if scale == "slp" else " (pass/fail)"))
                      for code, title, scale in rows)])


def person_in_scope(service_number: str | None, user: Any) -> Person | None:
    """Return the person with this number if `user` may see them, else None."""
    if not service_number:
        return None
    person = db.session.scalar(select(Person).where(Person.service_number == service_number))
    return person if person is not None and in_scope(user, person.unit) else None


@bp.route("/record", methods=["GET", "POST"])
@login_required
def record():
    """Record one course completion; on success show it with its certificate link."""
    user = recorder()
    form = CompletionForm(data={"service_number": request.args.get("service_number"),
                                "course": request.args.get("course")} if request.method == "GET" else None)
    form.course.choices = course_choices()
    today = rules.today()
    valid = form.validate_on_submit()
    if form.completed_on.data and form.completed_on.data > today:
        form.completed_on.errors.append(f"Must not be after today ({today.isoformat()}).")
        valid = False
    if valid and (done := _save_completion(form, user, today)) is not None:
        return done
    status = 422 if request.method == "POST" else 200
    return render_template("workspace/record.html", form=form, today=today,
                           person=person_in_scope(form.service_number.data, user)), status


def _save_completion(form: CompletionForm, user: Any, today: Any) -> Any:
    """Record the form's completion; return the redirect to it, or None with the errors on the form."""
    row = {"service_number": form.service_number.data, "course": form.course.data,
           "completed_on": form.completed_on.data, "score": form.score.data}
    try:
        (completion,) = create_completions([row], user, today=today)
    except DomainError as error:
        db.session.rollback()
        apply_errors(form, error)
        return None
    if form.note.data:
        # Completions have no note column: the note is kept in the audit trail.
        audit.record(user, "note", "completion", completion.verification_code, {"note": form.note.data})
    completion_id = completion.id
    db.session.commit()
    flash("Completion recorded. Its certificate is ready.", "success")
    return redirect(url_for("workspace.completion", completion_id=completion_id))


def visible_completion(completion_id: int, user: Any) -> Completion:
    """Return the completion if its person lies in `user`'s scope; 404 otherwise."""
    try:
        completion = get_completion(completion_id)
    except NotFoundError:
        completion = None
    if completion is None or not in_scope(user, completion.person.unit):
        raise NotFoundError(f"Completion {completion_id} not found.")
    return completion


def completion_page(completion: Completion, form: RevokeForm, status: int = 200) -> Any:
    """Render a completion with its notes, revoke form and audit trail."""
    events = list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity == "completion",
                                 AuditEvent.key == completion.verification_code)
        .order_by(AuditEvent.at, AuditEvent.id)))
    notes = [e for e in events if e.action == "note"]
    return render_template("workspace/completion.html", c=completion, form=form, events=events,
                           notes=notes, today=rules.today()), status


@bp.get("/completions/<int:completion_id>")
@login_required
def completion(completion_id: int):
    """Show one completion: who, what, when, its certificate, and whether it was revoked."""
    user = reader()
    return completion_page(visible_completion(completion_id, user), RevokeForm())


@bp.post("/completions/<int:completion_id>/revoke")
@login_required
def revoke(completion_id: int):
    """Revoke a completion with a reason; it stays on record, marked revoked."""
    user = recorder()
    completion = visible_completion(completion_id, user)
    form = RevokeForm()
    if not form.validate_on_submit():
        return completion_page(completion, form, 422)
    try:
        revoke_completion(completion, form.reason.data, user)
    except DomainError as error:
        db.session.rollback()
        form.reason.errors.append(error.message)
        return completion_page(visible_completion(completion_id, user), form, 409)
    db.session.commit()
    flash("Completion revoked. It stays on record, marked revoked, with your reason.", "success")
    return redirect(url_for("workspace.completion", completion_id=completion_id))


@bp.route("/results/new", methods=["GET", "POST"])
@login_required
def record_result():
    """Record a result against a standard; a STANAG 6001 profile is checked as typed."""
    user = recorder()
    form = ResultForm(data={"service_number": request.args.get("service_number"),
                            "standard": request.args.get("standard")} if request.method == "GET" else None)
    form.standard.choices = standard_choices()
    today = rules.today()
    if form.validate_on_submit():
        row = {"service_number": form.service_number.data, "standard": form.standard.data,
               "level": form.level.data, "assessed_on": form.assessed_on.data}
        try:
            (result,) = create_attainments([row], user, today=today)
        except DomainError as error:
            db.session.rollback()
            apply_errors(form, error)
        else:
            shown = slp.display(result.level) if result.standard.scale == "slp" else result.level
            db.session.commit()
            flash(f"Result recorded: {form.standard.data} {shown} for {form.service_number.data}.", "success")
            return redirect(url_for("workspace.person", service_number=form.service_number.data) + "#att-h")
    scales = dict(db.session.execute(select(Standard.code, Standard.scale)).all())
    status = 422 if request.method == "POST" else 200
    return render_template("workspace/result.html", form=form, today=today, scales=scales,
                           person=person_in_scope(form.service_number.data, user)), status
