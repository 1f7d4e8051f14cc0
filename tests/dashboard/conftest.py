"""A small battalion with every status, users of each role, and logged-in browser clients."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import g

from readiness.engine import rules
from readiness.extensions import db
from readiness.training.dates import add_months
from tests.engine.force import Force
from tests.factories import PASSWORD, api_client, make_user


@pytest.fixture
def force(app: Any) -> Force:
    """BN ⊃ A ⊃ A1, BN ⊃ B; courses CPTM (48 months, everyone) and CLS (12 months, A's subtree),
    language EN ≥ SLP 2222 for staff officers; people in every status, two of them not assigned."""
    today = rules.today()
    f = Force()
    f.unit("BN", authorized=2)
    f.unit("A", "BN", authorized=4)
    f.unit("A1", "A", authorized=3)
    f.unit("B", "BN", authorized=4)
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
    f.person("P6", "B", earmarked=False)  # not assigned: missing everything, counted nowhere
    f.person("P7", "A1", status="deployed")  # not assigned
    f.completion("P7", "CPTM", add_months(today, -1))
    f.person("P8", "BN", "staff_officer")  # all valid
    f.completion("P8", "CPTM", today - timedelta(days=30))
    f.attainment("P8", "EN", "3333", today - timedelta(days=30))
    f.person("P9", "A1")  # CPTM completed only after a past date (the as-of tests use it)
    f.completion("P9", "CPTM", today - timedelta(days=10))
    f.completion("P9", "CLS", today - timedelta(days=10))
    db.session.commit()
    return f


@pytest.fixture
def users(app: Any, force: Force) -> dict[str, Any]:
    """One user per role: admin (whole force), commander of BN, viewer of A, training officer of B."""
    return {"admin": make_user("admin", role="admin"), "cdr": make_user("cdr", role="commander", unit="BN"),
            "viewer": make_user("viewer", role="viewer", unit="A"),
            "to": make_user("to", role="training_officer", unit="B")}


def _forget() -> None:
    # Tests share one app context: forget the last request's user and CSRF token.
    g.pop("_login_user", None)
    g.pop("csrf_token", None)


class Browser:
    """A test client logged in through the login form, as a person would be."""

    def __init__(self, app: Any, name: str) -> None:
        self.client = app.test_client()
        self.name = name
        _forget()
        page = self.client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
            r'name="csrf_token" value="([^"]+)"', page)
        assert token, "the login page carries no CSRF token"
        _forget()
        form = {"name": name, "password": PASSWORD, "csrf_token": token.group(1)}
        resp = self.client.post("/login", data=form)
        assert resp.status_code == 302, resp.get_data(as_text=True)

    def get(self, path: str, **kwargs: Any) -> Any:
        """GET a page as this user."""
        _forget()
        return self.client.get(path, **kwargs)


@pytest.fixture
def browser(app: Any, users: dict[str, Any]) -> Any:
    """Return a function giving a logged-in browser client per user name."""
    return lambda name: Browser(app, name)


@pytest.fixture
def api(app: Any, users: dict[str, Any]) -> Any:
    """The admin's API client: the engine's JSON answers to check the pages against."""
    return api_client(app, users["admin"])


class Fields(HTMLParser):
    """Collect the text of every element with a data-field, keyed by its row (data-unit/-requirement)."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, dict[str, str | None]]] = []
        self.found: dict[tuple[str | None, str], str] = {}
        self._open: list[tuple[int, tuple[str | None, str], list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("input", "br", "meta", "link", "img"):
            return
        a = dict(attrs)
        self.stack.append((tag, a))
        if "data-field" in a:
            row = next((v.get("data-unit") or v.get("data-requirement") for _, v in reversed(self.stack)
                        if "data-unit" in v or "data-requirement" in v), None)
            self._open.append((len(self.stack), (row, a["data-field"] or ""), []))

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1][0] == len(self.stack):
            _, key, parts = self._open.pop()
            self.found[key] = " ".join("".join(parts).split())
        if self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        for _, _, parts in self._open:
            parts.append(data)


def page_fields(html: str) -> dict[tuple[str | None, str], str]:
    """Return {(row or None, field): text} of a page."""
    parser = Fields()
    parser.feed(html)
    return parser.found


def shown(value: Any) -> str:
    """Say a number as the pages do: thousands separated, percentages to one decimal, none as —."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return f"{value:.1f}%"
    return f"{value:,}"


def iso(day: date) -> str:
    """Return the ISO text of a day."""
    return day.isoformat()
