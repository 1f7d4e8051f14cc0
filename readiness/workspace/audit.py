"""Audit pages: who changed what and when, before and after, per record and per user."""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask_login import login_required
from sqlalchemy import func, select

from readiness.audit import AuditEvent
from readiness.auth.models import User
from readiness.auth.scope import in_scope
from readiness.errors import NotFoundError
from readiness.extensions import db
from readiness.personnel.models import Person
from readiness.training.models import Completion
from readiness.units.models import Unit
from readiness.workspace import bp
from readiness.workspace.access import page_number, reader

PER_PAGE = 100
#: Entities anyone who reads may audit: the catalogue is not confined to units.
CATALOGUE = ("course", "standard", "requirement")
ENTITIES = ("person", "completion", "attainment", "unit", *CATALOGUE)


def _visible_record(entity: str, key: str, user: Any) -> str | None:
    """Check that `user` may see the record; return the service number of its person, if any."""
    missing = NotFoundError(f"No {entity} {key!r} in your scope.")
    if entity not in ENTITIES:
        raise NotFoundError(f"Unknown kind of record {entity!r}.")
    if entity in CATALOGUE:
        return None
    if entity == "unit":
        unit = db.session.scalar(select(Unit).where(Unit.code == key))
        # A deleted unit's trail is the admins' to read.
        if (unit is None and user.unit is not None) or (unit is not None and not in_scope(user, unit)):
            raise missing
        return None
    number = key.split("/", 1)[0] if entity == "attainment" else key
    if entity == "completion":
        number = db.session.scalar(
            select(Person.service_number).join(Completion, Completion.person_id == Person.id)
            .where(Completion.verification_code == key))
    person = db.session.scalar(select(Person).where(Person.service_number == number)) if number else None
    if person is None or not in_scope(user, person.unit):
        raise missing
    return person.service_number


@bp.get("/audit/<entity>/<path:key>")
@login_required
def record_audit(entity: str, key: str):
    """Show every change to one record, oldest first."""
    user = reader()
    service_number = _visible_record(entity, key, user)
    events = list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity == entity, AuditEvent.key == key)
        .order_by(AuditEvent.at, AuditEvent.id)))
    completion_id = None
    if entity == "completion":
        completion_id = db.session.scalar(select(Completion.id).where(Completion.verification_code == key))
    return render_template("workspace/audit_record.html", entity=entity, key=key, events=events,
                           service_number=service_number, completion_id=completion_id)


def may_see_user(user: Any, name: str) -> bool:
    """Tell whether `user` may read the changes made by `name` (admins: anyone's; others: their own)."""
    return user.role == "admin" or user.name == name


@bp.get("/audit/users/<name>")
@login_required
def user_audit(name: str):
    """Show what one user changed, newest first (admins see anyone's; others their own)."""
    user = reader()
    if not may_see_user(user, name):
        raise NotFoundError(f"No user {name!r} whose changes you may see.")
    who = db.session.scalar(select(User).where(User.name == name))
    stmt = select(AuditEvent).where(AuditEvent.actor == name)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    if who is None and not total:
        raise NotFoundError(f"No user {name!r}.")
    page = page_number()
    events = list(db.session.scalars(stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                                     .limit(PER_PAGE).offset((page - 1) * PER_PAGE)))
    return render_template("workspace/audit_user.html", name=name, who=who, events=events, total=total,
                           page=page, pages=max(1, -(-total // PER_PAGE)))
