"""The `partner-reports` job: queue the reports of every partner whose schedule is due.

Each partner is one transaction (its documents, delivery, outbox message and next due
time together), committed before the next partner's reports are rendered: rendering
takes seconds per unit, and a database must not wait on it. A partner claims its slot
by moving `next_due_at` from the value it read, so a second runner skips it. A run that
comes late sends once and plans the slot after the run: missed slots are not repeated.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, true, update

from readiness.errors import DomainError
from readiness.extensions import db
from readiness.partners import schedule as schedules
from readiness.partners import services
from readiness.partners.models import Partner

log = logging.getLogger(__name__)


def run_partner_reports(now: datetime) -> str:
    """Queue the reports due at `now` (the `partner-reports` job); return a summary."""
    now = now.astimezone(UTC)
    as_of = now.astimezone(ZoneInfo(services.timezone())).date()
    due = db.session.execute(
        select(Partner.id, Partner.next_due_at)
        .where(Partner.active == true(), Partner.schedule.is_not(None), Partner.next_due_at <= now)
        .order_by(Partner.next_due_at, Partner.id)).all()
    queued = reports = 0
    failures: list[str] = []
    for partner_id, due_at in due:
        partner = db.session.get(Partner, partner_id)
        if partner is None:
            continue
        following = schedules.next_after(partner.schedule, services.timezone(), now)
        try:
            delivery = services.send(partner, None, as_of, now, trigger="schedule")
        # One partner's failure must not hold back the others: it is recorded as a failed
        # delivery on the partner's page, and the schedule moves on.
        except Exception as error:
            message = error.message if isinstance(error, DomainError) else f"{type(error).__name__}: {error}"
            log.exception("partner %s: reports not rendered", partner_id)
            db.session.rollback()  # this partner's half-made documents only: the others are committed
            partner = db.session.get(Partner, partner_id)
            services.failed_delivery(partner, as_of, f"The reports could not be rendered: {message}", now)
            failures.append(f"{partner.name}: {message}")
        else:
            queued += 1
            reports += len(delivery.documents)
        claimed = db.session.execute(
            update(Partner).where(Partner.id == partner_id, Partner.next_due_at == due_at)
            .values(next_due_at=following).execution_options(synchronize_session=False))
        if claimed.rowcount != 1:
            # Another runner (or an edit of the schedule) moved the slot meanwhile.
            db.session.rollback()
            continue
        db.session.commit()
    if not due:
        return "no partner due"
    summary = f"{queued} of {len(due)} due partner(s) queued, {reports} report(s)"
    if failures:
        summary += f"; failed: {'; '.join(failures)}"[:900]
    return summary
