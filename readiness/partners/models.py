"""Partners, the report documents rendered for them, and every delivery."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from readiness.db import Base, utcnow
from readiness.mail.models import OutboxMessage, StoredFile
from readiness.units.models import Unit

LANGUAGES = {"en": "English", "az": "Azərbaycanca"}
EDITIONS = ("partner", "full")
TRIGGERS = ("schedule", "manual", "resend")

partner_units = Table(
    "partner_units", Base.metadata,
    Column("partner_id", ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("units.id"), primary_key=True, index=True),
)

delivery_documents = Table(
    "partner_delivery_documents", Base.metadata,
    Column("delivery_id", ForeignKey("partner_deliveries.id", ondelete="CASCADE"), primary_key=True),
    Column("document_id", ForeignKey("report_documents.id"), primary_key=True, index=True),
)


class Partner(Base):
    """An organisation that receives readiness reports by e-mail; it has no login.

    `schedule`: a crontab expression in the configured time zone (null: on request only).
    `next_due_at`: the next time the schedule asks for a report (UTC); a run that comes late
    sends once and moves it past the time of the run, so missed slots are not repeated.
    """

    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    emails: Mapped[list[str]] = mapped_column(JSON)
    language: Mapped[str] = mapped_column(String(5), default="en")
    edition: Mapped[str] = mapped_column(String(10), default="partner")
    schedule: Mapped[str | None] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(default=True)
    next_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    units: Mapped[list[Unit]] = relationship(secondary=partner_units, order_by=Unit.code, lazy="selectin")

    __table_args__ = (
        CheckConstraint("language IN ('en', 'az')", name="language_known"),
        CheckConstraint("edition IN ('partner', 'full')", name="edition_known"),
    )

    def __repr__(self) -> str:
        return f"<Partner {self.id} {self.name}>"


class ReportDocument(Base):
    """A readiness report rendered for a delivery; its bytes are kept, so a resend is identical."""

    __tablename__ = "report_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[str] = mapped_column(String(60), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    as_of: Mapped[date] = mapped_column(Date)
    edition: Mapped[str] = mapped_column(String(10))
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    unit: Mapped[Unit] = relationship(lazy="joined", innerjoin=True)
    file: Mapped[StoredFile] = relationship(lazy="joined", innerjoin=True)


class Delivery(Base):
    """One sending of reports to a partner: what, to whom, when, and how it went.

    The outcome is the outbox message's (queued, sent, failed); a delivery whose reports
    could not be rendered has no message and says why in `error`.
    """

    __tablename__ = "partner_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    as_of: Mapped[date] = mapped_column(Date)
    edition: Mapped[str] = mapped_column(String(10))
    language: Mapped[str] = mapped_column(String(5))
    recipients: Mapped[list[str]] = mapped_column(JSON)
    trigger: Mapped[str] = mapped_column(String(10))
    requested_by: Mapped[str] = mapped_column(String(120))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_messages.id"), index=True)
    error: Mapped[str | None] = mapped_column(Text)
    resent_from_id: Mapped[int | None] = mapped_column(ForeignKey("partner_deliveries.id"))

    partner: Mapped[Partner] = relationship(lazy="joined", innerjoin=True)
    message: Mapped[OutboxMessage | None] = relationship(lazy="joined")
    documents: Mapped[list[ReportDocument]] = relationship(
        secondary=delivery_documents, order_by=ReportDocument.id, lazy="selectin")

    __table_args__ = (
        CheckConstraint("trigger IN ('schedule', 'manual', 'resend')", name="trigger_known"),
        Index("ix_partner_deliveries_partner", "partner_id", "id"),
    )

    @property
    def status(self) -> str:
        """queued, sent or failed: the outbox message's status (failed when none was made)."""
        return self.message.status if self.message is not None else "failed"
