"""Partner and delivery schemas."""

from __future__ import annotations

from typing import Any

from flask import current_app
from marshmallow import Schema, ValidationError, fields, validate, validates

from readiness.api import PageArgsSchema
from readiness.mail.models import aware
from readiness.partners import schedule as schedules
from readiness.partners.models import EDITIONS, LANGUAGES

UNIT_CODE = fields.String(validate=validate.Length(min=1, max=32))


class PartnerSchema(Schema):
    """A partner organisation as the API shows it."""

    id = fields.Integer()
    name = fields.String()
    emails = fields.List(fields.String())
    language = fields.String(metadata={"description": "Language of the covering e-mail: " + ", ".join(
        f"{k} ({v})" for k, v in LANGUAGES.items()) + "; the report itself is in English"})
    units = fields.List(fields.String(), metadata={
        "description": "Codes of the units reported on (those in your scope)"})
    edition = fields.String(metadata={"description": "partner: aggregates only; full: also names the "
                                                     "people with gaps (personal data leaves the ministry)"})
    schedule = fields.String(allow_none=True, metadata={
        "description": "crontab expression (minute hour day month weekday) in the configured time zone; "
                       "null: on request only"})
    timezone = fields.String(metadata={"description": "The zone the schedule is read in"})
    active = fields.Boolean()
    next_due_at = fields.DateTime(allow_none=True, metadata={"description": "Next scheduled report (UTC)"})
    created_at = fields.DateTime()


class PartnerInSchema(Schema):
    """A partner to create (PATCH: any of the fields)."""

    name = fields.String(required=True, validate=validate.Length(
        min=1, max=200, error="Give a name of 1 to 200 characters."))
    emails = fields.List(fields.Email(validate=validate.Length(max=254)), required=True,
                         validate=validate.Length(min=1, max=20, error="Give 1 to 20 addresses."))
    language = fields.String(load_default="en", validate=validate.OneOf(list(LANGUAGES)))
    units = fields.List(UNIT_CODE, required=True,
                        validate=validate.Length(min=1, max=100, error="Give 1 to 100 unit codes."))
    edition = fields.String(load_default="partner", validate=validate.OneOf(EDITIONS))
    schedule = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=120))
    active = fields.Boolean(load_default=True)

    @validates("schedule")
    def _schedule(self, value: str | None, **_kw: Any) -> None:
        # A crontab expression needs no database: checked here, beside the other fields' errors.
        try:
            schedules.normalise(value, current_app.config["TIMEZONE"])
        except ValueError as error:
            raise ValidationError(f"{error}.") from None


class PartnerQueryArgsSchema(PageArgsSchema):
    """Filters for the partner list."""

    name = fields.String(metadata={"description": "Part of the name, any case"})
    active = fields.Boolean()
    unit = fields.String(metadata={"description": "Partners that receive this unit's report"})


class SendSchema(Schema):
    """What to send now."""

    as_of = fields.Date(load_default=None, metadata={"description": "Default: today (configured zone); "
                                                                   "not after today"})


class DocumentSchema(Schema):
    """A report attached to a delivery."""

    unit = fields.Function(lambda d: d.unit.code)
    document_id = fields.String()
    filename = fields.String()
    sha256 = fields.Function(lambda d: d.file.sha256)
    size = fields.Function(lambda d: d.file.size)


class DeliverySchema(Schema):
    """One sending of reports to a partner."""

    id = fields.Integer()
    partner = fields.Integer(attribute="partner_id")
    created_at = fields.DateTime()
    as_of = fields.Date()
    edition = fields.String()
    language = fields.String()
    recipients = fields.List(fields.String())
    trigger = fields.String(metadata={"description": "schedule, manual or resend"})
    requested_by = fields.String()
    status = fields.String(metadata={"description": "queued, sent or failed (the outbox's outcome)"})
    attempts = fields.Function(lambda d: d.message.attempts if d.message else 0)
    sent_at = fields.Function(
        lambda d: aware(d.message.sent_at).isoformat() if d.message and d.message.sent_at else None,
        metadata={"description": "When the mail server accepted it"})
    error = fields.Function(lambda d: d.error or (d.message.last_error if d.message else None))
    resent_from = fields.Integer(attribute="resent_from_id", allow_none=True)
    documents = fields.List(fields.Nested(DocumentSchema))


class DeliveryQueryArgsSchema(PageArgsSchema):
    """Paging of a partner's deliveries."""
