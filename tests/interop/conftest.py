"""A brigade whose battalions stand at known training levels, users of each role, API clients."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from readiness.engine import rules
from readiness.extensions import db
from tests.engine.force import Force
from tests.factories import ApiClient, api_client, make_user


def day(offset: int) -> str:
    """Return today + `offset` days as ISO text (negative: in the past)."""
    return (rules.today() + timedelta(days=offset)).isoformat()


def iso(offset: int) -> date:
    """Return today + `offset` days."""
    return rules.today() + timedelta(days=offset)


@pytest.fixture
def force(app: Any) -> Force:
    """PKB ⊃ 1BN (4 posts, 4 assigned, 3 hold CPTM: T-2) and 2BN (2 posts, 1 assigned without it: T-4)."""
    today = rules.today()
    f = Force()
    f.unit("PKB")
    f.unit("1BN", "PKB", authorized=4)
    f.unit("2BN", "PKB", authorized=2)
    f.course("CPTM", 48)
    f.requirement(course="CPTM")
    for i in range(4):
        f.person(f"A{i}", "1BN")
    for i in range(3):
        f.completion(f"A{i}", "CPTM", today - timedelta(days=30))
    f.person("B0", "2BN")
    db.session.commit()
    return f


@pytest.fixture
def users(app: Any, force: Force) -> dict[str, Any]:
    """admin (whole force), to (training officer of 1BN), cdr (commander of 1BN), viewer (viewer of 1BN)."""
    return {
        "admin": make_user("admin", role="admin"),
        "to": make_user("to", role="training_officer", unit="1BN"),
        "cdr": make_user("cdr", role="commander", unit="1BN"),
        "viewer": make_user("viewer", role="viewer", unit="1BN"),
    }


@pytest.fixture
def api(app: Any, users: dict[str, Any]) -> dict[str, ApiClient]:
    """An API client per user."""
    return {name: api_client(app, user) for name, user in users.items()}


@pytest.fixture
def to(api: dict[str, ApiClient]) -> ApiClient:
    """The training officer of 1BN."""
    return api["to"]


def status(client: ApiClient, code: str = "1BN", as_of: str | None = None) -> dict[str, Any]:
    """Return the unit's interoperability status (JSON), asserting it answered."""
    resp = client.get(f"units/{code}/interoperability", query_string={"as_of": as_of} if as_of else {})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.json


def reasons(part: dict[str, Any]) -> list[str]:
    """Return the messages of a framework's reasons."""
    return [r["message"] for r in part["reasons"]]


def notes(part: dict[str, Any]) -> list[str]:
    """Return the messages of a framework's notes."""
    return [n["message"] for n in part["notes"]]


def evaluate(
    client: ApiClient, step: str, start: int, end: int | None = None, code: str = "1BN", **fields: Any
) -> dict[str, Any]:
    """Record an evaluation `start` days from today (negative: past), asserting 201."""
    body = {
        "step": step,
        "started_on": day(start),
        **({"ended_on": day(end)} if end is not None else {}),
        **fields,
    }
    resp = client.post(f"units/{code}/evaluations", body)
    assert resp.status_code == 201, resp.get_data(as_text=True)
    return resp.json


def pledge(client: ApiClient, start: int, code: str = "1BN", **fields: Any) -> dict[str, Any]:
    """Register a pledge `start` days from today, asserting 201."""
    body = {"capability": "Infantry company", "pledged_on": day(start), **fields}
    resp = client.post(f"units/{code}/pledges", body)
    assert resp.status_code == 201, resp.get_data(as_text=True)
    return resp.json


def milestones(
    client: ApiClient, pledge_id: int, *items: tuple[str, int] | tuple[str, int, str], code: str = "1BN"
) -> list[dict[str, Any]]:
    """Record milestones (kind, days from today[, result]) of a pledge, asserting 201."""
    body = [{"kind": i[0], "date": day(i[1]), **({"result": i[2]} if len(i) > 2 else {})} for i in items]
    resp = client.post(f"units/{code}/pledges/{pledge_id}/milestones", body)
    assert resp.status_code == 201, resp.get_data(as_text=True)
    return resp.json


@pytest.fixture
def browser(app: Any, users: dict[str, Any]) -> Any:
    """Return a function giving a browser client logged in as one of the users."""
    from tests.workspace.conftest import Browser

    return lambda name: Browser(app, name)
