"""The home page and the health check."""

from __future__ import annotations

from flask import Blueprint, Flask, jsonify, render_template
from flask_login import current_user, login_required
from sqlalchemy import func, select, text

from readiness.auth.scope import unit_path_filter
from readiness.extensions import db
from readiness.personnel.models import Person
from readiness.units.models import Unit

bp = Blueprint("web", __name__)


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
