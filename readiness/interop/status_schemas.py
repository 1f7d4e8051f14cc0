"""The interoperability status answer (GET /units/{code}/interoperability), for the API and its OpenAPI."""

from __future__ import annotations

from marshmallow import Schema, fields

from readiness.interop.models import STEPS


class InteropReasonSchema(Schema):
    """Why a stage or level is not higher, or something due."""

    kind = fields.String(
        metadata={
            "description": "gate, lapsed, not_evaluated, not_passed, out_of_order, "
            "no_pledge, missing; notes: re_evaluation_due, renewal_due"
        }
    )
    step = fields.String()
    level = fields.String(metadata={"description": "The PCRS level it is about"})
    message = fields.String(metadata={"description": "The reason as a sentence"})


class GateCheckSchema(Schema):
    """A gate that was reached by the records, and whether the unit's readiness meets it."""

    applies_to = fields.String(metadata={"description": "e.g. 'PCRS RDL', 'OCC NEL-2'"})
    requires = fields.String(metadata={"description": "e.g. T-2 (or better)"})
    unit_level = fields.String(allow_none=True)
    met = fields.Boolean()


class PendingSchema(Schema):
    """An evaluation of the step not concluded on the date."""

    evaluation = fields.Integer()
    state = fields.String(metadata={"enum": ["scheduled", "in_progress", "awaiting_outcome"]})
    started_on = fields.Date()
    ended_on = fields.Date()
    message = fields.String()


class StepStateSchema(Schema):
    """A step's state on the date, from its latest concluded evaluation."""

    step = fields.String()
    state = fields.String(metadata={"enum": ["passed", "lapsed", "not_passed", "not_evaluated"]})
    evaluation = fields.Integer(allow_none=True)
    outcome = fields.String(allow_none=True)
    started_on = fields.Date(allow_none=True)
    ended_on = fields.Date(allow_none=True)
    re_evaluation_due = fields.Date(allow_none=True)
    evaluators = fields.List(fields.String())
    pending = fields.Nested(PendingSchema, allow_none=True)


class OccStatusSchema(Schema):
    """Where the unit stands in NATO OCC E&F."""

    stage = fields.String(metadata={"enum": ["none", *STEPS]})
    stage_by_records = fields.String(metadata={"description": "Before gates"})
    steps = fields.List(fields.Nested(StepStateSchema))
    reasons = fields.List(fields.Nested(InteropReasonSchema))
    notes = fields.List(fields.Nested(InteropReasonSchema))
    gates = fields.List(fields.Nested(GateCheckSchema))


class ChecklistItemSchema(Schema):
    """What a PCRS level needs, and whether it is there on the date."""

    level = fields.String()
    item = fields.String()
    label = fields.String()
    done = fields.Boolean()
    on = fields.Date(allow_none=True)
    result = fields.String(allow_none=True)
    days = fields.Integer(allow_none=True)


class PledgeSummarySchema(Schema):
    """The pledge the level is judged on."""

    id = fields.Integer()
    capability = fields.String()
    strength = fields.Integer(allow_none=True)
    pledged_on = fields.Date()
    days_to_deploy = fields.Integer(allow_none=True)
    withdrawn_on = fields.Date(allow_none=True)


class PcrsStatusSchema(Schema):
    """Where the unit stands in UN PCRS."""

    level = fields.String(metadata={"enum": ["none", "1", "2", "3", "RDL"]})
    level_by_records = fields.String(metadata={"description": "Before gates"})
    pledge = fields.Nested(PledgeSummarySchema, allow_none=True)
    checklist = fields.List(fields.Nested(ChecklistItemSchema))
    renewal_due_on = fields.Date(allow_none=True)
    renewal_due = fields.Boolean()
    reasons = fields.List(fields.Nested(InteropReasonSchema))
    notes = fields.List(fields.Nested(InteropReasonSchema))
    gates = fields.List(fields.Nested(GateCheckSchema))


class InteropStatusSchema(Schema):
    """A unit's OCC stage and PCRS level on a date, with the reasons they are not higher."""

    unit = fields.String()
    as_of = fields.Date()
    recorded = fields.Boolean(metadata={"description": "Whether the unit has any evaluation or pledge"})
    occ = fields.Nested(OccStatusSchema)
    pcrs = fields.Nested(PcrsStatusSchema)
