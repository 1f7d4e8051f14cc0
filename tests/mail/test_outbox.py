"""The outbox against a real SMTP server on loopback: sent once accepted, waiting while it is down."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text

from readiness.audit import AuditEvent
from readiness.extensions import db
from readiness.mail import services
from readiness.mail.models import OutboxMessage, aware
from readiness.mail.sender import run_outbox
from tests.factories import make_user
from tests.workspace.conftest import Browser, plain

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
PDF = b"%PDF-1.4\n% a stand-in attachment: the outbox carries bytes, whatever they are\n%%EOF\n"


def queue(recipients: tuple[str, ...] = ("officer@mod.example",), *, subject: str = "Hello",
          attachment: bytes | None = None, now: datetime = NOW) -> int:
    """Queue one message (committed) and return its id."""
    attachments = []
    if attachment is not None:
        stored = services.store_file(attachment)
        attachments.append(services.Attachment(stored.id, "report.pdf"))
    message = services.queue(services.Mail("test", recipients, subject, "Plain text ə ğ ı İ ş",
                                           "<p>HTML <b>body</b></p>", attachments), now)
    db.session.commit()
    return message.id


def stored(message_id: int) -> OutboxMessage:
    """Return the message as the database holds it now."""
    db.session.expire_all()
    return db.session.get(OutboxMessage, message_id)


def test_a_queued_message_arrives_with_its_attachment_and_is_marked_sent(app, smtp):
    message_id = queue(("a@mod.example", "b@partner.example"), subject="Report — ə", attachment=PDF)

    assert run_outbox(NOW) == "1 sent"

    (got,) = smtp.received
    assert sorted(got.rcpt_tos) == ["a@mod.example", "b@partner.example"]
    assert got.mail_from == "readiness@mod.example"
    assert got.subject == "Report — ə"
    assert "Plain text ə ğ ı İ ş" in got.body("plain")
    assert "<b>body</b>" in got.body("html")
    assert got.attachments() == [("report.pdf", PDF)]
    assert got.message["X-Readiness-Outbox-Id"] == str(message_id)
    message = stored(message_id)
    assert (message.status, message.attempts, message.last_error) == ("sent", 1, None)
    assert aware(message.sent_at) == NOW
    assert run_outbox(NOW + timedelta(minutes=5)) == "nothing due"
    assert len(smtp.received) == 1


def test_nothing_is_marked_sent_before_the_server_accepted_it(app, smtp, database_url):
    message_id = queue()
    seen: list[str] = []
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))

    def status_while_the_server_decides(message: Any) -> None:
        with engine.connect() as conn:
            seen.append(conn.execute(text("SELECT status FROM outbox_messages WHERE id = :id"),
                                     {"id": int(message["X-Readiness-Outbox-Id"])}).scalar_one())

    smtp.handler.probe = status_while_the_server_decides
    try:
        # The server receives the whole message, then refuses it for now.
        smtp.handler.data_reply = "451 4.3.0 Try again later"
        assert run_outbox(NOW) == "0 sent, 1 to retry later"
        message = stored(message_id)
        assert (message.status, message.attempts) == ("queued", 1)
        assert "451" in message.last_error
        assert aware(message.next_attempt_at) == NOW + timedelta(seconds=60)
        assert smtp.received == []

        smtp.handler.data_reply = None
        assert run_outbox(NOW + timedelta(seconds=60)) == "1 sent"
        assert stored(message_id).status == "sent"
    finally:
        engine.dispose()
    assert smtp.handler.probe_errors == []
    assert seen == ["queued", "queued"]


def test_with_the_server_down_mail_waits_and_goes_out_when_it_returns(app, smtp):
    message_id = queue(attachment=PDF)
    smtp.stop()

    assert run_outbox(NOW) == "0 sent, 1 to retry later"
    message = stored(message_id)
    assert (message.status, message.attempts) == ("queued", 1)
    assert "ConnectionRefusedError" in message.last_error
    assert aware(message.next_attempt_at) == NOW + timedelta(seconds=60)

    smtp.start()
    # Not due yet: the server is back, but the message waits for its next attempt.
    assert run_outbox(NOW + timedelta(seconds=30)) == "nothing due (1 waiting for a later attempt)"
    assert smtp.received == []
    assert run_outbox(NOW + timedelta(seconds=60)) == "1 sent"
    (got,) = smtp.received
    assert got.attachments() == [("report.pdf", PDF)]
    message = stored(message_id)
    assert (message.status, message.attempts, message.last_error) == ("sent", 2, None)


def test_failed_attempts_back_off_doubling_and_give_up_for_an_admin_to_retry(app, smtp):
    app.config.update(OUTBOX_MAX_ATTEMPTS=4, OUTBOX_RETRY_SECONDS=60, OUTBOX_RETRY_MAX_SECONDS=150)
    message_id = queue()
    smtp.stop()
    moment, waits = NOW, []
    for _ in range(3):
        run_outbox(moment)
        message = stored(message_id)
        waits.append((aware(message.next_attempt_at) - moment).total_seconds())
        moment = aware(message.next_attempt_at)
    assert waits == [60, 120, 150]  # doubling, capped
    assert run_outbox(moment) == "0 sent, 1 failed"
    message = stored(message_id)
    assert (message.status, message.attempts) == ("failed", 4)
    assert message.last_error.startswith("gave up after 4 attempts")
    smtp.start()
    assert run_outbox(moment + timedelta(days=1)) == "nothing due"  # failed waits for a person

    admin = make_user("admin", role="admin")
    services.retry(stored(message_id), admin, now=moment + timedelta(days=1))
    db.session.commit()
    assert run_outbox(moment + timedelta(days=1)) == "1 sent"
    assert len(smtp.received) == 1
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "outbox_message")).all()
    assert [(e.action, e.actor, e.changes["status"]) for e in events] == [
        ("retry", "admin", ["failed", "queued"])]


def test_a_refused_recipient_fails_at_once_and_the_others_still_get_the_message(app, smtp):
    smtp.handler.refuse = {"gone@mod.example": "550 5.1.1 No such user"}
    both = queue(("gone@mod.example", "here@mod.example"))
    only_bad = queue(("gone@mod.example",))

    assert run_outbox(NOW) == "1 sent, 1 failed"

    (got,) = smtp.received
    assert got.rcpt_tos == ["here@mod.example"]
    message = stored(both)
    assert message.status == "sent"
    assert "gone@mod.example (550" in message.last_error
    message = stored(only_bad)
    assert (message.status, message.attempts) == ("failed", 1)
    assert "550 5.1.1 No such user" in message.last_error


def test_two_runners_at_once_never_send_a_message_twice(app, smtp):
    ids = [queue((f"p{i}@mod.example",), subject=f"Message {i}") for i in range(45)]
    results: list[str] = []
    errors: list[BaseException] = []

    def runner() -> None:
        try:
            with app.app_context():
                results.append(run_outbox(NOW))
                db.session.remove()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=runner) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    sent = sorted(int(r.message["X-Readiness-Outbox-Id"]) for r in smtp.received)
    assert sent == ids  # every message once: none twice, none missing
    # Each runner reports what it sent (one may find nothing left to claim).
    assert sum(int(r.split()[0]) if r.endswith("sent") else 0 for r in results) == 45, results
    db.session.expire_all()
    assert set(db.session.scalars(select(OutboxMessage.status))) == {"sent"}


def test_suppressed_mail_is_left_queued_not_marked_sent(app, smtp):
    app.config["MAIL_SUPPRESS_SEND"] = True
    message_id = queue()
    assert run_outbox(NOW).startswith("mail is suppressed")
    assert (stored(message_id).status, stored(message_id).attempts) == ("queued", 0)
    assert smtp.received == []


# ---- the admin's page ---------------------------------------------------------------------

@pytest.fixture
def admin_browser(app: Any) -> Browser:
    """An admin logged in through the login form."""
    make_user("admin", role="admin")
    return Browser(app, "admin")


def test_the_outbox_page_shows_status_attempts_errors_and_next_attempt(app, smtp, admin_browser):
    smtp.stop()
    waiting = queue(("wait@mod.example",), subject="Waiting one")
    run_outbox(NOW)
    smtp.start()
    done = queue(("done@mod.example",), subject="Delivered one", now=NOW + timedelta(seconds=30))
    run_outbox(NOW + timedelta(seconds=30))

    page = plain(admin_browser.get("/admin/outbox"))
    assert "Waiting one" in page
    assert "Delivered one" in page
    assert "ConnectionRefusedError" in page
    assert "2026-03-01 09:01 UTC" in page  # the waiting message's next attempt
    assert "Queued (1)" in page
    assert "Sent (1)" in page
    detail = plain(admin_browser.get(f"/admin/outbox/{done}"))
    assert "done@mod.example" in detail
    assert "Plain text ə ğ ı İ ş" in detail
    assert waiting != done


def test_retry_and_resend_buttons_need_the_csrf_token_and_an_admin(app, smtp, admin_browser):
    message_id = queue()
    run_outbox(NOW)
    assert stored(message_id).status == "sent"

    assert admin_browser.post(f"/admin/outbox/{message_id}/resend", {}, token="").status_code == 400
    resp = admin_browser.post(f"/admin/outbox/{message_id}/resend", {})
    assert resp.status_code == 302
    copy = db.session.scalar(select(OutboxMessage).where(OutboxMessage.resent_from_id == message_id))
    assert (copy.status, copy.recipients, copy.subject) == ("queued", ["officer@mod.example"], "Hello")
    assert admin_browser.post(f"/admin/outbox/{message_id}/retry", {}).status_code == 409

    make_user("to", role="training_officer")
    officer = Browser(app, "to")
    assert officer.get("/admin/outbox").status_code == 403
    assert officer.post(f"/admin/outbox/{copy.id}/retry", {}).status_code == 403
    assert "Outbox" not in plain(officer.get("/"))
    assert "Outbox" in plain(admin_browser.get("/"))
