"""Personnel: the roster as it is today."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from readiness.db import Base
from readiness.units.models import Unit

STATUSES = ("active", "deployed", "unavailable", "separated")


class Person(Base):
    """A member of the force, identified by service number."""

    __tablename__ = "personnel"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_number: Mapped[str] = mapped_column(String(32), unique=True)
    rank: Mapped[str] = mapped_column(String(60))
    family_name: Mapped[str] = mapped_column(String(100))
    given_name: Mapped[str] = mapped_column(String(100))
    patronymic: Mapped[str | None] = mapped_column(String(100))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    role: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(20), default="active")
    earmarked: Mapped[bool] = mapped_column(default=False)
    email: Mapped[str | None] = mapped_column(String(254))

    unit: Mapped[Unit] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (
        CheckConstraint(
            "status IN ('active', 'deployed', 'unavailable', 'separated')", name="status_known"
        ),
        CheckConstraint("length(service_number) > 0", name="service_number_not_empty"),
        Index("ix_personnel_unit_id_role", "unit_id", "role"),
        Index("ix_personnel_family_name", "family_name"),
    )

    @property
    def full_name(self) -> str:
        """Given name, patronymic and family name, as printed on certificates."""
        parts = [self.given_name, self.patronymic, self.family_name]
        return " ".join(p for p in parts if p)

    def __repr__(self) -> str:
        return f"<Person {self.service_number}>"
