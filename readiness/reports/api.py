"""Certificate, batch, report and verification endpoints of the JSON API (files answer as PDF or ZIP)."""

from __future__ import annotations

import io
from typing import Any, ClassVar

from flask import current_app, request, send_file
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy.exc import IntegrityError

from readiness.auth.scope import READ_ROLES, RECORD_ROLES, acting_user, ensure_visible, require_role
from readiness.engine.rules import today
from readiness.errors import InvalidError
from readiness.extensions import db
from readiness.records.services import get_completion
from readiness.reports import batches, certificates, verification
from readiness.reports.limits import verify_rate
from readiness.reports.readiness_report import report_pdf
from readiness.reports.schemas import (
    PDF_RESPONSE,
    BatchQueryArgsSchema,
    CertificateSchema,
    ReportQueryArgsSchema,
    UploadCheckSchema,
    VerificationSchema,
)
from readiness.training.models import Completion
from readiness.units.services import get_unit

blp = Blueprint("reports", __name__, url_prefix="/api/v1",
                description="Certificates and readiness reports as PDF")
verify_blp = Blueprint("verification", __name__, url_prefix="/api/v1/verify",
                       description="Public verification of certificates: no authentication")
blueprints: list[Blueprint] = [blp, verify_blp]

#: The largest upload checked (a certificate is some 25 kB).
MAX_UPLOAD = 5 * 1024 * 1024
ZIP_RESPONSE = {"200": {"description": "A ZIP of single PDFs (format=zip)",
                        "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}}}}


def file_response(content: bytes, name: str, mimetype: str = "application/pdf", *,
                  sha256: str | None = None, attachment: bool = False) -> Any:
    """Answer with file bytes exactly as given."""
    response = send_file(io.BytesIO(content), mimetype=mimetype, download_name=name,
                         as_attachment=attachment, etag=sha256 or False, conditional=False)
    if sha256:
        response.headers["X-Certificate-SHA256"] = sha256
    response.headers["Cache-Control"] = "private, no-store"
    return response


def visible_completion(completion_id: int) -> Completion:
    """Return the completion if its person lies in the acting user's scope, else 404."""
    completion = get_completion(completion_id)
    ensure_visible(acting_user(), completion.person.unit, f"Completion {completion_id}")
    return completion


def issue_and_commit(completion: Completion) -> Any:
    """Return the completion's stored certificate, issuing it on first request (and committing)."""
    try:
        cert = certificates.certificate_for(completion, acting_user())
        db.session.commit()
    except IntegrityError:
        # Two first requests at once: the one stored first is the certificate.
        db.session.rollback()
        cert = certificates.current_certificate(completion.id, with_pdf=True)
        if cert is None:
            raise
    return cert


@blp.route("/completions/<int:completion_id>/certificate.pdf")
class CertificatePdf(MethodView):
    """A completion's certificate."""

    @blp.doc(responses={**PDF_RESPONSE, "409": {"description": "Revoked before it was ever issued"}})
    def get(self, completion_id):
        """The certificate as issued: rendered and stored on first request, byte-identical ever after.

        The `ETag` and `X-Certificate-SHA256` headers carry the SHA-256 that verification checks.
        """
        require_role(acting_user(), READ_ROLES)
        cert = issue_and_commit(visible_completion(completion_id))
        return file_response(cert.pdf, f"certificate-{cert.code}.pdf", sha256=cert.sha256)


@blp.route("/completions/<int:completion_id>/certificate/reissue")
class CertificateReissue(MethodView):
    """Re-issuing a certificate."""

    @blp.response(201, CertificateSchema)
    def post(self, completion_id):
        """Issue a new certificate (new code) from today's records; the previous one answers as superseded.

        For a corrected name or rank (admin, training officer). The completion's
        `verification_code` becomes the new code.
        """
        require_role(acting_user(), RECORD_ROLES)
        cert = certificates.reissue(visible_completion(completion_id), acting_user())
        db.session.commit()
        return cert


@blp.route("/certificates/batch")
class CertificateBatch(MethodView):
    """Many certificates at once."""

    @blp.arguments(BatchQueryArgsSchema, location="query")
    @blp.doc(responses={**PDF_RESPONSE, **ZIP_RESPONSE})
    def get(self, args):
        """All certificates of a roster (course and completed_on) or of a unit's subtree, one PDF or a ZIP.

        Only people in your scope; revoked completions are left out; missing certificates
        are issued first. At most CERTIFICATE_BATCH_MAX (default 1000) per batch.
        """
        require_role(acting_user(), READ_ROLES)
        fmt = args.pop("format")
        found = batches.batch(acting_user(), **args)
        content, name, mimetype = batch_file(found, fmt)
        db.session.commit()
        return file_response(content, name, mimetype, attachment=True)


def batch_file(found: batches.Batch, fmt: str) -> tuple[bytes, str, str]:
    """Return (content, file name, type) of a batch as one PDF or a ZIP."""
    if fmt == "zip":
        return batches.zip_archive(found.certificates), f"certificates_{found.slug}.zip", "application/zip"
    author = str(current_app.config["ISSUING_AUTHORITY"])
    return (batches.merged_pdf(found.title, found.certificates, author), f"certificates_{found.slug}.pdf",
            "application/pdf")


@blp.route("/units/<code>/report.pdf")
class UnitReport(MethodView):
    """A unit's readiness report."""

    @blp.arguments(ReportQueryArgsSchema, location="query")
    @blp.doc(responses=PDF_RESPONSE)
    def get(self, args, code):
        """The readiness report of the unit on `as_of` (default today).

        `full` lists the people with gaps by sub-unit; `partner` carries aggregates only,
        no names, service numbers or other personal data.
        """
        user = acting_user()
        require_role(user, READ_ROLES)
        unit = get_unit(code)
        ensure_visible(user, unit, f"Unit {code!r}")
        on = args["as_of"] or today()
        content = report_pdf(unit, on, args["edition"], user)
        return file_response(content, f"readiness_{unit.code}_{on.isoformat()}_{args['edition']}.pdf")


@verify_blp.route("/<code>")
class VerifyCode(MethodView):
    """Checking a certificate number."""

    decorators: ClassVar[list[Any]] = [verify_rate]

    @verify_blp.doc(security=[])
    @verify_blp.response(200, VerificationSchema)
    def get(self, code):
        """Status (valid, expired or revoked as of today), holder, course, dates and fingerprint of a code.

        Public: no authentication; rate-limited (429 beyond VERIFY_RATE_LIMIT).
        """
        return verification.verify_code(code)


@verify_blp.route("/pdf")
class VerifyUpload(MethodView):
    """Checking a certificate file."""

    decorators: ClassVar[list[Any]] = [verify_rate]

    @verify_blp.doc(security=[], requestBody={"required": True, "content": {"multipart/form-data": {
        "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}}}})
    @verify_blp.response(200, UploadCheckSchema)
    def post(self):
        """Tell whether an uploaded PDF is a certificate issued here, unaltered (its SHA-256 is stored).

        Public: no authentication; rate-limited.
        """
        content = read_upload()
        return upload_answer(content)


def read_upload() -> bytes:
    """Return the uploaded `file`, refusing a missing or oversized one."""
    # Set before the form is parsed: a larger body is refused (413) instead of spooled to disk.
    request.max_content_length = MAX_UPLOAD + 64 * 1024
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InvalidError("Send the PDF as the multipart field 'file'.", {"file": ["Missing."]})
    content = upload.stream.read(MAX_UPLOAD + 1)
    if len(content) > MAX_UPLOAD:
        raise InvalidError("The file is larger than any certificate (5 MB at most).",
                           {"file": ["Too large."]})
    if not content:
        raise InvalidError("The file is empty.", {"file": ["Empty."]})
    return content


def upload_answer(content: bytes) -> dict[str, Any]:
    """Return the answer about an uploaded file."""
    found = verification.verify_pdf(content)
    sha = verification.fingerprint(content)
    if found is None:
        return {"genuine": False, "sha256": sha, "certificate": None,
                "message": "Not a certificate issued by this system, or it has been altered."}
    return {"genuine": True, "sha256": sha, "certificate": found,
            "message": f"Genuine certificate {found.code}, status {found.status}."}

