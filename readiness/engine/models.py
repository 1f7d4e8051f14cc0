"""Derived data of the engine: one stored fact per (person, requirement) and per person.

Records can only lie in the past, so for today and every later date a person's
standing on a requirement follows from the records as a whole; what changes with the
date is only whether the latest expiry has passed. These tables hold that standing,
kept current by `readiness.engine.facts` in the transaction of every write.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Column, Date, ForeignKey, Index, Integer, SmallInteger, Table
from sqlalchemy.orm import Mapped, mapped_column

from readiness.db import Base

#: `state` of a (person, requirement) fact, whatever the date (as long as it is not before today).
MISSING, INSUFFICIENT, HELD = 0, 1, 2


class RequirementFact(Base):
    """A requirement that applies to a person, with what the person's records make of it.

    `state`: MISSING (no counting record), INSUFFICIENT (the latest result is below the
    minimum) or HELD. `expires_on`: the latest expiry of the records (null: never expires).
    `unit_id` and `assigned` copy the roster so unit questions need no join.
    """

    __tablename__ = "requirement_facts"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("personnel.id", ondelete="CASCADE"), primary_key=True)
    requirement_id: Mapped[int] = mapped_column(
        ForeignKey("requirements.id", ondelete="CASCADE"), primary_key=True)
    # No foreign key: a unit's delete check counts every table referring to units.
    unit_id: Mapped[int]
    assigned: Mapped[bool]
    state: Mapped[int] = mapped_column(SmallInteger)
    expires_on: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (
        # Covers the per-requirement counts of a subtree, read in requirement order.
        Index("ix_requirement_facts_unit", "assigned", "unit_id", "requirement_id", "state", "expires_on"),
        Index("ix_requirement_facts_requirement_id", "requirement_id"),
    )


class PersonFact(Base):
    """A person's standing from today on: qualified on D iff not blocked and D < qualified_until.

    `blocked`: some applicable requirement is missing or insufficient (no later date can
    change that without a new record). `qualified_until`: the earliest expiry among the
    applicable requirements (null: none expires).
    """

    __tablename__ = "person_facts"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("personnel.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[int]
    assigned: Mapped[bool]
    blocked: Mapped[bool]
    qualified_until: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (
        Index("ix_person_facts_unit", "assigned", "unit_id", "blocked", "qualified_until"),
    )


#: The people of one refresh when there are too many to bind as parameters. Rows live only
#: inside the refreshing transaction (deleted before it ends), so there is no key to collide on.
refresh_people = Table(
    "fact_refresh_people", Base.metadata,
    Column("person_id", Integer, nullable=False, index=True),
)
