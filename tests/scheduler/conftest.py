"""Scheduler fixtures: a controllable clock, and a small force with every status and an empty unit."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from readiness.engine import rules
from readiness.extensions import db
from readiness.training.dates import add_months
from tests.engine.force import Force


class Clock:
    """The scheduler's now, moved by the test (SCHEDULER_CLOCK)."""

    def __init__(self, app: Any, now: datetime) -> None:
        self.app = app
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def at_local(self, day: date, hour: int = 23, minute: int = 45) -> datetime:
        """Set the clock to a local time (TIMEZONE) of `day` and return it."""
        zone = ZoneInfo(self.app.config["TIMEZONE"])
        self.now = datetime.combine(day, time(hour, minute), zone).astimezone(UTC)
        return self.now

    def advance(self, **delta: float) -> datetime:
        """Move the clock on and return it."""
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock(app: Any) -> Clock:
    """A clock standing at 23:45 local time today; the runner's `now` comes from it."""
    c = Clock(app, datetime.now(UTC))
    c.at_local(rules.today())
    app.config["SCHEDULER_CLOCK"] = c
    return c


@pytest.fixture
def force(app: Any) -> Force:
    """BN ⊃ A ⊃ A1, BN ⊃ B, BN ⊃ EMPTY (no posts, no people), BN ⊃ POSTS (posts, nobody);
    CPTM for everyone, CLS for A's subtree, EN ≥ SLP 2222 for staff officers; people in every status."""
    today = rules.today()
    f = Force()
    f.unit("BN", authorized=2)
    f.unit("A", "BN", authorized=4)
    f.unit("A1", "A", authorized=3)
    f.unit("B", "BN", authorized=4)
    f.unit("EMPTY", "BN")
    f.unit("POSTS", "BN", authorized=5)
    f.course("CPTM", 48)
    f.course("CLS", 12)
    f.standard("EN", "slp", 36)
    f.requirement(course="CPTM")
    f.requirement(course="CLS", unit="A")
    f.requirement(standard="EN", min_level="2222", role="staff_officer")

    f.person("P1", "A")  # CLS expiring in two months
    f.completion("P1", "CPTM", add_months(today, -12))
    f.completion("P1", "CLS", add_months(today, -10))
    f.person("P2", "A", "staff_officer")  # CLS missing, EN valid
    f.completion("P2", "CPTM", add_months(today, -6))
    f.attainment("P2", "EN", "2+222", add_months(today, -3))
    f.person("P3", "B")  # CPTM expired two months ago
    f.completion("P3", "CPTM", add_months(today, -50))
    f.person("P4", "A1")  # all valid; CPTM lapses in five months
    f.completion("P4", "CPTM", add_months(today, -43))
    f.completion("P4", "CLS", add_months(today, -1))
    f.person("P5", "B", "staff_officer")  # EN too low
    f.completion("P5", "CPTM", add_months(today, -2))
    f.attainment("P5", "EN", "1111", add_months(today, -2))
    f.person("P6", "B", earmarked=False)  # not assigned
    f.person("P7", "A1", status="deployed")  # not assigned
    f.completion("P7", "CPTM", add_months(today, -1))
    f.person("P8", "BN", "staff_officer")  # all valid
    f.completion("P8", "CPTM", today - timedelta(days=30))
    f.attainment("P8", "EN", "3333", today - timedelta(days=30))
    f.person("P9", "A1")  # completed only ten days ago
    f.completion("P9", "CPTM", today - timedelta(days=10))
    f.completion("P9", "CLS", today - timedelta(days=10))
    revoked = f.completion("P1", "CLS", add_months(today, -1))
    f.revoke(revoked)
    db.session.commit()
    return f
