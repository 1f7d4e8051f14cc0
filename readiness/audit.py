"""The audit trail: who did what to which record, when, with the changed fields."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from typing import Any

import orjson
from sqlalchemy import JSON, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from readiness.db import Base, copy_rows, utcnow
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


#: From this many events on, they go in sorted by key, and PostgreSQL loads them with COPY.
BULK_FROM = 500
_COLUMNS = ("at", "user_id", "actor", "action", "entity", "key", "changes")


def _plain(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def _unknown(value: Any) -> Any:
    raise TypeError(f"Cannot keep a {type(value).__name__} in the audit trail.")


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
    """Insert audit events for many records in one executemany (bulk imports)."""
    if not rows:
        return
    connection = db.session.connection()
    dialect = connection.dialect
    table = AuditEvent.__table__
    if len(rows) >= BULK_FROM:
        # Sorted by key: the index on (entity, key) is then written in order, not all over.
        rows = sorted(rows, key=lambda row: row[0])
    # Bind values are prepared once here and handed to the driver as they are: SQLAlchemy's
    # per-row parameter processing was most of the time of a 100,000-row import.
    now = utcnow()
    if dialect.name == "sqlite":  # adapted once here, not by the driver for every row
        adapt = sqlite3.adapters.get((datetime, sqlite3.PrepareProtocol))
        now = adapt(now) if adapt else now
    else:
        at = table.c.at.type.bind_processor(dialect)
        now = at(now) if at else now
    user_id, name = getattr(actor, "id", None), getattr(actor, "name", None) or "system"
    # orjson writes dates as ISO text, as _plain does, in a tenth of json.dumps's time.
    params = [
        (now, user_id, name, action, entity, key,
         orjson.dumps(ch, default=_unknown, option=orjson.OPT_NON_STR_KEYS).decode() if ch else None)
        for key, ch in rows
    ]
    if dialect.name == "postgresql" and len(params) >= BULK_FROM:
        copy_rows(connection, table, list(_COLUMNS), params)
        return
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    columns = ", ".join(dialect.identifier_preparer.quote(c) for c in _COLUMNS)
    connection.exec_driver_sql(
        # Only fixed column names and placeholders are interpolated; values are parameters.
        f"INSERT INTO audit_events ({columns}) VALUES ({', '.join([marker] * 7)})",  # noqa: S608
        params,
    )
