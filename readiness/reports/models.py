"""Issued certificates: the PDF exactly as it left the ministry, with its fingerprint."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from readiness.db import Base, utcnow
from readiness.training.models import Completion


class Certificate(Base):
    """A rendered certificate of a completion; never changed and never deleted once stored.

    `number` counts the documents of one completion (1 is the first; a re-issue adds one
    with a new `code` and marks the previous one superseded). Holder, course and dates
    are kept as printed, so verification shows what the paper says even after the
    records change. Revocation lives on the completion.
    """

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    completion_id: Mapped[int] = mapped_column(ForeignKey("completions.id"), index=True)
    number: Mapped[int] = mapped_column(Integer, default=1)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int]
    # Deferred: lists and verification never need the bytes.
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    holder: Mapped[str] = mapped_column(String(400))
    course: Mapped[str] = mapped_column(String(400))
    provider: Mapped[str] = mapped_column(String(200))
    completed_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    issued_by: Mapped[str] = mapped_column(String(120))
    superseded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))

    completion: Mapped[Completion] = relationship(lazy="joined", innerjoin=True)
    superseded_by: Mapped[Certificate | None] = relationship(remote_side=[id])

    __table_args__ = (UniqueConstraint("completion_id", "number"),)

    def __repr__(self) -> str:
        return f"<Certificate {self.code}>"
