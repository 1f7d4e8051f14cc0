"""Interoperability schemas: evaluations and pledges in and out (API and CSV), and the status answer."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate

from readiness.api import PageArgsSchema
from readiness.errors import describe_errors
from readiness.interop.models import AREA_RESULTS, MILESTONE_KINDS, OUTCOMES, STEPS, VISIT_RESULTS
from readiness.records.schemas import WholeNumber

UNIT_CODE = validate.Length(min=1, max=32)
MAX_TEXT = 10_000


class Text(fields.String):
    """Text trimmed of surrounding whitespace; blank is null (and refused where required)."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if not text:
            if self.required:
                raise ValidationError("Must not be empty.")
            return None
        return text

    def _validate(self, value: Any) -> None:
        if value is not None:
            super()._validate(value)


class Choice(fields.String):
    """One of fixed codes; case, spaces and hyphens are forgiven ('Partially interoperable')."""

    def __init__(self, choices: tuple[str, ...], **kwargs: Any) -> None:
        self.choices = choices
        metadata = {"enum": list(choices), **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if not text:
            if self.required:
                raise ValidationError(f"Missing: give one of {', '.join(self.choices)}.")
            return None
        code = re.sub(r"[\s-]+", "_", text.lower())
        if code not in self.choices:
            raise ValidationError(f"{text!r} is not one of: {', '.join(self.choices)}.")
        return code


class Step(fields.String):
    """An OCC E&F step: SEL-1, NEL-1, SEL-2 or NEL-2 ('sel 1' and 'SEL1' too)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(metadata={"enum": list(STEPS)}, **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        match = re.fullmatch(r"\s*([SN]EL)[\s-]*([12])\s*", text.upper())
        if match is None:
            raise ValidationError(f"{text!r} is not a step: give SEL-1, NEL-1, SEL-2 or NEL-2.")
        return f"{match.group(1)}-{match.group(2)}"


class Moment(fields.DateTime):
    """A moment in UTC; SQLite hands stored ones back without their zone, so it is put back."""

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)


# ---- OCC evaluations -------------------------------------------------------------------------


class AreaSchema(Schema):
    """An area assessed and its result."""

    area = fields.String()
    result = fields.String(metadata={"enum": list(AREA_RESULTS)})
    remarks = fields.String(allow_none=True)


class EvaluationSchema(Schema):
    """An OCC E&F evaluation as the API shows it."""

    id = fields.Integer()
    unit = fields.Function(lambda e: e.unit.code)
    step = fields.String(metadata={"enum": list(STEPS)})
    started_on = fields.Date()
    ended_on = fields.Date()
    evaluators = fields.List(fields.String(), metadata={"description": "Names: personal data"})
    areas = fields.List(fields.Nested(AreaSchema))
    outcome = fields.String(
        allow_none=True, metadata={"enum": list(OUTCOMES), "description": "null until known"}
    )
    feedback = fields.String(allow_none=True)
    re_evaluation_due = fields.Date(allow_none=True)
    recorded_by = fields.String()
    recorded_at = Moment()
    updated_at = Moment(allow_none=True)


class AreaInSchema(Schema):
    """An area assessed and its result."""

    area = Text(required=True, validate=validate.Length(max=120))
    result = Choice(AREA_RESULTS, required=True)
    remarks = Text(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class EvaluationInSchema(Schema):
    """An evaluation to record; leave `outcome` out until it is known, and PATCH it in later."""

    step = Step(required=True)
    started_on = fields.Date(required=True)
    ended_on = fields.Date(
        load_default=None, allow_none=True, metadata={"description": "Default: started_on"}
    )
    evaluators = fields.List(
        Text(required=True, validate=validate.Length(max=120)),
        load_default=list,
        validate=validate.Length(max=30),
        metadata={"description": "Names, e.g. 'Lt Col J. Smith (NLD)'"},
    )
    areas = fields.List(fields.Nested(AreaInSchema), load_default=list, validate=validate.Length(max=100))
    outcome = Choice(
        OUTCOMES,
        load_default=None,
        allow_none=True,
        metadata={"description": "Once the evaluation has ended; only 'interoperable' passes the step"},
    )
    feedback = Text(load_default=None, allow_none=True, validate=validate.Length(max=MAX_TEXT))
    re_evaluation_due = fields.Date(
        load_default=None,
        allow_none=True,
        metadata={"description": "After ended_on; a passed step lapses the day after it"},
    )


class _CellList(fields.Field):
    """A list written in one CSV cell, its items separated by ';'.

    A plain Field, not a String: the CSV import's field-wise loader (readiness.imports) shares
    the result of a String between rows with the same text, and a list must not be shared.
    """

    def _items(self, value: Any) -> list[str]:
        if not isinstance(value, str):
            raise ValidationError("Not a valid string.")
        return [part.strip() for part in re.split(r"[;\n]", value) if part.strip()]


class NameList(_CellList):
    """Names in one CSV cell, separated by ';'."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        names = self._items(value)
        if too_long := [n for n in names if len(n) > 120]:
            raise ValidationError(f"Name longer than 120 characters: {too_long[0][:40]!r}….")
        return names


class AreaList(_CellList):
    """Areas in one CSV cell: 'Command and control: interoperable; Logistics: partially interoperable'."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        areas, problems = [], []
        for part in self._items(value):
            name, sep, result = part.rpartition(":")
            if not sep or not name.strip():
                problems.append(f"{part!r}: write 'area: result', e.g. 'Logistics: interoperable'")
                continue
            try:
                areas.append(AreaInSchema().load({"area": name, "result": result}))
            except ValidationError as error:
                problems.append(f"{part!r}: " + "; ".join(describe_errors(error.normalized_messages())))
        if problems:
            raise ValidationError(problems)
        return areas


class EvaluationCsvSchema(EvaluationInSchema):
    """An evaluation as a CSV row: `unit` names the unit; evaluators and areas are separated by ';'."""

    unit = fields.String(required=True, validate=UNIT_CODE)
    evaluators = NameList(load_default=list)
    areas = AreaList(load_default=list)


class EvaluationQueryArgsSchema(PageArgsSchema):
    """Filters for a unit's evaluations."""

    step = Step()
    outcome = Choice(OUTCOMES)


# ---- PCRS pledges ----------------------------------------------------------------------------


class MilestoneSchema(Schema):
    """A pledge's milestone as the API shows it."""

    id = fields.Integer()
    kind = fields.String(metadata={"enum": list(MILESTONE_KINDS)})
    date = fields.Date(attribute="dated_on")
    result = fields.String(allow_none=True, metadata={"enum": list(VISIT_RESULTS)})
    reference = fields.String(allow_none=True)
    remarks = fields.String(allow_none=True)
    recorded_by = fields.String()
    recorded_at = Moment()


class PledgeSchema(Schema):
    """A PCRS pledge as the API shows it, with its milestones by date."""

    id = fields.Integer()
    unit = fields.Function(lambda p: p.unit.code)
    capability = fields.String()
    strength = fields.Integer(allow_none=True)
    pledged_on = fields.Date()
    days_to_deploy = fields.Integer(allow_none=True)
    withdrawn_on = fields.Date(allow_none=True)
    remarks = fields.String(allow_none=True)
    milestones = fields.List(fields.Nested(MilestoneSchema))
    recorded_by = fields.String()
    recorded_at = Moment()
    updated_at = Moment(allow_none=True)


class MilestoneInSchema(Schema):
    """A milestone to record; a visit's `result` may follow later (PATCH)."""

    kind = Choice(MILESTONE_KINDS, required=True)
    dated_on = fields.Date(
        data_key="date",
        required=True,
        metadata={"description": "Not after today, except a visit still without a result (scheduled)"},
    )
    result = Choice(
        VISIT_RESULTS,
        load_default=None,
        allow_none=True,
        metadata={"description": "Visits only (aav, rdl_verification)"},
    )
    reference = Text(load_default=None, allow_none=True, validate=validate.Length(max=120))
    remarks = Text(load_default=None, allow_none=True, validate=validate.Length(max=MAX_TEXT))


class PledgeInSchema(Schema):
    """A pledge to register, optionally with its milestones so far."""

    capability = Text(
        required=True,
        validate=validate.Length(max=200),
        metadata={"description": "What is pledged, e.g. 'Infantry battalion (850)'"},
    )
    strength = WholeNumber(load_default=None, allow_none=True, validate=validate.Range(min=1))
    pledged_on = fields.Date(required=True, metadata={"description": "Registration; not after today"})
    days_to_deploy = WholeNumber(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=1, max=3650),
        metadata={"description": "Days from a UN request to deployment, as promised"},
    )
    withdrawn_on = fields.Date(load_default=None, allow_none=True)
    remarks = Text(load_default=None, allow_none=True, validate=validate.Length(max=MAX_TEXT))
    milestones = fields.List(
        fields.Nested(MilestoneInSchema), load_default=list, validate=validate.Length(max=200)
    )


#: CSV columns that become milestones: column → (kind, field of the milestone).
CSV_MILESTONES = {
    "note_verbale_on": ("note_verbale", "dated_on"),
    "note_verbale_ref": ("note_verbale", "reference"),
    "table_of_organisation_on": ("table_of_organisation", "dated_on"),
    "major_equipment_on": ("major_equipment", "dated_on"),
    "self_sustainment_on": ("self_sustainment", "dated_on"),
    "aav_on": ("aav", "dated_on"),
    "aav_result": ("aav", "result"),
    "mou_draft_on": ("mou_draft", "dated_on"),
    "load_lists_on": ("load_lists", "dated_on"),
    "rdl_verification_on": ("rdl_verification", "dated_on"),
    "rdl_verification_result": ("rdl_verification", "result"),
    "rdl_agreement_on": ("rdl_agreement", "dated_on"),
    "updated_on": ("update", "dated_on"),
}


class PledgeCsvSchema(PledgeInSchema):
    """A pledge as a CSV row: `unit`, the pledge's fields, and one column per milestone date (and result)."""

    class Meta:
        exclude = ("milestones",)

    unit = fields.String(required=True, validate=UNIT_CODE)
    note_verbale_on = fields.Date()
    note_verbale_ref = Text(validate=validate.Length(max=120))
    table_of_organisation_on = fields.Date()
    major_equipment_on = fields.Date()
    self_sustainment_on = fields.Date()
    aav_on = fields.Date()
    aav_result = Choice(VISIT_RESULTS)
    mou_draft_on = fields.Date()
    load_lists_on = fields.Date()
    rdl_verification_on = fields.Date()
    rdl_verification_result = Choice(VISIT_RESULTS)
    rdl_agreement_on = fields.Date()
    updated_on = fields.Date()

    @post_load
    def _milestones(self, row: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        found: dict[str, dict[str, Any]] = {}
        for column, (kind, name) in CSV_MILESTONES.items():
            if (value := row.pop(column, None)) is not None:
                found.setdefault(kind, {})[name] = value
        errors = {
            f"{kind}_on": ["Give the date of this milestone too."]
            for kind, values in found.items()
            if "dated_on" not in values
        }
        if errors:
            raise ValidationError(errors)
        row["milestones"] = [
            {
                "kind": kind,
                "dated_on": v["dated_on"],
                "result": v.get("result"),
                "reference": v.get("reference"),
                "remarks": None,
            }
            for kind, v in found.items()
        ]
        return row


class PledgeQueryArgsSchema(PageArgsSchema):
    """Filters for a unit's pledges."""

    open = fields.Boolean(metadata={"description": "true: not withdrawn; false: withdrawn"})
