"""Person schemas: natural keys (service number, unit code) in and out."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, pre_load, validate

from readiness.api import PageArgsSchema
from readiness.personnel.models import STATUSES

# Lengths match the columns of readiness.personnel.models.Person.
SERVICE_NUMBER = validate.Length(min=1, max=32)
UNIT_CODE = validate.Length(min=1, max=32)
RANK = validate.Length(min=1, max=60)
ROLE = validate.Length(min=1, max=60)
NAME = validate.Length(min=1, max=100)
EMAIL = validate.Length(max=254)

# Optional fields where a blank string means "none" (spreadsheets send "" for empty cells).
BLANK_IS_NONE = ("patronymic", "email")


class PersonSchema(Schema):
    """A person as the API shows it."""

    service_number = fields.String()
    rank = fields.String()
    family_name = fields.String()
    given_name = fields.String()
    patronymic = fields.String()
    unit = fields.Function(lambda p: p.unit.code)
    role = fields.String()
    status = fields.String()
    earmarked = fields.Boolean()
    email = fields.String()


class PersonInSchema(Schema):
    """A person to create or (partially, for PATCH) change."""

    service_number = fields.String(required=True, validate=SERVICE_NUMBER)
    rank = fields.String(required=True, validate=RANK)
    family_name = fields.String(required=True, validate=NAME)
    given_name = fields.String(required=True, validate=NAME)
    patronymic = fields.String(load_default=None, allow_none=True, validate=NAME)
    unit = fields.String(required=True, validate=UNIT_CODE,
                         metadata={"description": "Unit code"})
    role = fields.String(required=True, validate=ROLE)
    status = fields.String(load_default="active", validate=validate.OneOf(STATUSES))
    earmarked = fields.Boolean(load_default=False,
                               metadata={"description": "Earmarked for deployment"})
    email = fields.Email(load_default=None, allow_none=True, validate=EMAIL)

    @pre_load
    def _tidy(self, data: Any, **_kwargs: Any) -> Any:
        # Surrounding whitespace is never meant; not a dict is left for marshmallow to refuse.
        if not isinstance(data, dict):
            return data
        tidy = {}
        for key, value in data.items():
            if isinstance(value, str):
                value = value.strip()
                if not value and key in BLANK_IS_NONE:
                    value = None
            tidy[key] = value
        return tidy


class PersonQueryArgsSchema(PageArgsSchema):
    """Filters for the personnel list."""

    unit = fields.String(metadata={"description": "People in this unit's subtree (unit code)"})
    role = fields.String()
    status = fields.String(validate=validate.OneOf(STATUSES))
    earmarked = fields.Boolean()
    rank = fields.String()
    service_number = fields.String()
    q = fields.String(metadata={"description": "Part of the family or given name, any case"})
