"""Which expiry warnings were sent: each (person, requirement, expiry, threshold) once."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, SmallInteger, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from readiness.db import Base, utcnow


class ExpiryWarning(Base):
    """A warning queued for a person's requirement whose record expires on `expires_on`.

    A renewed record has a new expiry, so its warnings start afresh.
    """

    __tablename__ = "expiry_warnings"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("personnel.id", ondelete="CASCADE"))
    requirement_id: Mapped[int] = mapped_column(ForeignKey("requirements.id", ondelete="CASCADE"),
                                                index=True)
    expires_on: Mapped[date] = mapped_column(Date)
    threshold: Mapped[int] = mapped_column(SmallInteger)
    queued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        UniqueConstraint("person_id", "requirement_id", "expires_on", "threshold",
                         name="uq_expiry_warnings_key"),
    )
