"""Interoperability records of a unit: NATO OCC E&F evaluations and UN PCRS pledges.

An evaluation is one step (SEL-1 → NEL-1 → SEL-2 → NEL-2) evaluated on dates, with its
areas and their results; its outcome stays empty until it is known. A pledge is what the
unit offers the UN; its milestones (documents, visits, commitments, the RDL agreement and
pledge updates) are dated, so the level on any date follows from those dated before it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from readiness.db import Base, utcnow
from readiness.units.models import Unit

STEPS = ("SEL-1", "NEL-1", "SEL-2", "NEL-2")
#: The outcome of an evaluation; only `interoperable` passes a step.
OUTCOMES = ("interoperable", "partially_interoperable", "not_interoperable")
AREA_RESULTS = (*OUTCOMES, "not_evaluated")

#: Level 1: the pledge registered by note verbale with these lists.
DOCUMENTS = ("note_verbale", "table_of_organisation", "major_equipment", "self_sustainment")
#: Level 3: the further commitments.
COMMITMENTS = ("mou_draft", "load_lists")
#: Visits by the UN, each with a result once known.
VISITS = ("aav", "rdl_verification")
MILESTONE_KINDS = (*DOCUMENTS, "aav", *COMMITMENTS, "rdl_verification", "rdl_agreement", "update")
VISIT_RESULTS = ("successful", "unsuccessful")
PCRS_LEVELS = ("none", "1", "2", "3", "RDL")
LABELS = {
    "note_verbale": "note verbale",
    "table_of_organisation": "table of organisation",
    "major_equipment": "major equipment list",
    "self_sustainment": "self-sustainment list",
    "aav": "Assessment and Advisory Visit (AAV)",
    "mou_draft": "draft memorandum of understanding",
    "load_lists": "load lists",
    "rdl_verification": "RDL verification visit",
    "rdl_agreement": "RDL agreement",
    "update": "pledge update",
    "interoperable": "interoperable",
    "partially_interoperable": "partially interoperable",
    "not_interoperable": "not interoperable",
    "not_evaluated": "not evaluated",
}


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Evaluation(Base):
    """One OCC E&F step evaluated for a unit; `outcome` null until known."""

    __tablename__ = "occ_evaluations"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    step: Mapped[str] = mapped_column(String(8))
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date] = mapped_column(Date)
    evaluators: Mapped[list[str]] = mapped_column(JSON, default=list)
    outcome: Mapped[str | None] = mapped_column(String(30))
    feedback: Mapped[str | None] = mapped_column(Text)
    re_evaluation_due: Mapped[date | None] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(120))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    unit: Mapped[Unit] = relationship(lazy="joined", innerjoin=True)
    areas: Mapped[list[EvaluationArea]] = relationship(
        order_by="EvaluationArea.position", cascade="all, delete-orphan", lazy="selectin"
    )

    __table_args__ = (
        # Also the index of a unit's evaluations (unit_id leads).
        UniqueConstraint("unit_id", "step", "started_on"),
        CheckConstraint(_one_of("step", STEPS), name="step_known"),
        CheckConstraint(f"outcome IS NULL OR {_one_of('outcome', OUTCOMES)}", name="outcome_known"),
        CheckConstraint("ended_on >= started_on", name="ends_after_start"),
        CheckConstraint("re_evaluation_due IS NULL OR re_evaluation_due > ended_on", name="due_after_end"),
    )


class EvaluationArea(Base):
    """An area assessed in an evaluation, and its result."""

    __tablename__ = "occ_evaluation_areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("occ_evaluations.id", ondelete="CASCADE"))
    position: Mapped[int]
    area: Mapped[str] = mapped_column(String(120))
    result: Mapped[str] = mapped_column(String(30))
    remarks: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("evaluation_id", "area"),
        CheckConstraint(_one_of("result", AREA_RESULTS), name="result_known"),
    )


class Pledge(Base):
    """A unit pledged to the UN PCRS; `capability`, `strength` and `days_to_deploy` are today's."""

    __tablename__ = "pcrs_pledges"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    capability: Mapped[str] = mapped_column(String(200))
    strength: Mapped[int | None]
    pledged_on: Mapped[date] = mapped_column(Date)
    days_to_deploy: Mapped[int | None]
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    remarks: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(120))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    unit: Mapped[Unit] = relationship(lazy="joined", innerjoin=True)
    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="pledge",
        order_by="(Milestone.dated_on, Milestone.id)",
        cascade="all, delete-orphan",
        lazy="selectin",
    )

    __table_args__ = (
        UniqueConstraint("unit_id", "pledged_on"),
        # One open pledge per unit: a new one follows the withdrawal of the last.
        Index(
            "uq_pcrs_pledges_open",
            "unit_id",
            unique=True,
            sqlite_where=text("withdrawn_on IS NULL"),
            postgresql_where=text("withdrawn_on IS NULL"),
        ),
        CheckConstraint("strength IS NULL OR strength > 0", name="strength_positive"),
        CheckConstraint("days_to_deploy IS NULL OR days_to_deploy > 0", name="days_positive"),
        CheckConstraint("withdrawn_on IS NULL OR withdrawn_on > pledged_on", name="withdrawn_after_pledge"),
    )


class Milestone(Base):
    """A dated step of a pledge: a document, a visit and its result, a commitment, an agreement, an update."""

    __tablename__ = "pcrs_milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("pcrs_pledges.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    dated_on: Mapped[date] = mapped_column(Date)
    result: Mapped[str | None] = mapped_column(String(20))
    reference: Mapped[str | None] = mapped_column(String(120))
    remarks: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(120))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    pledge: Mapped[Pledge] = relationship(back_populates="milestones")

    __table_args__ = (
        UniqueConstraint("pledge_id", "kind", "dated_on"),
        CheckConstraint(_one_of("kind", MILESTONE_KINDS), name="kind_known"),
        CheckConstraint(
            f"result IS NULL OR ({_one_of('result', VISIT_RESULTS)} AND {_one_of('kind', VISITS)})",
            name="result_of_visits_only",
        ),
    )


def label(value: Any) -> str:
    """Return a stored code (milestone kind, outcome, result) in words."""
    return LABELS.get(value, str(value).replace("_", " "))
