"""The `outbox` job: send the due messages over SMTP and record each outcome at once.

A message is marked sent only after the SMTP server accepted it, and that mark is
committed before the next message goes out. Runners claim a batch first (a claim token
and a lease; on PostgreSQL the claim skips rows another runner has locked), so two runners
never send the same message; a runner that died leaves its claim to expire. A crash
between the server's acceptance and the commit can repeat one message, never lose one.
"""

from __future__ import annotations

import logging
import secrets
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_mail import Attachment, Connection, Message, sanitize_address, sanitize_addresses
from sqlalchemy import or_, select, update
from sqlalchemy.orm import selectinload, undefer

from readiness.extensions import db, mail
from readiness.mail.models import OutboxAttachment, OutboxMessage, StoredFile

log = logging.getLogger(__name__)

#: Messages claimed at once; with MAIL_TIMEOUT per message this bounds the lease needed.
BATCH = 20


class _Connection(Connection):
    """Flask-Mail's connection, with a timeout so a silent server cannot hang the job."""

    def configure_host(self) -> smtplib.SMTP:
        """Connect, greet, start TLS and log in as Flask-Mail does, within MAIL_TIMEOUT."""
        timeout = float(current_app.config.get("MAIL_TIMEOUT", 30))
        cls = smtplib.SMTP_SSL if self.mail.use_ssl else smtplib.SMTP
        host = cls(self.mail.server, self.mail.port, timeout=timeout)
        host.set_debuglevel(int(self.mail.debug))
        if self.mail.use_tls:
            host.starttls()
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host


@dataclass
class Outcome:
    """What one run did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0

    def summary(self, waiting: int) -> str:
        """Return the one-line summary of the run."""
        if not (self.sent or self.retrying or self.failed):
            return f"nothing due ({waiting} waiting for a later attempt)" if waiting else "nothing due"
        parts = [f"{self.sent} sent"]
        if self.retrying:
            parts.append(f"{self.retrying} to retry later")
        if self.failed:
            parts.append(f"{self.failed} failed")
        return ", ".join(parts)


def backoff(attempts: int) -> timedelta:
    """Return the wait after the `attempts`-th failed attempt: doubling, capped."""
    base = float(current_app.config["OUTBOX_RETRY_SECONDS"])
    cap = float(current_app.config["OUTBOX_RETRY_MAX_SECONDS"])
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


def _due(now: datetime) -> Any:
    return (OutboxMessage.status == "queued") & (OutboxMessage.next_attempt_at <= now) & or_(
        OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now)


def _claim(now: datetime, token: str) -> list[OutboxMessage]:
    """Claim up to BATCH due messages for this runner and commit the claim."""
    lease = timedelta(seconds=BATCH * float(current_app.config.get("MAIL_TIMEOUT", 30)) * 2 + 60)
    ids = (select(OutboxMessage.id).where(_due(now))
           .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(BATCH)
           .with_for_update(skip_locked=True))
    # The condition is repeated in the UPDATE: a row another runner claimed since the
    # SELECT is left alone (SQLite has no row locks; PostgreSQL re-checks a waited-for row).
    db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id.in_(list(db.session.scalars(ids))), _due(now))
        .values(claim=token, claimed_until=now + lease).execution_options(synchronize_session=False))
    db.session.commit()
    return list(db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.claim == token, OutboxMessage.status == "queued")
        .options(selectinload(OutboxMessage.attachments).joinedload(OutboxAttachment.file)
                 .options(undefer(StoredFile.content)))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)))


def _flask_message(message: OutboxMessage, sender: Any) -> Message:
    msg = Message(subject=message.subject, recipients=list(message.recipients), body=message.text_body,
                  html=message.html_body, sender=sender,
                  extra_headers={"X-Readiness-Outbox-Id": str(message.id)})
    msg.attachments = [Attachment(a.filename, a.mimetype, a.file.content) for a in message.attachments]
    return msg


def _permanent(error: Exception) -> bool:
    """Tell whether retrying cannot help: the server refused with a 5xx code, or the message is malformed."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    return isinstance(error, ValueError | UnicodeError)


#: Errors after which the SMTP session can go on (smtplib has reset it).
_CONNECTION_INTACT = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError,
                      ValueError, UnicodeError)


def _refusals(refused: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(f"{addr} ({code} {reply.decode(errors='replace')})"
                     for addr, (code, reply) in refused.items())


def _describe(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "all recipients refused: " + _refusals(error.recipients)
    if isinstance(error, smtplib.SMTPResponseException):
        reply = error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) \
            else str(error.smtp_error)
        return f"{type(error).__name__}: {error.smtp_code} {reply}"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def _record_failure(message: OutboxMessage, error: Exception, now: datetime, outcome: Outcome, *,
                    transient: bool = False) -> None:
    permanent = not transient and _permanent(error)
    message.attempts += 1
    message.last_error = _describe(error)[:2000]
    message.claim = message.claimed_until = None
    if permanent or message.attempts >= int(current_app.config["OUTBOX_MAX_ATTEMPTS"]):
        message.status = "failed"
        if not permanent:
            message.last_error = f"gave up after {message.attempts} attempts; last: {message.last_error}"
        outcome.failed += 1
    else:
        message.next_attempt_at = now + backoff(message.attempts)
        outcome.retrying += 1
    log.warning("outbox message %s: %s", message.id, message.last_error)


def _close(host: Any) -> None:
    try:
        host.quit()
    except (smtplib.SMTPException, OSError):
        host.close()


def _send_batch(messages: Sequence[OutboxMessage], now: datetime, outcome: Outcome) -> bool:
    """Send a claimed batch over one connection; return False when the server could not be reached."""
    state = mail.init_mail(current_app.config, current_app.debug, current_app.testing)
    connection = _Connection(state)
    host = None
    for index, message in enumerate(messages):
        if host is None:
            try:
                host = connection.configure_host()
            except (smtplib.SMTPException, OSError) as error:
                # No server (or it refused us): every message of the batch waited on it, and
                # counts an attempt; the rest of the outbox waits for the next run.
                for waiting in messages[index:]:
                    _record_failure(waiting, error, now, outcome, transient=True)
                db.session.commit()
                return False
        try:
            msg = _flask_message(message, state.default_sender)
            if msg.has_bad_headers():
                raise ValueError("a recipient or the subject holds a line break")
            refused = host.sendmail(sanitize_address(msg.sender), list(sanitize_addresses(msg.send_to)),
                                    msg.as_bytes())
        except (smtplib.SMTPException, OSError, ValueError, UnicodeError) as error:
            _record_failure(message, error, now, outcome)
            if not isinstance(error, _CONNECTION_INTACT):
                # The connection itself broke: the next message opens a new one.
                _close(host)
                host = None
        else:
            message.status = "sent"
            message.sent_at = now
            message.attempts += 1
            message.claim = message.claimed_until = None
            message.last_error = ("some recipients refused: " + _refusals(refused)) if refused else None
            outcome.sent += 1
        # Each outcome is committed before the next message: an accepted message is never
        # left looking unsent, nor a refused one looking untried.
        db.session.commit()
    if host is not None:
        _close(host)
    return True


def run_outbox(now: datetime) -> str:
    """Send the messages due at `now`; return a one-line summary (the `outbox` job)."""
    state = mail.init_mail(current_app.config, current_app.debug, current_app.testing)
    if state.suppress:
        waiting = db.session.scalar(select(db.func.count()).where(_due(now))) or 0
        return f"mail is suppressed (MAIL_SUPPRESS_SEND or TESTING): {waiting} due message(s) left queued"
    token = secrets.token_hex(8)
    outcome = Outcome()
    while (batch := _claim(now, token)) and _send_batch(batch, now, outcome):
        pass
    waiting = db.session.scalar(select(db.func.count()).select_from(OutboxMessage)
                                .where(OutboxMessage.status == "queued")) or 0
    return outcome.summary(waiting)
