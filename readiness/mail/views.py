"""The admin's outbox pages: every message with its status, attempts and errors; retry and resend."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import func, select

from readiness.auth.scope import ADMIN_ROLES, acting_user, require_role
from readiness.extensions import db
from readiness.mail import services
from readiness.mail.models import STATUSES, OutboxMessage

bp = Blueprint("outbox", __name__, url_prefix="/admin/outbox")
PER_PAGE = 50


def _admin() -> Any:
    user = acting_user()
    require_role(user, ADMIN_ROLES)
    return user


@bp.get("")
@login_required
def index():
    """List the outbox, newest first, optionally one status."""
    _admin()
    status = request.args.get("status") or None
    if status not in (None, *STATUSES):
        status = None
    try:
        page = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page = 1
    stmt = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if status:
        stmt = stmt.where(OutboxMessage.status == status)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = list(db.session.scalars(stmt.limit(PER_PAGE).offset((page - 1) * PER_PAGE)))
    counts = dict(db.session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
    return render_template("mail/outbox.html", rows=rows, status=status, counts=counts, page=page,
                           pages=max(1, (total + PER_PAGE - 1) // PER_PAGE), statuses=STATUSES)


@bp.get("/<int:message_id>")
@login_required
def message(message_id: int):
    """Show one message: recipients, text, attachments, attempts."""
    _admin()
    return render_template("mail/message.html", m=services.get_message(message_id))


@bp.post("/<int:message_id>/retry")
@login_required
def retry(message_id: int):
    """Make a failed or waiting message due now with fresh attempts."""
    user = _admin()
    services.retry(services.get_message(message_id), user)
    db.session.commit()
    flash(f"Message {message_id} will be sent on the outbox job's next run.", "success")
    return redirect(request.form.get("next") or url_for("outbox.message", message_id=message_id))


@bp.post("/<int:message_id>/resend")
@login_required
def resend(message_id: int):
    """Queue a copy of a sent message."""
    user = _admin()
    copy = services.resend(services.get_message(message_id), user)
    db.session.commit()
    flash(f"Message {message_id} queued again as message {copy.id}.", "success")
    return redirect(url_for("outbox.message", message_id=copy.id))
