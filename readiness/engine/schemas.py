"""Readiness schemas: query strings in, answers out (DESIGN.md §4 field names)."""

from marshmallow import Schema, fields

LEVEL = {"description": "C-1 (best) … C-4, null when the unit has neither posts nor people"}


class ReadinessQueryArgsSchema(Schema):
    """The date a readiness answer is for."""

    as_of = fields.Date(load_default=None, metadata={"description": "Default: today (configured zone)"})


class ForecastQueryArgsSchema(Schema):
    """The days a forecast covers."""

    from_ = fields.Date(data_key="from", load_default=None,
                        metadata={"description": "First day, today or later (default: today)"})
    to = fields.Date(load_default=None, metadata={"description": "Last day (default: from + 365 days)"})


class ReasonSchema(Schema):
    """Why a level is not higher: a band below the top, or a requirement holding people back."""

    kind = fields.String(metadata={"description": "p_band, t_band, requirement or no_data"})
    message = fields.String(metadata={"description": "The reason as a sentence"})
    level = fields.String()
    value = fields.Float(allow_none=True, metadata={"description": "The percentage, one decimal"})
    next_level = fields.String()
    needs = fields.Float(metadata={"description": "The percentage the next level needs"})
    short = fields.Integer(metadata={"description": "People missing for the next level"})
    requirement = fields.Integer(metadata={"description": "Requirement id"})
    target = fields.String()
    held_back = fields.Integer(metadata={"description": "People not qualified on this requirement"})
    applicable = fields.Integer()
    expired = fields.Integer()
    missing = fields.Integer()
    insufficient = fields.Integer()


class RequirementCountsSchema(Schema):
    """A requirement's statuses over the assigned people it applies to."""

    id = fields.Integer()
    target = fields.String(metadata={"description": "Course code, or standard code and minimum"})
    applicable = fields.Integer()
    valid = fields.Integer()
    expiring = fields.Integer()
    expired = fields.Integer()
    insufficient = fields.Integer()
    missing = fields.Integer()


class ChildReadinessSchema(Schema):
    """A direct child unit's readiness, over its own subtree."""

    unit = fields.String()
    authorized = fields.Integer()
    assigned = fields.Integer()
    qualified = fields.Integer()
    manning_pct = fields.Float(allow_none=True)
    qualified_pct = fields.Float(allow_none=True)
    level = fields.String(allow_none=True, metadata=LEVEL)


class UnitReadinessSchema(Schema):
    """A unit's readiness on a date, over its subtree (DESIGN.md §2 rules 8 and 9)."""

    unit = fields.String()
    as_of = fields.Date()
    authorized = fields.Integer()
    assigned = fields.Integer()
    qualified = fields.Integer()
    manning_pct = fields.Float(allow_none=True)
    qualified_pct = fields.Float(allow_none=True)
    p_level = fields.String(allow_none=True)
    t_level = fields.String(allow_none=True)
    level = fields.String(allow_none=True, metadata=LEVEL)
    reasons = fields.List(fields.Nested(ReasonSchema))
    requirements = fields.List(fields.Nested(RequirementCountsSchema))
    children = fields.List(fields.Nested(ChildReadinessSchema))


class PersonRequirementSchema(Schema):
    """A requirement that applies to a person, and its status on the date."""

    id = fields.Integer()
    target = fields.String()
    status = fields.String(metadata={"description": "valid, expiring, expired, insufficient or missing"})
    expires_on = fields.Date(allow_none=True)


class PersonReadinessSchema(Schema):
    """A person's readiness on a date."""

    service_number = fields.String()
    as_of = fields.Date()
    qualified = fields.Boolean()
    requirements = fields.List(fields.Nested(PersonRequirementSchema))


class ForecastPointSchema(Schema):
    """The unit on a day where `qualified` changes."""

    date = fields.Date()
    qualified = fields.Integer()
    qualified_pct = fields.Float(allow_none=True)
    t_level = fields.String(allow_none=True)
    level = fields.String(allow_none=True)


class ForecastSchema(Schema):
    """A unit's forecast (DESIGN.md §2 rule 10)."""

    unit = fields.String()
    from_ = fields.Date(data_key="from", attribute="from")
    to = fields.Date()
    points = fields.List(fields.Nested(ForecastPointSchema))
    first_drop = fields.Date(allow_none=True)
