"""The three delivery jobs run by `readiness scheduler --once JOB`, against the loopback SMTP server."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from readiness.cli import cli
from readiness.extensions import db
from readiness.mail import services
from readiness.mail.models import OutboxMessage
from readiness.partners.services import create_partner
from readiness.scheduler.models import JobRun
from tests.factories import make_unit


def once(runner: Any, job: str) -> Any:
    """Run `readiness scheduler --once JOB` against the test app."""
    result = runner.invoke(cli, ["scheduler", "--once", job])
    assert result.exit_code == 0, result.output
    return result


def test_scheduler_once_outbox_sends_what_is_due(app, smtp, runner):
    services.queue(services.Mail("test", ["officer@mod.example"], "From the scheduler", "Body"),
                   datetime(2026, 1, 1, tzinfo=UTC))
    db.session.commit()
    result = once(runner, "outbox")
    assert "outbox: ok in" in result.output
    assert "1 sent" in result.output
    assert [r.subject for r in smtp.received] == ["From the scheduler"]
    db.session.expire_all()
    assert db.session.scalar(select(OutboxMessage.status)) == "sent"
    assert db.session.scalar(select(JobRun.message).where(JobRun.job == "outbox")) == "1 sent"


def test_scheduler_once_runs_expiry_warnings_and_partner_reports(app, runner):
    make_unit("PKB", kind="brigade")
    create_partner({"name": "On request", "emails": ["x@partner.example"], "units": ["PKB"]}, None)
    db.session.commit()
    assert "no new warnings on" in once(runner, "expiry-warnings").output
    assert "no partner due" in once(runner, "partner-reports").output
