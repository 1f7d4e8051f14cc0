"""The `partner-reports` job with a controllable clock: due or not, missed slots once, failures apart."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from readiness.extensions import db
from readiness.mail.models import OutboxMessage, aware
from readiness.mail.sender import run_outbox
from readiness.partners import services
from readiness.partners.jobs import run_partner_reports
from readiness.partners.models import Delivery, Partner
from tests.factories import make_unit
from tests.partners.conftest import PARTNER
from tests.smtp import pdf_text


def utc(*parts: int) -> datetime:
    """An aware UTC time."""
    return datetime(*parts, tzinfo=UTC)


def partner(name: str = PARTNER["name"], *, now: datetime, **fields: Any) -> int:
    """Create a partner as of `now` (committed); return its id."""
    created = services.create_partner({**PARTNER, "name": name, **fields}, None, now=now)
    db.session.commit()
    return created.id


def due_at(partner_id: int) -> datetime | None:
    """The partner's next due time as stored."""
    db.session.expire_all()
    return aware(db.session.get(Partner, partner_id).next_due_at)


def test_a_monthly_partner_is_due_at_eight_local_on_the_first_and_not_a_minute_before(app, force, smtp):
    pid = partner(now=utc(2026, 1, 15, 10))
    assert due_at(pid) == utc(2026, 2, 1, 4, 0)  # 08:00 in Baku (UTC+4)

    assert run_partner_reports(utc(2026, 2, 1, 3, 59)) == "no partner due"
    assert run_partner_reports(utc(2026, 2, 1, 4, 0)) == "1 of 1 due partner(s) queued, 1 report(s)"
    assert due_at(pid) == utc(2026, 3, 1, 4, 0)
    assert run_partner_reports(utc(2026, 2, 1, 4, 5)) == "no partner due"

    (delivery,) = db.session.scalars(select(Delivery))
    assert (delivery.trigger, delivery.requested_by) == ("schedule", "schedule")
    assert delivery.as_of == date(2026, 2, 1)
    assert run_outbox(utc(2026, 2, 1, 4, 1)) == "1 sent"
    ((name, content),) = smtp.received[0].attachments()
    assert name == "readiness-report-1BN-2026-02-01-partner.pdf"
    assert "1BN" in pdf_text(content)


def test_the_local_date_decides_the_report_date_near_midnight(app, force):
    # 21:30 UTC on 31 January is 01:30 on 1 February in Baku.
    pid = partner(now=utc(2026, 1, 20), schedule="30 1 1 * *")
    assert due_at(pid) == utc(2026, 1, 31, 21, 30)
    assert run_partner_reports(utc(2026, 1, 31, 21, 30)).startswith("1 of 1")
    assert db.session.scalar(select(Delivery.as_of)) == date(2026, 2, 1)


def test_missed_slots_send_once_and_plan_the_next_slot_after_the_run(app, force):
    pid = partner(now=utc(2026, 1, 15, 10))
    # The scheduler was down from January to mid-April: February, March and April were missed.
    assert run_partner_reports(utc(2026, 4, 15, 12)) == "1 of 1 due partner(s) queued, 1 report(s)"
    assert db.session.scalar(select(Delivery.as_of)) == date(2026, 4, 15)
    assert len(db.session.scalars(select(Delivery)).all()) == 1
    assert due_at(pid) == utc(2026, 5, 1, 4, 0)


def test_inactive_and_unscheduled_partners_are_not_sent_by_the_job(app, force):
    partner("Inactive", now=utc(2026, 1, 15), active=False)
    partner("On request", now=utc(2026, 1, 15), schedule=None)
    assert run_partner_reports(utc(2026, 6, 1)) == "no partner due"
    assert db.session.scalar(select(Delivery.id)) is None


def test_a_partner_whose_report_cannot_be_rendered_fails_alone(app, force):
    make_unit("CJK", "PKB", name="維和部隊")  # no shipped font draws these
    bad = partner("Bad", now=utc(2026, 1, 15), units=["CJK"])
    good = partner("Good", now=utc(2026, 1, 15))
    summary = run_partner_reports(utc(2026, 2, 1, 4))
    assert summary.startswith("1 of 2 due partner(s) queued, 1 report(s); "
                              "failed: Bad: Cannot produce the report")
    failed = db.session.scalar(select(Delivery).where(Delivery.partner_id == bad))
    assert failed.status == "failed"
    assert failed.message is None
    assert failed.documents == []
    assert "cannot be printed" in failed.error
    assert db.session.scalar(select(Delivery).where(Delivery.partner_id == good)).status == "queued"
    assert db.session.scalar(select(OutboxMessage.recipients)) == sorted(PARTNER["emails"])
    # Both move on: the failure waits for an admin, not for the next run to fail again.
    assert due_at(bad) == due_at(good) == utc(2026, 3, 1, 4, 0)
