"""The outbox: messages waiting for the SMTP server, and the files they carry."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from readiness.db import Base, utcnow

STATUSES = ("queued", "sent", "failed")


class StoredFile(Base):
    """File bytes kept once by their SHA-256, so a resend attaches exactly what was sent."""

    __tablename__ = "stored_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int]
    # Deferred: lists never need the bytes.
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class OutboxMessage(Base):
    """One e-mail: queued until the SMTP server accepted it (sent), or given up (failed).

    `next_attempt_at`: when a queued message is due. `claim`, `claimed_until`: the runner
    that is sending it, until when; another runner leaves it alone until then.
    """

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    recipients: Mapped[list[str]] = mapped_column(JSON)
    subject: Mapped[str] = mapped_column(String(400))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claim: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: The message this one repeats (an admin's resend).
    resent_from_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_messages.id"))

    attachments: Mapped[list[OutboxAttachment]] = relationship(
        back_populates="message", order_by="OutboxAttachment.id", cascade="all, delete-orphan")

    __table_args__ = (
        CheckConstraint("status IN ('queued', 'sent', 'failed')", name="status_known"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        # The job's question: which queued messages are due.
        Index("ix_outbox_messages_due", "status", "next_attempt_at"),
    )

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.status}>"


class OutboxAttachment(Base):
    """A file attached to a message; the bytes live in stored_files."""

    __tablename__ = "outbox_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="CASCADE"), index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    mimetype: Mapped[str] = mapped_column(String(100))

    message: Mapped[OutboxMessage] = relationship(back_populates="attachments")
    file: Mapped[StoredFile] = relationship(lazy="joined", innerjoin=True)



def aware(moment: datetime | None) -> datetime | None:
    """Return a stored time as aware UTC (SQLite hands back naive UTC)."""
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
