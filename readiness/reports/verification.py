"""Public verification of certificates (DESIGN.md §3): by code, or by the PDF itself.

Anyone may ask; the answer says only what the certificate itself says (holder, course,
dates), its status as of today and its fingerprint: nothing else about the person.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from readiness.engine.rules import today
from readiness.errors import NotFoundError
from readiness.extensions import db
from readiness.records import codes
from readiness.reports.certificates import holder_name
from readiness.reports.models import Certificate
from readiness.training.models import Completion

STATUSES = ("valid", "expired", "revoked")


@dataclass(frozen=True)
class Verification:
    """What the public learns about a certificate."""

    code: str
    status: str  # valid, expired or revoked, as of `checked_on`
    holder: str
    course: str
    provider: str
    completed_on: date
    expires_on: date | None
    sha256: str | None  # None until the certificate is first issued as a PDF
    issued_at: datetime | None
    superseded_by: str | None  # the code of the document that replaced this one
    superseded_at: datetime | None
    checked_on: date

    @property
    def superseded(self) -> bool:
        """Whether a re-issue replaced this document."""
        return self.superseded_by is not None


def status_of(completion: Completion, on: date, *, superseded: bool = False) -> str:
    """Return valid, expired or revoked for a completion's certificate on `on`.

    A superseded document is no longer in force: it answers `revoked` (with the code of
    the one that replaced it).
    """
    if completion.revoked or superseded:
        return "revoked"
    if completion.expires_on is not None and on >= completion.expires_on:
        return "expired"
    return "valid"


def _from_certificate(cert: Certificate, on: date) -> Verification:
    successor = cert.superseded_by
    return Verification(
        code=cert.code, status=status_of(cert.completion, on, superseded=successor is not None),
        holder=cert.holder, course=cert.course, provider=cert.provider,
        completed_on=cert.completion.completed_on, expires_on=cert.completion.expires_on,
        sha256=cert.sha256, issued_at=cert.issued_at,
        superseded_by=successor.code if successor is not None else None,
        superseded_at=cert.superseded_at, checked_on=on)


def _from_completion(completion: Completion, on: date) -> Verification:
    # Recorded but never printed: the records speak until the first PDF is issued.
    person, course = completion.person, completion.course
    return Verification(
        code=completion.verification_code, status=status_of(completion, on),
        holder=f"{person.rank} {holder_name(person)}", course=course.title, provider=course.provider,
        completed_on=completion.completed_on, expires_on=completion.expires_on, sha256=None,
        issued_at=None, superseded_by=None, superseded_at=None, checked_on=on)


def verify_code(text: str) -> Verification:
    """Return what a certificate code stands for today; 404 for a code this system never issued."""
    code = codes.normalize_code(text)
    if code is None:
        raise NotFoundError("No certificate has this number: a number looks like 7KQ2-MX9D-4TRA "
                            "(12 letters and digits).")
    on = today()
    cert = db.session.scalar(select(Certificate).where(Certificate.code == code))
    if cert is not None:
        return _from_certificate(cert, on)
    completion = db.session.scalar(select(Completion).where(Completion.verification_code == code))
    if completion is not None:
        return _from_completion(completion, on)
    raise NotFoundError(f"No certificate with number {code} was issued by this system.")


def fingerprint(content: bytes) -> str:
    """Return the SHA-256 of a file, as stored for every certificate."""
    return hashlib.sha256(content).hexdigest()


def verify_pdf(content: bytes) -> Verification | None:
    """Return the certificate whose stored PDF is byte for byte `content`, or None (not ours, or altered)."""
    cert = db.session.scalar(select(Certificate).where(Certificate.sha256 == fingerprint(content)))
    return _from_certificate(cert, today()) if cert is not None else None
