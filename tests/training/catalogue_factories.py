"""Factory functions for catalogue entries and requirements (through the services)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from readiness.audit import AuditEvent
from readiness.extensions import db
from readiness.training.models import Course, Requirement, Standard
from readiness.training.services import create_courses, create_requirements, create_standards


def make_course(code: str, *, title: str | None = None, provider: str = "PTEC",
                kind: str = "individual", validity_months: int | None = 36) -> Course:
    """Create and commit a course."""
    (course,) = create_courses([{"code": code, "title": title or f"Course {code}",
                                 "provider": provider, "kind": kind,
                                 "validity_months": validity_months}], None)
    db.session.commit()
    return course


def make_standard(code: str, *, scale: str = "slp", body: str = "NATO", title: str | None = None,
                  validity_months: int | None = 60) -> Standard:
    """Create and commit a standard."""
    (standard,) = create_standards([{"code": code, "title": title or f"Standard {code}",
                                     "body": body, "scale": scale,
                                     "validity_months": validity_months}], None)
    db.session.commit()
    return standard


def make_requirement(**fields: Any) -> Requirement:
    """Create and commit a requirement from codes (course or standard, unit, role, min_level)."""
    row = {"course": None, "standard": None, "min_level": None, "unit": None, "role": None, **fields}
    (requirement,) = create_requirements([row], None)
    db.session.commit()
    return requirement


def count(model: type[Any]) -> int:
    """Return how many rows `model` has."""
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def audit_events(entity: str) -> list[AuditEvent]:
    """Return the audit events about `entity`, oldest first."""
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity == entity).order_by(AuditEvent.id)))
