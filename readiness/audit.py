"""The audit trail: who did what to which record, when, with the changed fields."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from readiness.db import Base, utcnow
from readiness.extensions import db


class AuditEvent(Base):
    """One write to one record."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(20))  # create, update, delete, revoke, import
    entity: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(120))
    changes: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    __table_args__ = (Index("ix_audit_events_entity_key", "entity", "key"),)


def _plain(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def record(actor: Any, action: str, entity: str, key: str,
           changes: dict[str, Any] | None = None) -> None:
    """Add one audit event for `actor` (a user, or None for the system) to the session."""
    db.session.add(AuditEvent(
        user_id=getattr(actor, "id", None),
        actor=getattr(actor, "name", None) or "system",
        action=action, entity=entity, key=key,
        changes={k: _plain(v) for k, v in changes.items()} if changes else None,
    ))


def record_many(actor: Any, action: str, entity: str,
                rows: list[tuple[str, dict[str, Any] | None]]) -> None:
    """Insert audit events for many records in one statement (bulk imports)."""
    if not rows:
        return
    now = utcnow()
    db.session.execute(AuditEvent.__table__.insert(), [
        {"at": now, "user_id": getattr(actor, "id", None),
         "actor": getattr(actor, "name", None) or "system", "action": action,
         "entity": entity, "key": key,
         "changes": {k: _plain(v) for k, v in ch.items()} if ch else None}
        for key, ch in rows
    ])
