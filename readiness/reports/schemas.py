"""Certificate, verification, batch and report schemas."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

EDITIONS = ("full", "partner")
FORMATS = ("pdf", "zip")
PDF_RESPONSE = {"200": {"description": "The PDF",
                        "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}


class VerificationSchema(Schema):
    """The public answer about a certificate (DESIGN.md §3): nothing else about the person."""

    code = fields.String()
    status = fields.String(metadata={"description": "valid, expired or revoked, as of today "
                                                    "(a superseded document answers revoked)"})
    holder = fields.String(metadata={"description": "Rank and name as printed on the certificate"})
    course = fields.String(metadata={"description": "Course title as printed"})
    completed_on = fields.Date()
    expires_on = fields.Date(allow_none=True)
    sha256 = fields.String(allow_none=True, metadata={
        "description": "SHA-256 of the issued PDF; null until the certificate is first printed"})
    superseded_by = fields.String(allow_none=True, metadata={
        "description": "Code of the certificate that replaced this one (a re-issue), else null"})


class UploadCheckSchema(Schema):
    """Whether an uploaded file is a certificate issued here, unaltered."""

    genuine = fields.Boolean()
    sha256 = fields.String(metadata={"description": "SHA-256 of the uploaded file"})
    message = fields.String()
    certificate = fields.Nested(VerificationSchema, allow_none=True)


class CertificateSchema(Schema):
    """A stored certificate."""

    code = fields.String()
    number = fields.Integer(metadata={"description": "1 for the first document, +1 per re-issue"})
    completion = fields.Integer(attribute="completion_id")
    sha256 = fields.String()
    size = fields.Integer()
    holder = fields.String()
    course = fields.String()
    completed_on = fields.Date()
    expires_on = fields.Date(allow_none=True)
    issued_at = fields.DateTime()
    issued_by = fields.String()


class BatchQueryArgsSchema(Schema):
    """Which certificates a batch holds: a roster (course and date) or a unit's subtree."""

    course = fields.String(load_default=None, validate=validate.Length(min=1, max=40))
    completed_on = fields.Date(load_default=None)
    unit = fields.String(load_default=None, validate=validate.Length(min=1, max=32))
    format = fields.String(load_default="pdf", validate=validate.OneOf(FORMATS),
                           metadata={"description": "pdf: one merged PDF; zip: one PDF per certificate"})

    @validates_schema
    def _roster_or_unit(self, data: dict, **_kwargs: object) -> None:
        if data.get("unit") is None and (data.get("course") is None or data.get("completed_on") is None):
            raise ValidationError("Give a roster (course and completed_on) or a unit.", "course")


class ReportQueryArgsSchema(Schema):
    """The date and edition of a readiness report."""

    as_of = fields.Date(load_default=None, metadata={"description": "Default: today (configured zone)"})
    edition = fields.String(load_default="full", validate=validate.OneOf(EDITIONS), metadata={
        "description": "full: with the people who have gaps; partner: aggregates only, no personal data"})
