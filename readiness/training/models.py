"""The training catalogue, requirements, and the records of what people achieved."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from readiness.db import Base, utcnow
from readiness.personnel.models import Person
from readiness.training import slp
from readiness.units.models import Unit

COURSE_KINDS = ("individual", "collective")
SCALES = ("slp", "pass")


class Course(Base):
    """A course in the catalogue; `validity_months` null means it never expires."""

    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    provider: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="individual")
    validity_months: Mapped[int | None]

    __table_args__ = (
        CheckConstraint("kind IN ('individual', 'collective')", name="kind_known"),
        CheckConstraint("validity_months IS NULL OR validity_months >= 0", name="validity_not_negative"),
        CheckConstraint("length(code) > 0", name="code_not_empty"),
    )


class Standard(Base):
    """An interoperability standard, e.g. a STANAG 6001 language profile."""

    __tablename__ = "standards"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(String(60))
    scale: Mapped[str] = mapped_column(String(10))
    validity_months: Mapped[int | None]

    __table_args__ = (
        CheckConstraint("scale IN ('slp', 'pass')", name="scale_known"),
        CheckConstraint("validity_months IS NULL OR validity_months >= 0", name="validity_not_negative"),
        CheckConstraint("length(code) > 0", name="code_not_empty"),
    )


class Requirement(Base):
    """What a person must hold: a course or a standard, for a unit subtree and/or a role."""

    __tablename__ = "requirements"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"))
    standard_id: Mapped[int | None] = mapped_column(
        ForeignKey("standards.id")
    )
    min_level: Mapped[str | None] = mapped_column(String(16))
    unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id"), index=True
    )
    role: Mapped[str | None] = mapped_column(String(60))

    course: Mapped[Course | None] = relationship(lazy="joined")
    standard: Mapped[Standard | None] = relationship(lazy="joined")
    unit: Mapped[Unit | None] = relationship(lazy="joined")

    __table_args__ = (
        CheckConstraint(
            "(course_id IS NULL) <> (standard_id IS NULL)", name="exactly_one_target"
        ),
        CheckConstraint("course_id IS NULL OR min_level IS NULL", name="min_level_only_for_standard"),
    )

    @property
    def target(self) -> str:
        """The course or standard code, with the minimum level where there is one."""
        if self.course is not None:
            return self.course.code
        assert self.standard is not None  # noqa: S101 - guaranteed by exactly_one_target
        if self.min_level is None:
            return self.standard.code
        return f"{self.standard.code} {slp.display(self.min_level)}"


class Completion(Base):
    """A course completed by a person; its certificate is identified by `verification_code`."""

    __tablename__ = "completions"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("personnel.id"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    completed_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    score: Mapped[int | None] = mapped_column(SmallInteger)
    verification_code: Mapped[str] = mapped_column(String(20), unique=True)
    revoked: Mapped[bool] = mapped_column(default=False)
    revoke_reason: Mapped[str | None] = mapped_column(Text)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    recorded_by: Mapped[str] = mapped_column(String(120))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    person: Mapped[Person] = relationship(lazy="joined", innerjoin=True)
    course: Mapped[Course] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (
        # Course first, so the key also serves questions by course (a roster, a course's
        # holders); questions by person read ix_completions_standing (engine.models).
        UniqueConstraint("course_id", "person_id", "completed_on"),
        CheckConstraint("score IS NULL OR (score >= 0 AND score <= 100)", name="score_in_range"),
        CheckConstraint("expires_on IS NULL OR expires_on >= completed_on", name="expiry_after_completion"),
        CheckConstraint("NOT revoked OR revoke_reason IS NOT NULL", name="revoked_has_reason"),
    )


class Attainment(Base):
    """A standard's result for a person, e.g. a STANAG 6001 test: `level` '3+32+2' or 'pass'."""

    __tablename__ = "attainments"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("personnel.id"))
    standard_id: Mapped[int] = mapped_column(ForeignKey("standards.id"))
    level: Mapped[str] = mapped_column(String(16))
    assessed_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(120))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    person: Mapped[Person] = relationship(lazy="joined", innerjoin=True)
    standard: Mapped[Standard] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (
        UniqueConstraint("person_id", "standard_id", "assessed_on"),
        CheckConstraint("expires_on IS NULL OR expires_on >= assessed_on", name="expiry_after_assessment"),
        Index("ix_attainments_standard_id_person_id", "standard_id", "person_id"),
    )
