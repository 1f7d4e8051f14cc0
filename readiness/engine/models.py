"""Derived data of the engine: one stored fact per (person, requirement) and per person.

Records can only lie in the past, so for today and every later date a person's
standing on a requirement follows from the records as a whole; what changes with the
date is only whether the latest expiry has passed. These tables hold that standing,
kept current by `readiness.engine.facts` in the transaction of every write.

An expiry is stored as a date with two conventions: null means there is no record
(missing), FOREVER means the record never expires. Comparisons need no null checks.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Column, Date, ForeignKey, Index, Integer, SmallInteger, Table, text
from sqlalchemy.orm import Mapped, mapped_column

from readiness.db import Base
from readiness.training.models import Completion

#: The expiry of a record that never expires.
FOREVER = date(9999, 12, 31)
#: What a fact amounts to whatever the date (from today on), in per-unit totals.
MISSING, INSUFFICIENT, HELD = 0, 1, 2


class RequirementFact(Base):
    """A requirement that applies to a person, with what the person's records make of it.

    `expires_on`: the latest expiry of the person's records of the course, or the expiry
    of the latest result of the standard (null: none; FOREVER: never). `below`: that
    latest result is below the requirement's minimum. The `*_on` columns after them keep
    enough history that a past date reads the records only for a few pairs. `unit_id`, `assigned` copy the
    roster and `course_id`, `standard_id` the requirement, so questions need no join.
    """

    __tablename__ = "requirement_facts"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("personnel.id", ondelete="CASCADE"), primary_key=True)
    requirement_id: Mapped[int] = mapped_column(
        ForeignKey("requirements.id", ondelete="CASCADE"), primary_key=True)
    # No foreign keys below: a unit's delete check counts every table referring to units,
    # and a requirement's target never changes (requirements are created and deleted only).
    unit_id: Mapped[int]
    assigned: Mapped[bool]
    course_id: Mapped[int | None]
    standard_id: Mapped[int | None]
    below: Mapped[bool]
    expires_on: Mapped[date | None] = mapped_column(Date)
    # The history of the standing (rules.HISTORY), read for past dates: the first and the
    # latest counting record, the one before the latest and the standing from it until then.
    first_on: Mapped[date | None] = mapped_column(Date)
    last_on: Mapped[date | None] = mapped_column(Date)
    prior_on: Mapped[date | None] = mapped_column(Date)
    prior_below: Mapped[bool | None]
    prior_expires_on: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (
        # Covers what a date can change in a subtree: the facts expiring up to a day, unit by unit.
        Index("ix_requirement_facts_expiry", "assigned", "unit_id", "expires_on", "requirement_id", "below"),
        # The same, by expiry first: PostgreSQL reads a large subtree's expiring facts in one range.
        Index("ix_requirement_facts_soon", "expires_on", "unit_id", "requirement_id", "below",
              postgresql_where=text("assigned"), sqlite_where=text("assigned = 1")),
        # SQLite: the rows are the primary key's index, one B-tree less to write.
        {"sqlite_with_rowid": False},
    )


class PersonFact(Base):
    """A person's standing from today on: qualified on D iff not blocked and D < qualified_until.

    `blocked`: some applicable requirement is missing or insufficient (no later date can
    change that without a new record). `qualified_until`: the earliest expiry among the
    applicable requirements (FOREVER when none expires).
    """

    __tablename__ = "person_facts"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("personnel.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[int]
    assigned: Mapped[bool]
    blocked: Mapped[bool]
    qualified_until: Mapped[date] = mapped_column(Date)

    __table_args__ = (
        Index("ix_person_facts_unit", "assigned", "unit_id", "blocked", "qualified_until"),
    )


class UnitRequirementTotal(Base):
    """How many assigned people of a unit (itself, not its children) stand how on a requirement.

    `state`: MISSING, INSUFFICIENT or HELD. With these totals, counting a subtree on a
    date only reads the facts that expire by then.
    """

    __tablename__ = "unit_requirement_totals"

    unit_id: Mapped[int] = mapped_column(primary_key=True)
    requirement_id: Mapped[int] = mapped_column(
        ForeignKey("requirements.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    people: Mapped[int]


class UnitPersonTotal(Base):
    """How many people of a unit (itself) are assigned, and how many of them are blocked."""

    __tablename__ = "unit_person_totals"

    unit_id: Mapped[int] = mapped_column(primary_key=True)
    assigned: Mapped[int]
    blocked: Mapped[int]


# Reading a person's courses on a date touches only this index, never the table. Not partial:
# with `revoked` as a key column SQLite's planner prefers it to the (course, person) index.
Index("ix_completions_standing", Completion.person_id, Completion.course_id, Completion.revoked,
      Completion.completed_on, Completion.expires_on)


#: The people of one refresh when there are too many to bind as parameters. Rows live only
#: inside the refreshing transaction (deleted before it ends), so there is no key to collide on.
refresh_people = Table(
    "fact_refresh_people", Base.metadata,
    Column("person_id", Integer, nullable=False, index=True),
)
