"""Engine fixtures: a fixed today, a force builder, and answers checked against the plain computation."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from readiness.engine import rules, services
from readiness.units.services import get_unit
from tests.engine.force import Force

#: Today for engine tests: a month end in a year after a leap year.
TODAY = date(2025, 3, 31)


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch) -> date:
    """Fix the engine's today (dates on or after it are answered from the derived data)."""
    monkeypatch.setattr(rules, "today", lambda: TODAY)
    return TODAY


@pytest.fixture
def force(app: Any, today: date) -> Force:
    """An empty force to build on, with today fixed."""
    return Force()


def unit_answer(code: str, on: date) -> dict[str, Any]:
    """Return the unit's readiness on `on`, after checking the engine against the plain computation."""
    unit = get_unit(code)
    answer = services.unit_readiness(unit, on)
    assert answer == services.unit_readiness(unit, on, plain=True)
    return answer


def person_answer(sn: str, on: date) -> dict[str, Any]:
    """Return the person's readiness on `on`, checked against the plain computation."""
    from readiness.personnel.services import get_person

    person = get_person(sn)
    answer = services.person_readiness(person, on)
    assert answer == services.person_readiness(person, on, plain=True)
    return answer


def status_of(sn: str, on: date, requirement_id: int | None = None) -> tuple[str, date | None]:
    """Return (status, expires_on) of a person's only (or given) requirement on `on`."""
    rows = person_answer(sn, on)["requirements"]
    row = rows[0] if requirement_id is None else next(r for r in rows if r["id"] == requirement_id)
    return row["status"], row["expires_on"]
