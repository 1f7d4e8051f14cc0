"""Completion and attainment schemas: natural keys in and out, derived fields never taken."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from readiness.api import PageArgsSchema
from readiness.training import slp

SERVICE_NUMBER = validate.Length(min=1, max=32)
CATALOGUE_CODE = validate.Length(min=1, max=40)
MAX_REASON = 1000


class WholeNumber(fields.Integer):
    """An integer that refuses fractions (55.5) and booleans instead of truncating them."""

    default_error_messages = {"invalid": "Not a whole number."}  # noqa: RUF012 - marshmallow's own pattern
    #: The CSV import may share one result per distinct text (readiness.imports.FieldwiseLoader).
    cache_by_value = True

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> int:
        if isinstance(value, bool):
            raise self.make_error("invalid")
        if isinstance(value, float) and not value.is_integer():
            raise self.make_error("invalid")
        if isinstance(value, str) and not re.fullmatch(r"\s*[+-]?\d+\s*", value):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class _RecordInSchema(Schema):
    """Trim text, and refuse the fields the system derives with a message saying so.

    Done around marshmallow's load rather than in hooks: per-row hooks cost a third of the
    load time of a 100,000-row import, and a refused field is reported beside the others.
    """

    #: field name → where its value comes from (the CSV import names these too)
    DERIVED: dict[str, str] = {}  # noqa: RUF012 - read-only class constant

    def _refused(self, item: Any) -> dict[str, list[str]]:
        if not isinstance(item, dict):
            return {}
        return {name: [f"Derived from {source}; not accepted in input."]
                for name, source in self.DERIVED.items() if name in item}

    def _tidy(self, item: Any) -> Any:
        # Surrounding whitespace is never meant; not a dict is left for marshmallow to refuse.
        if not isinstance(item, dict):
            return item
        return {k: v.strip() if isinstance(v, str) else v for k, v in item.items() if k not in self.DERIVED}

    def load(self, data: Any, *, many: bool | None = None, partial: Any = None,  # type: ignore[override]
             unknown: str | None = None) -> Any:
        """Load one record (or a list with `many`), refusing derived fields beside other errors."""
        many = self.many if many is None else many
        refused: dict[Any, Any]
        if many and isinstance(data, list):
            refused = {i: r for i, item in enumerate(data) if (r := self._refused(item))}
            data = [self._tidy(item) for item in data]
        else:
            refused, data = self._refused(data), self._tidy(data)
        try:
            result = super().load(data, many=many, partial=partial, unknown=unknown)
        except ValidationError as error:
            messages = error.normalized_messages()
            for key, more in refused.items():
                if many and isinstance(messages.get(key), dict):
                    messages[key].update(more)
                else:
                    messages[key] = more
            raise ValidationError(messages) from error
        if refused:
            raise ValidationError(refused)
        return result


class CompletionSchema(Schema):
    """A completion as the API shows it."""

    id = fields.Integer()
    service_number = fields.Function(lambda c: c.person.service_number)
    course = fields.Function(lambda c: c.course.code)
    completed_on = fields.Date()
    expires_on = fields.Date(metadata={"description": "completed_on + the course's validity "
                                                      "(null: never expires)"})
    score = fields.Integer(allow_none=True)
    verification_code = fields.String(metadata={"description": "Printed on the certificate"})
    revoked = fields.Boolean()
    revoke_reason = fields.String(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)
    recorded_by = fields.String()
    recorded_at = fields.DateTime()


class CompletionInSchema(_RecordInSchema):
    """A completion to record; `expires_on` and `verification_code` are derived."""

    DERIVED = {  # noqa: RUF012 - read-only class constant
        "expires_on": "completed_on and the course's validity",
        "verification_code": "a random number drawn when the completion is recorded",
    }

    service_number = fields.String(required=True, validate=SERVICE_NUMBER)
    course = fields.String(required=True, validate=CATALOGUE_CODE, metadata={"description": "Course code"})
    completed_on = fields.Date(required=True, metadata={"description": "Not after today"})
    score = WholeNumber(load_default=None, allow_none=True, validate=validate.Range(min=0, max=100),
                        metadata={"description": "Optional, 0–100"})


class RevokeInSchema(Schema):
    """Why a completion is revoked."""

    reason = fields.String(required=True, validate=[
        validate.Length(max=MAX_REASON),
        validate.Regexp(r"(?s).*\S", error="Must not be empty."),
    ])


class CompletionQueryArgsSchema(PageArgsSchema):
    """Filters for the completion list."""

    service_number = fields.String()
    course = fields.String(metadata={"description": "Course code"})
    unit = fields.String(metadata={"description": "People in this unit's subtree"})
    revoked = fields.Boolean()
    completed_from = fields.Date(metadata={"description": "completed_on on or after"})
    completed_to = fields.Date(metadata={"description": "completed_on on or before"})
    expires_before = fields.Date(metadata={"description": "expires_on before this date"})


def _level_display(attainment: Any) -> str:
    if attainment.standard.scale == "slp":
        return slp.display(attainment.level)
    return attainment.level


class AttainmentSchema(Schema):
    """A standard's result as the API shows it."""

    id = fields.Integer()
    service_number = fields.Function(lambda a: a.person.service_number)
    standard = fields.Function(lambda a: a.standard.code)
    level = fields.String(metadata={"description": "Stored form: '3+32+2', or 'pass' / 'fail'"})
    level_display = fields.Function(_level_display, metadata={"description": "As printed: 'SLP 3+32+2'"})
    assessed_on = fields.Date()
    expires_on = fields.Date(metadata={"description": "assessed_on + the standard's validity "
                                                     "(null: never expires)"})
    recorded_by = fields.String()
    recorded_at = fields.DateTime()


class AttainmentInSchema(_RecordInSchema):
    """A standard's result to record; `level` is checked against the standard's scale."""

    DERIVED = {"expires_on": "assessed_on and the standard's validity"}  # noqa: RUF012 - constant

    service_number = fields.String(required=True, validate=SERVICE_NUMBER)
    standard = fields.String(required=True, validate=CATALOGUE_CODE,
                             metadata={"description": "Standard code"})
    level = fields.String(required=True, validate=validate.Length(min=1, max=40), metadata={
        "description": "For an slp standard a STANAG 6001 profile ('SLP 3321', '3+32+2'); "
                       "for a pass standard 'pass' or 'fail'"})
    assessed_on = fields.Date(required=True, metadata={"description": "Not after today"})


class AttainmentQueryArgsSchema(PageArgsSchema):
    """Filters for the attainment list."""

    service_number = fields.String()
    standard = fields.String(metadata={"description": "Standard code"})
    unit = fields.String(metadata={"description": "People in this unit's subtree"})
    assessed_from = fields.Date(metadata={"description": "assessed_on on or after"})
    assessed_to = fields.Date(metadata={"description": "assessed_on on or before"})
    expires_before = fields.Date(metadata={"description": "expires_on before this date"})
