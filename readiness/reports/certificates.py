"""Certificates (DESIGN.md §3): built as plain data, rendered once, stored with their SHA-256.

The first request for a completion's certificate renders and stores it; every later one
serves the stored bytes, so a name change or a template edit never alters what was
issued. A re-issue is a new document with a new code; the old one is marked superseded.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import undefer

from readiness import audit
from readiness.db import utcnow
from readiness.engine.rules import today
from readiness.errors import ConflictError
from readiness.extensions import db
from readiness.personnel.models import Person
from readiness.records import codes
from readiness.reports import fonts, pdf, qr
from readiness.reports.models import Certificate
from readiness.training.models import Completion

STYLESHEETS = ("certificate.css",)
#: The QR code's modules are printed in the text's colour (certificate.css).
QR_COLOUR = "#1d2733"
#: Certificates laid out in one document when many are issued at once.
CHUNK = 25
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
DEFAULTS = {
    "CERTIFICATE_STATE": "Republic of Azerbaijan",
    "CERTIFICATE_STATE_AZ": "Azərbaycan Respublikası",
    "CERTIFICATE_AUTHORITY_AZ": "Müdafiə Nazirliyi",
    "CERTIFICATE_SIGNATORY": "Head of the Training Directorate",
}


def long_date(day: date) -> str:
    """Return '12 March 2025': unambiguous in every partner's reading."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def holder_name(person: Person) -> str:
    """Return the name as official documents print it: family name, given name, patronymic."""
    return " ".join(p for p in (person.family_name, person.given_name, person.patronymic) if p)


def verify_url(code: str) -> str:
    """Return the public verification address of `code`."""
    return f"{current_app.config['PUBLIC_URL'].rstrip('/')}/verify/{code}"


def setting(name: str) -> str:
    """Return a certificate setting: the app's configuration, else the default here."""
    return str(current_app.config.get(name) or DEFAULTS[name])


@dataclass(frozen=True)
class CertificateData:
    """Everything a certificate prints; the template sees nothing else."""

    code: str
    rank: str
    name: str
    course_title: str
    course_code: str
    provider: str
    completed_on: date
    expires_on: date | None
    issued_on: date
    authority: str
    authority_az: str
    state: str
    state_az: str
    signatory: str
    verify_url: str
    supersedes: str | None = None

    @functools.cached_property
    def qr_data_uri(self) -> str:
        """The QR code of the verification address as an SVG data URI (see reports.qr).

        Drawn when the certificate's HTML is built (about 1.3 ms each), so that a batch
        builds each chunk's codes while the workers render the chunks before it.
        """
        return qr.svg_data_uri(qr.encode(self.verify_url, "m"), QR_COLOUR)

    @property
    def holder(self) -> str:
        """Rank and name, as verification shows the holder."""
        return f"{self.rank} {self.name}".strip()

    def long(self, day: date | None) -> str:
        """Format a date of the certificate."""
        return long_date(day) if day else ""


def certificate_data(completion: Completion, code: str, issued_on: date,
                     supersedes: str | None = None) -> CertificateData:
    """Build the printed content of `completion`'s certificate numbered `code`."""
    person, course = completion.person, completion.course
    return CertificateData(
        code=code, rank=fonts.printable(person.rank), name=fonts.printable(holder_name(person)),
        course_title=fonts.printable(course.title), course_code=course.code,
        provider=fonts.printable(course.provider), completed_on=completion.completed_on,
        expires_on=completion.expires_on, issued_on=issued_on,
        authority=fonts.printable(current_app.config["ISSUING_AUTHORITY"]),
        authority_az=setting("CERTIFICATE_AUTHORITY_AZ"), state=setting("CERTIFICATE_STATE"),
        state_az=setting("CERTIFICATE_STATE_AZ"), signatory=setting("CERTIFICATE_SIGNATORY"),
        verify_url=verify_url(code), supersedes=supersedes)


def check_printable(data: CertificateData) -> None:
    """Refuse (422) a certificate with a character the fonts cannot draw."""
    fonts.preflight({"holder's rank": data.rank, "holder's name": data.name,
                     "course title": data.course_title, "provider": data.provider,
                     "issuing authority": data.authority,
                     "issuing authority (Azerbaijani)": data.authority_az,
                     "state": f"{data.state} {data.state_az}", "signatory": data.signatory},
                    current_app.static_folder or "", "serif", f"certificate {data.code}")


#: The template's line breaks and indentation between two tags.
_BETWEEN_TAGS = re.compile(r">\s*\n\s*<")


def certificate_html(certificates: Sequence[CertificateData]) -> str:
    """Return the HTML of certificates, one per page, without the line breaks between tags.

    Whitespace between block-level tags prints nothing, but WeasyPrint parses it, lays it
    out and writes an empty text object for each (about 1.5 ms a certificate); the pages
    look the same without it (the template says so to whoever edits it).
    """
    return _BETWEEN_TAGS.sub("><", pdf.render_template("certificate.html", certificates=certificates))


def render_certificates(datas: Sequence[CertificateData]) -> list[bytes]:
    """Check every text can be printed, then render each certificate as its own PDF.

    They are laid out together in chunks and each page is written on its own: a
    certificate shares the cost of the layout with the others of its batch, and its PDF
    is byte for byte the one it would get alone (the fonts are subset per file; the
    tests hold to it). From CERTIFICATE_PARALLEL_MIN certificates on, the chunks are
    rendered by CERTIFICATE_WORKERS processes (see pdf.in_workers), the same
    bytes in about half the time on two cores; fewer stay in this process, where a
    single certificate does not pay for starting a pool. Where workers may render, the
    first call starts their fork server ahead (pdf.start_fork_server), so that a batch
    from nothing in a process that has rendered before does not wait for it.
    """
    for data in datas:
        check_printable(data)
    config = current_app.config
    allowed = pdf.worker_count(config.get("CERTIFICATE_WORKERS"), "CERTIFICATE_WORKERS")
    if allowed > 1:
        pdf.start_fork_server()
    workers = min(allowed, len(datas))
    threshold = config.get("CERTIFICATE_PARALLEL_MIN")
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:
        raise ValueError("CERTIFICATE_PARALLEL_MIN must be a whole number of certificates, at least 1; "
                         f"got {threshold!r}.")
    if workers > 1 and len(datas) >= threshold:
        size = chunk_size(len(datas), workers)
        jobs = (_chunk_job(datas[start:start + size]) for start in range(0, len(datas), size))
        rendered = pdf.in_workers(pdf.write_pages, jobs, workers)
    else:
        rendered = [pdf.write_pages(_chunk_job(datas[start:start + CHUNK]))
                    for start in range(0, len(datas), CHUNK)]
    return [content for chunk in rendered for content in chunk]


def chunk_size(count: int, workers: int) -> int:
    """Return how many of `count` certificates to lay out together so `workers` get even shares.

    At most CHUNK; the number of chunks is a multiple of the workers, so that none is
    left rendering a last chunk alone while the others wait.
    """
    rounds = -(-count // (workers * CHUNK))
    return max(1, -(-count // (workers * rounds)))


def _chunk_job(chunk: Sequence[CertificateData]) -> pdf.PagesJob:
    pages = [pdf.PageMeta(
        title=f"Certificate {data.code} — {data.course_title}",
        description=f"Certificate of completion of {data.course_title} ({data.course_code}) by {data.holder}",
        keywords=("certificate", data.course_code, data.code)) for data in chunk]
    return pdf.pages_job(certificate_html(chunk), STYLESHEETS, pages, "certificates")


def render_certificate(data: CertificateData) -> bytes:
    """Check the text can be printed, then render one certificate as PDF bytes."""
    return render_certificates([data])[0]


def current_certificate(completion_id: int, *, with_pdf: bool = False) -> Certificate | None:
    """Return the completion's certificate in force (not superseded), if one was issued."""
    stmt = (select(Certificate).where(Certificate.completion_id == completion_id,
                                      Certificate.superseded_by_id.is_(None))
            .order_by(Certificate.number.desc()).limit(1))
    if with_pdf:
        stmt = stmt.options(undefer(Certificate.pdf))
    return db.session.scalar(stmt)


def _record(completion: Completion, data: CertificateData, content: bytes, number: int,
            actor: Any) -> Certificate:
    return Certificate(
        completion_id=completion.id, number=number, code=data.code,
        sha256=hashlib.sha256(content).hexdigest(), size=len(content), pdf=content, holder=data.holder,
        course=data.course_title, provider=data.provider, completed_on=data.completed_on,
        expires_on=data.expires_on, issued_at=utcnow(), issued_by=getattr(actor, "name", None) or "system")


def _refuse_revoked(completion: Completion) -> None:
    if completion.revoked:
        raise ConflictError(f"Completion {completion.id} is revoked ({completion.revoke_reason}): "
                            "no certificate is issued for it.")


def certificate_for(completion: Completion, actor: Any) -> Certificate:
    """Return the completion's certificate, rendering and storing it on first request.

    A revoked completion whose certificate was never issued gets none (409).
    """
    existing = current_certificate(completion.id, with_pdf=True)
    if existing is not None:
        return existing
    _refuse_revoked(completion)
    data = certificate_data(completion, completion.verification_code, today())
    cert = _record(completion, data, render_certificate(data), 1, actor)
    db.session.add(cert)
    db.session.flush()
    audit.record(actor, "issue", "certificate", cert.code,
                 {"completion": completion.id, "sha256": cert.sha256})
    return cert


def issue_many(completions: Sequence[Completion], actor: Any) -> list[Certificate]:
    """Return the certificates of `completions` in order, issuing the missing ones (batches)."""
    ids = [c.id for c in completions]
    stored: dict[int, Certificate] = {}
    for start in range(0, len(ids), 500):
        for cert in db.session.scalars(
                select(Certificate).options(undefer(Certificate.pdf))
                .where(Certificate.completion_id.in_(ids[start:start + 500]),
                       Certificate.superseded_by_id.is_(None))):
            stored[cert.completion_id] = cert
    missing = [c for c in completions if c.id not in stored]
    for completion in missing:
        _refuse_revoked(completion)
    on = today()
    datas = [certificate_data(c, c.verification_code, on) for c in missing]
    fresh: list[Certificate] = []
    for completion, data, content in zip(missing, datas, render_certificates(datas), strict=True):
        cert = _record(completion, data, content, 1, actor)
        stored[completion.id] = cert
        fresh.append(cert)
    if fresh:
        db.session.add_all(fresh)
        db.session.flush()
        audit.record_many(actor, "issue", "certificate", [
            (c.code, {"completion": c.completion_id, "sha256": c.sha256}) for c in fresh])
    return [stored[i] for i in ids]


def issue_pending(limit: int, actor: Any = None) -> int:
    """Issue certificates of up to `limit` recorded completions that have none yet, oldest first.

    For a background job: a batch printed after it finds every certificate stored and
    only merges them. Returns how many were issued; the caller commits.
    """
    has_one = select(Certificate.id).where(Certificate.completion_id == Completion.id).exists()
    pending = list(db.session.scalars(
        select(Completion).where(~Completion.revoked, ~has_one)
        .order_by(Completion.recorded_at, Completion.id).limit(limit)))
    issue_many(pending, actor)
    return len(pending)


def _new_code() -> str:
    """Return a code used by no completion and no certificate, past or present."""
    while True:
        candidates = codes.generate_codes(4)
        taken = set(db.session.scalars(select(Completion.verification_code)
                                       .where(Completion.verification_code.in_(candidates))))
        taken |= set(db.session.scalars(select(Certificate.code).where(Certificate.code.in_(candidates))))
        free = [c for c in candidates if c not in taken]
        if free:
            return free[0]


def reissue(completion: Completion, actor: Any) -> Certificate:
    """Issue a new certificate with a new code from today's records; the previous one is superseded.

    The completion's `verification_code` becomes the new code; the old code still
    verifies, as superseded.
    """
    _refuse_revoked(completion)
    previous = current_certificate(completion.id)
    if previous is None:
        # Never issued: the first issue is the certificate, there is nothing to supersede.
        return certificate_for(completion, actor)
    code = _new_code()
    data = certificate_data(completion, code, today(), supersedes=previous.code)
    cert = _record(completion, data, render_certificate(data), previous.number + 1, actor)
    db.session.add(cert)
    db.session.flush()
    previous.superseded_by_id = cert.id
    previous.superseded_at = cert.issued_at
    completion.verification_code = code
    db.session.flush()
    audit.record(actor, "reissue", "certificate", code,
                 {"completion": completion.id, "supersedes": previous.code, "sha256": cert.sha256})
    return cert
