"""Unit schemas: natural keys (codes) in and out."""

from marshmallow import Schema, fields, validate

from readiness.api import PageArgsSchema

CODE = validate.Length(min=1, max=32)


class UnitSchema(Schema):
    """A unit as the API shows it."""

    code = fields.String()
    name = fields.String()
    parent = fields.Function(lambda u: u.parent.code if u.parent else None)
    kind = fields.String()
    authorized_strength = fields.Integer()


class UnitInSchema(Schema):
    """A unit to create."""

    code = fields.String(required=True, validate=CODE)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    parent = fields.String(load_default=None, allow_none=True, validate=CODE)
    kind = fields.String(required=True, validate=validate.Length(min=1, max=40))
    authorized_strength = fields.Integer(load_default=0, validate=validate.Range(min=0))


class UnitQueryArgsSchema(PageArgsSchema):
    """Filters for the unit list."""

    code = fields.String()
    name = fields.String(metadata={"description": "Part of the name, any case"})
    parent = fields.String(metadata={"description": "Direct children of this unit code"})
    kind = fields.String()
