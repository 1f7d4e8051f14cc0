"""The home page and the health check."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select, text

from readiness.auth.scope import unit_path_filter
from readiness.extensions import db
from readiness.personnel.models import Person
from readiness.units.models import Unit

bp = Blueprint("web", __name__)

ALL_ROLES = ("admin", "training_officer", "commander", "viewer")
WRITE_ROLES = ("admin", "training_officer")

# The navigation of every page: label, endpoint, roles that see it. An entry shows only
# once its endpoint exists, so each domain's pages appear as they are built.
NAV: list[tuple[str, str, tuple[str, ...]]] = [
    ("Units", "web.index", ALL_ROLES),
    ("Readiness", "dashboard.home", ALL_ROLES),
    ("People", "workspace.people", ALL_ROLES),
    ("Record training", "workspace.record", WRITE_ROLES),
    ("Class roster", "workspace.roster", WRITE_ROLES),
    ("Import", "workspace.imports", WRITE_ROLES),
    ("Catalogue", "workspace.courses", ALL_ROLES),
    ("Interoperability", "interop.index", ALL_ROLES),
    ("Certificates", "certificates.index", ALL_ROLES),
    ("Verify", "verify.form", ALL_ROLES),
    ("Partners", "partner_pages.index", ("admin",)),
    ("Outbox", "outbox.index", ("admin",)),
    ("Jobs", "scheduler.jobs", ("admin",)),
]


def _nav() -> dict[str, Any]:
    if not current_user.is_authenticated:
        return {"nav": []}
    views = current_app.view_functions
    # Single-entry blueprints are "current" on any of their pages.
    single = {"dashboard", "certificates", "verify", "partner_pages", "outbox", "scheduler", "interop"}
    items = [(label, url_for(endpoint),
              endpoint.split(".")[0] + "." if endpoint.split(".")[0] in single else endpoint)
             for label, endpoint, roles in NAV
             if endpoint in views and current_user.role in roles]
    return {"nav": items}


@bp.route("/")
@login_required
def index():
    """Show the units in the user's scope with their people counts."""
    user = current_user._get_current_object()
    counts = (
        select(Person.unit_id, func.count().label("people"))
        .group_by(Person.unit_id).subquery()
    )
    rows = db.session.execute(
        select(Unit, func.coalesce(counts.c.people, 0))
        .outerjoin(counts, counts.c.unit_id == Unit.id)
        .where(unit_path_filter(user, Unit.path))
        .order_by(Unit.path)
    ).all()
    return render_template("index.html", rows=rows)


@bp.route("/healthz")
def healthz():
    """Answer 200 when the database answers, 503 otherwise."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means unhealthy
        db.session.rollback()
        return jsonify(status="unavailable", database=str(exc.__class__.__name__)), 503
    return jsonify(status="ok", database="ok")


def init_app(app: Flask) -> None:
    """Register the pages."""
    app.register_blueprint(bp)
    app.context_processor(_nav)
