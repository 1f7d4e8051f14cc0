"""Queue mail in the caller's transaction; an admin's retry and resend."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import insert, select

from readiness import audit
from readiness.db import utcnow
from readiness.errors import ConflictError, InvalidError, NotFoundError
from readiness.extensions import db
from readiness.mail.models import OutboxAttachment, OutboxMessage, StoredFile


@dataclass(frozen=True)
class Attachment:
    """A file to attach: a stored file, under a name and type."""

    file_id: int
    filename: str
    mimetype: str = "application/pdf"


@dataclass(frozen=True)
class Mail:
    """A message to queue."""

    kind: str
    recipients: Sequence[str]
    subject: str
    text_body: str
    html_body: str | None = None
    attachments: Sequence[Attachment] = ()


def render(template: str, **context: Any) -> str:
    """Render a mail template (templates/mail/…) without the page's context: jobs have no request."""
    return current_app.jinja_env.get_template(f"mail/{template}").render(**context)


def store_file(content: bytes) -> StoredFile:
    """Return the stored file holding `content`, storing it on first sight (by SHA-256)."""
    digest = hashlib.sha256(content).hexdigest()
    found = db.session.scalar(select(StoredFile).where(StoredFile.sha256 == digest))
    if found is not None:
        return found
    stored = StoredFile(sha256=digest, size=len(content), content=content)
    db.session.add(stored)
    db.session.flush()
    return stored


def _row(mail: Mail, now: datetime) -> dict[str, Any]:
    recipients = sorted({r.strip() for r in mail.recipients if r and r.strip()})
    if not recipients:
        raise InvalidError("A message needs at least one recipient.", {"recipients": ["None given."]})
    return {"kind": mail.kind, "recipients": recipients, "subject": mail.subject,
            "text_body": mail.text_body, "html_body": mail.html_body, "status": "queued",
            "attempts": 0, "next_attempt_at": now, "created_at": now}


def queue(mail: Mail, now: datetime | None = None) -> OutboxMessage:
    """Add one message to the outbox, due at once, in the current transaction."""
    now = now or utcnow()
    message = OutboxMessage(**_row(mail, now))
    message.attachments = [OutboxAttachment(file_id=a.file_id, filename=a.filename, mimetype=a.mimetype)
                           for a in mail.attachments]
    db.session.add(message)
    db.session.flush()
    return message


def queue_many(mails: Sequence[Mail], now: datetime | None = None) -> int:
    """Add many messages without attachments in one statement (digests of a job)."""
    if not mails:
        return 0
    now = now or utcnow()
    if any(m.attachments for m in mails):
        raise ValueError("queue_many takes messages without attachments; use queue()")
    db.session.execute(insert(OutboxMessage), [_row(m, now) for m in mails])
    return len(mails)


def get_message(message_id: int) -> OutboxMessage:
    """Return the message or raise NotFoundError."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFoundError(f"Message {message_id} not found.")
    return message


def retry(message: OutboxMessage, actor: Any, now: datetime | None = None) -> OutboxMessage:
    """Make a failed (or waiting) message due now, with a fresh count of attempts."""
    if message.status == "sent":
        raise ConflictError(f"Message {message.id} was sent; resend it instead.")
    before = {"status": message.status, "attempts": message.attempts}
    message.status = "queued"
    message.attempts = 0
    message.next_attempt_at = now or utcnow()
    message.claim = message.claimed_until = None
    db.session.flush()
    audit.record(actor, "retry", "outbox_message", str(message.id),
                 {"status": [before["status"], "queued"], "attempts": [before["attempts"], 0]})
    return message


def resend(message: OutboxMessage, actor: Any, now: datetime | None = None) -> OutboxMessage:
    """Queue a copy of a sent message (same recipients, text and attachment bytes)."""
    if message.status != "sent":
        raise ConflictError(f"Message {message.id} has not been sent; retry it instead.")
    copy = queue(Mail(kind=message.kind, recipients=message.recipients, subject=message.subject,
                      text_body=message.text_body, html_body=message.html_body,
                      attachments=[Attachment(a.file_id, a.filename, a.mimetype)
                                   for a in message.attachments]), now)
    copy.resent_from_id = message.id
    db.session.flush()
    audit.record(actor, "resend", "outbox_message", str(message.id), {"copy": copy.id})
    return copy
