"""Units: a tree of any depth, with a materialised path for subtree queries."""

from __future__ import annotations

from sqlalchemy import DDL, CheckConstraint, ForeignKey, Index, String, event
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


# No unit may become its own ancestor: a new parent must not lie in the unit's subtree,
# which the materialised path answers without recursion. The same SQL is in migration 0001.
NO_CYCLE_SQLITE = """
CREATE TRIGGER units_no_cycle BEFORE UPDATE OF parent_id ON units
WHEN NEW.parent_id IS NOT NULL AND EXISTS (
    SELECT 1 FROM units AS p WHERE p.id = NEW.parent_id AND p.path LIKE OLD.path || '%')
BEGIN
    SELECT RAISE(ABORT, 'a unit cannot become its own ancestor');
END
"""
NO_CYCLE_POSTGRESQL = """
CREATE FUNCTION units_no_cycle() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.parent_id IS NOT NULL AND EXISTS (
        SELECT 1 FROM units AS p WHERE p.id = NEW.parent_id AND p.path LIKE OLD.path || '%')
    THEN
        RAISE EXCEPTION 'a unit cannot become its own ancestor';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER units_no_cycle BEFORE UPDATE OF parent_id ON units
    FOR EACH ROW EXECUTE FUNCTION units_no_cycle();
"""
# DDL() formats its text with %, so the LIKE wildcard is doubled there.
event.listen(Unit.__table__, "after_create",
             DDL(NO_CYCLE_SQLITE.replace("%", "%%")).execute_if(dialect="sqlite"))
event.listen(Unit.__table__, "after_create",
             DDL(NO_CYCLE_POSTGRESQL.replace("%", "%%")).execute_if(dialect="postgresql"))
