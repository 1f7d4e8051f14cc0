"""Catalogue and requirement schemas: natural keys (codes) in and out."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from readiness.api import PageArgsSchema
from readiness.training import slp
from readiness.training.models import COURSE_KINDS, SCALES

MAX_VALIDITY_MONTHS = 600  # 50 years: anything longer is a typo, not a policy


def _code_chars(value: str) -> None:
    # A code is a path segment (/courses/{code}), so it may hold no '/'; stray spaces
    # would make two codes that look the same.
    if "/" in value:
        raise ValidationError("A code may not contain '/'.")
    if value != value.strip():
        raise ValidationError("A code may not begin or end with a space.")


CODE = (validate.Length(min=1, max=40), _code_chars)
VALIDITY = validate.Range(
    min=0, max=MAX_VALIDITY_MONTHS,
    error=f"Give whole months from 0 to {MAX_VALIDITY_MONTHS}, or null if it never expires.",
)
TEXT = validate.Length(min=1, max=200)


class WholeNumber(fields.Integer):
    """An integer that refuses 1.5 instead of quietly truncating it to 1."""

    def _validated(self, value: Any) -> int:
        if isinstance(value, float) and not value.is_integer():
            raise self.make_error("invalid")
        return super()._validated(value)


class SlpLevel(fields.String):
    """A STANAG 6001 profile in any accepted spelling, loaded as its stored form ('3+32+2')."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return slp.parse_level(text)
        except ValueError as err:
            raise ValidationError(str(err)) from err


def _validity_field() -> WholeNumber:
    return WholeNumber(load_default=None, allow_none=True, validate=VALIDITY,
                       metadata={"description": "Calendar months a record stays valid; "
                                                "null: never expires."})


class CourseSchema(Schema):
    """A course as the API shows it."""

    code = fields.String()
    title = fields.String()
    provider = fields.String()
    kind = fields.String()
    validity_months = fields.Integer(allow_none=True)


class CourseInSchema(Schema):
    """A course to create (or, partial, to change)."""

    code = fields.String(required=True, validate=CODE)
    title = fields.String(required=True, validate=TEXT)
    provider = fields.String(required=True, validate=TEXT)
    kind = fields.String(load_default="individual", validate=validate.OneOf(COURSE_KINDS))
    validity_months = _validity_field()


class CourseQueryArgsSchema(PageArgsSchema):
    """Filters for the course list."""

    code = fields.String()
    kind = fields.String(validate=validate.OneOf(COURSE_KINDS))
    provider = fields.String(metadata={"description": "Provider, any case"})
    q = fields.String(metadata={"description": "Part of the title, any case"})


class StandardSchema(Schema):
    """A standard as the API shows it."""

    code = fields.String()
    title = fields.String()
    body = fields.String()
    scale = fields.String()
    validity_months = fields.Integer(allow_none=True)


class StandardInSchema(Schema):
    """A standard to create (or, partial, to change)."""

    code = fields.String(required=True, validate=CODE)
    title = fields.String(required=True, validate=TEXT)
    body = fields.String(required=True, validate=validate.Length(min=1, max=60),
                         metadata={"description": "Issuing body, e.g. NATO or UN"})
    scale = fields.String(required=True, validate=validate.OneOf(SCALES),
                          metadata={"description": "slp: STANAG 6001 profile; pass: pass/fail"})
    validity_months = _validity_field()


class StandardQueryArgsSchema(PageArgsSchema):
    """Filters for the standard list."""

    code = fields.String()
    body = fields.String(metadata={"description": "Issuing body, any case"})
    scale = fields.String(validate=validate.OneOf(SCALES))
    q = fields.String(metadata={"description": "Part of the title, any case"})


class RequirementSchema(Schema):
    """A requirement as the API shows it."""

    id = fields.Integer()
    course = fields.Function(lambda r: r.course.code if r.course else None)
    standard = fields.Function(lambda r: r.standard.code if r.standard else None)
    min_level = fields.String(allow_none=True)
    unit = fields.Function(lambda r: r.unit.code if r.unit else None)
    role = fields.String(allow_none=True)
    target = fields.Function(lambda r: r.target, metadata={
        "description": "What is required: the course code, or the standard code with its "
                       "minimum level, e.g. 'STANAG-6001-EN SLP 3222'",
    })


def _optional_code(what: str) -> fields.String:
    return fields.String(load_default=None, allow_none=True, validate=CODE,
                         metadata={"description": f"{what} code"})


class RequirementInSchema(Schema):
    """A requirement to create: exactly one of `course` and `standard`."""

    course = _optional_code("Course")
    standard = _optional_code("Standard")
    min_level = SlpLevel(load_default=None, allow_none=True, metadata={
        "description": "Minimum STANAG 6001 profile, e.g. 'SLP 3222'; only for a standard of scale slp",
    })
    unit = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=32),
                         metadata={"description": "Unit code: applies to its subtree; null: everyone"})
    role = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=60),
                         metadata={"description": "Applies to this role only; null: every role"})

    @validates_schema
    def _one_target(self, data: dict[str, Any], **_kwargs: Any) -> None:
        has_course, has_standard = data.get("course") is not None, data.get("standard") is not None
        if has_course == has_standard:
            msg = ("Give a course or a standard, not both." if has_course
                   else "Give a course or a standard.")
            raise ValidationError({"course": [msg], "standard": [msg]})
        if has_course and data.get("min_level") is not None:
            raise ValidationError("A minimum level applies to a standard, not to a course.", "min_level")


class RequirementQueryArgsSchema(PageArgsSchema):
    """Filters for the requirement list."""

    course = fields.String(metadata={"description": "Course code"})
    standard = fields.String(metadata={"description": "Standard code"})
    unit = fields.String(metadata={"description": "Unit code the requirement names"})
    role = fields.String()
