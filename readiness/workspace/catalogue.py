"""Catalogue pages: courses and standards, list / view / create / edit, with their requirements.

Everyone who reads may look; only admins change the catalogue (as in the API). Input goes
through the API's schemas and services, so the rules are the same wherever it comes from.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required
from flask_wtf import FlaskForm
from marshmallow import Schema, ValidationError
from sqlalchemy import select

from readiness.errors import DomainError
from readiness.extensions import db
from readiness.training import services
from readiness.training.models import Course, Standard
from readiness.training.schemas import CourseInSchema, RequirementInSchema, StandardInSchema
from readiness.workspace import bp
from readiness.workspace.access import cataloguer, reader
from readiness.workspace.forms import ConfirmForm, CourseForm, RequirementForm, StandardForm
from readiness.workspace.records import apply_errors
from readiness.workspace.search import catalogue_matches, words

KINDS: dict[str, dict[str, Any]] = {
    "course": {"model": Course, "form": CourseForm, "schema": CourseInSchema,
               "fields": services.COURSE_FIELDS, "create": services.create_courses,
               "update": services.update_course, "get": services.get_course},
    "standard": {"model": Standard, "form": StandardForm, "schema": StandardInSchema,
                 "fields": services.STANDARD_FIELDS, "create": services.create_standards,
                 "update": services.update_standard, "get": services.get_standard},
}


def _load(schema: Schema, form: FlaskForm, fields: tuple[str, ...],
          **extra: Any) -> dict[str, Any] | None:
    """Load the form's values (and `extra`) through the API schema; put its errors beside the fields."""
    data = {name: getattr(form, name).data for name in fields if hasattr(form, name)}
    try:
        return schema.load({**data, **extra})
    except ValidationError as error:
        apply_errors(form, DomainError("Invalid input.", error.normalized_messages()))
        return None


@bp.get("/courses")
@login_required
def courses():
    """List the courses and standards, optionally those matching a search."""
    reader()
    query = (request.args.get("q") or "").strip()[:100]
    course_stmt = select(Course).order_by(Course.code)
    standard_stmt = select(Standard).order_by(Standard.code)
    if words(query):
        course_stmt = course_stmt.where(catalogue_matches(Course, query))
        standard_stmt = standard_stmt.where(catalogue_matches(Standard, query))
    return render_template("workspace/catalogue.html", courses=list(db.session.scalars(course_stmt)),
                           standards=list(db.session.scalars(standard_stmt)), query=query)


def _show(kind: str, code: str, req_form: RequirementForm | None = None, status: int = 200) -> Any:
    reader()
    entry = KINDS[kind]["get"](code)
    requirements = list(db.session.scalars(services.list_requirements({kind: code})))
    return render_template("workspace/catalogue_entry.html", kind=kind, entry=entry,
                           requirements=requirements, req_form=req_form or RequirementForm(),
                           delete_form=ConfirmForm()), status


@bp.get("/courses/<code>")
@login_required
def course(code: str):
    """Show a course and the requirements that ask for it."""
    return _show("course", code)


@bp.get("/standards/<code>")
@login_required
def standard(code: str):
    """Show a standard and the requirements that ask for it."""
    return _show("standard", code)


def _edit(kind: str, code: str | None) -> Any:
    user = cataloguer()
    spec = KINDS[kind]
    entry = spec["get"](code) if code else None
    form = spec["form"](obj=entry)
    if form.validate_on_submit():
        data = _load(spec["schema"](partial=entry is not None), form, spec["fields"])
        if data is not None:
            try:
                if entry is None:
                    (entry,) = spec["create"]([data], user)
                else:
                    spec["update"](entry, data, user)
            except DomainError as error:
                db.session.rollback()
                apply_errors(form, error)
            else:
                new_code = entry.code
                db.session.commit()
                flash(f"{kind.capitalize()} {new_code} saved.", "success")
                return redirect(url_for(f"workspace.{kind}", code=new_code))
    status = 422 if request.method == "POST" else 200
    return render_template("workspace/catalogue_form.html", kind=kind, entry=entry, form=form), status


@bp.route("/courses/new", methods=["GET", "POST"])
@login_required
def course_new():
    """Add a course to the catalogue (admins)."""
    return _edit("course", None)


@bp.route("/courses/<code>/edit", methods=["GET", "POST"])
@login_required
def course_edit(code: str):
    """Change a course (admins); recorded completions keep their expiry."""
    return _edit("course", code)


@bp.route("/standards/new", methods=["GET", "POST"])
@login_required
def standard_new():
    """Add a standard to the catalogue (admins)."""
    return _edit("standard", None)


@bp.route("/standards/<code>/edit", methods=["GET", "POST"])
@login_required
def standard_edit(code: str):
    """Change a standard (admins)."""
    return _edit("standard", code)


@bp.post("/<any(course, standard):kind>s/<code>/requirements")
@login_required
def requirement_add(kind: str, code: str):
    """Require this course or standard of everyone, a unit subtree and/or a role (admins)."""
    user = cataloguer()
    KINDS[kind]["get"](code)
    form = RequirementForm()
    if form.validate_on_submit():
        data = _load(RequirementInSchema(), form, ("min_level", "unit", "role"), **{kind: code})
        if data is not None:
            try:
                services.create_requirements([data], user)
            except DomainError as error:
                db.session.rollback()
                apply_errors(form, error)
            else:
                db.session.commit()
                flash("Requirement added.", "success")
                return redirect(url_for(f"workspace.{kind}", code=code))
    return _show(kind, code, form, 422)


@bp.post("/requirements/<int:requirement_id>/delete")
@login_required
def requirement_delete(requirement_id: int):
    """Delete a requirement (admins); the records it asked for stay."""
    user = cataloguer()
    requirement = services.get_requirement(requirement_id)
    kind = "course" if requirement.course else "standard"
    code = requirement.course.code if requirement.course else requirement.standard.code  # type: ignore[union-attr]
    if ConfirmForm().validate_on_submit():
        services.delete_requirement(requirement, user)
        db.session.commit()
        flash(f"Requirement {requirement_id} deleted.", "success")
    else:
        flash("The form expired; nothing was deleted. Try again.", "error")
    return redirect(url_for(f"workspace.{kind}", code=code))
