"""Units: a tree of any depth, with a materialised path for subtree queries."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from readiness.db import Base


class Unit(Base):
    """A unit; `path` is '/id/…/id/' from the root, so a subtree is a prefix match."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    authorized_strength: Mapped[int] = mapped_column(default=0)
    path: Mapped[str] = mapped_column(String(1000), default="")
    depth: Mapped[int] = mapped_column(default=0)

    parent: Mapped[Unit | None] = relationship(remote_side=[id], lazy="joined", innerjoin=False)

    __table_args__ = (
        CheckConstraint("authorized_strength >= 0", name="authorized_strength_not_negative"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        CheckConstraint("length(code) > 0", name="code_not_empty"),
        Index("ix_units_path", "path"),
    )

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"
