"""A small brigade with long Azerbaijani names, users of every role, and logged-in browser clients."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

import pytest
from flask import g

from readiness.engine import rules
from readiness.extensions import db
from readiness.personnel.services import create_people
from readiness.records.services import create_attainments, create_completions
from readiness.training.services import create_courses, create_requirements, create_standards
from tests.factories import PASSWORD, make_unit, make_user

LONG_FAMILY = "Məmmədəliyev-Hüseynzadə-Qasımlı"
LONG_GIVEN = "Şəhriyar-İsmayıl Gülağa"


def person_row(sn: str, unit: str, family: str, given: str, **more: Any) -> dict[str, Any]:
    """Return a person row as the personnel service takes it."""
    return {"service_number": sn, "rank": "Sergeant", "family_name": family, "given_name": given,
            "patronymic": None, "unit": unit, "role": "rifleman", "status": "active", "earmarked": True,
            "email": None, **more}


@pytest.fixture
def world(app: Any) -> dict[str, Any]:
    """BDE ⊃ BN1 ⊃ A1, BDE ⊃ BN2; CPTM required of everyone, EN ≥ SLP 2222 of staff officers."""
    today = rules.today()
    make_unit("BDE", kind="brigade", name="Peacekeeping Brigade")
    make_unit("BN1", "BDE", kind="battalion", name="1st Peacekeeping Battalion")
    make_unit("A1", "BN1", kind="company", name="Alpha Company")
    make_unit("BN2", "BDE", kind="battalion", name="2nd Peacekeeping Battalion")
    create_courses([
        {"code": "CPTM", "title": "Core Pre-deployment Training Materials", "provider": "UN ITS",
         "kind": "individual", "validity_months": 48},
        {"code": "CLS", "title": "Combat Life Saver", "provider": "PfP Training Centre", "kind": "individual",
         "validity_months": 12},
    ], None)
    create_standards([{"code": "EN", "title": "English (STANAG 6001)", "body": "NATO", "scale": "slp",
                       "validity_months": 36}], None)
    create_requirements([{"course": "CPTM", "standard": None, "min_level": None, "unit": None, "role": None},
                         {"course": None, "standard": "EN", "min_level": "2222", "unit": None,
                          "role": "staff_officer"}], None)
    create_people([
        person_row("AZ-1001", "A1", "Əliyev", "Elvin"),
        person_row("AZ-1002", "A1", LONG_FAMILY, LONG_GIVEN, patronymic="Nizami oğlu"),
        person_row("AZ-1003", "BN1", "Quliyeva", "Günel", role="staff_officer"),
        person_row("AZ-2001", "BN2", "Həsənov", "İlkin"),
        person_row("AZ-2002", "BN2", "Şükürov", "Çingiz", status="deployed"),
    ], None)
    create_completions([{"service_number": "AZ-1001", "course": "CPTM",
                         "completed_on": today - timedelta(days=100), "score": 91}], None, today=today)
    create_attainments([{"service_number": "AZ-1003", "standard": "EN", "level": "SLP 3322",
                         "assessed_on": today - timedelta(days=30)}], None, today=today)
    db.session.commit()
    return {"today": today}


@pytest.fixture
def users(app: Any, world: dict[str, Any]) -> dict[str, Any]:
    """admin (whole force), to (training officer of BN1), cdr (commander of BN1), viewer (viewer of BN2)."""
    return {"admin": make_user("admin", role="admin"),
            "to": make_user("to", role="training_officer", unit="BN1"),
            "cdr": make_user("cdr", role="commander", unit="BN1"),
            "viewer": make_user("viewer", role="viewer", unit="BN2")}


def forget() -> None:
    """Forget the last request's user and CSRF token: the tests share one app context."""
    g.pop("_login_user", None)
    g.pop("csrf_token", None)


TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


class Browser:
    """A test client logged in through the login form, posting forms with their CSRF token."""

    def __init__(self, app: Any, name: str) -> None:
        self.client = app.test_client()
        self.token = ""
        page = self.get("/login").get_data(as_text=True)
        resp = self.post("/login", {"name": name, "password": PASSWORD}, token=self._token(page))
        assert resp.status_code == 302, resp.get_data(as_text=True)
        self.token = self._token(self.get("/workspace/people").get_data(as_text=True))

    @staticmethod
    def _token(html: str) -> str:
        match = TOKEN.search(html)
        assert match, "the page carries no CSRF token"
        return match.group(1) or match.group(2)

    def get(self, path: str, **kwargs: Any) -> Any:
        """GET a page."""
        forget()
        return self.client.get(path, **kwargs)

    def post(self, path: str, data: dict[str, Any], *, token: str | None = None, **kwargs: Any) -> Any:
        """POST a form with the session's CSRF token (pass token='' to send none)."""
        forget()
        body = dict(data)
        if token != "":
            body["csrf_token"] = token or self.token
        return self.client.post(path, data=body, **kwargs)


@pytest.fixture
def browser(app: Any, users: dict[str, Any]) -> Any:
    """Return a function giving a logged-in browser client per user name."""
    return lambda name: Browser(app, name)


def text(resp: Any) -> str:
    """Return a response's body unescaped, with whitespace runs folded to one space."""
    return " ".join(html.unescape(resp.get_data(as_text=True)).split())


def plain(resp: Any) -> str:
    """Return a response's visible text: tags removed, whitespace folded."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", resp.get_data(as_text=True))).split())
