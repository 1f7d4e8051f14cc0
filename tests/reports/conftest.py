"""A small force with names in three scripts, a course, completions, and users of each role."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import pytest
from flask import g
from pypdf import PdfReader
from sqlalchemy import select

from readiness.engine.rules import today
from readiness.extensions import db
from readiness.records.services import create_completions
from readiness.reports.limits import limiter
from readiness.training.models import Completion, Course
from tests.factories import api_client, make_person, make_unit, make_user

AZ_NAME = "Əliyev Ülvi Şəmsəddin oğlu"
RU_NAME = "Иванов Иван Иванович"
GE_NAME = "ქართველი გიორგი"


class Anonymous:
    """A test client without credentials, even after other clients logged in within the test."""

    def __init__(self, app: Any) -> None:
        self.client = app.test_client()

    def get(self, *args: Any, **kwargs: Any) -> Any:
        """GET as nobody."""
        # Flask-Login caches the last user in the test's one app context: forget it.
        g.pop("_login_user", None)
        return self.client.get(*args, **kwargs)

    def post(self, *args: Any, **kwargs: Any) -> Any:
        """POST as nobody."""
        g.pop("_login_user", None)
        return self.client.post(*args, **kwargs)


@pytest.fixture
def public(app: Any) -> Anonymous:
    """A visitor who is not logged in."""
    return Anonymous(app)


@pytest.fixture(autouse=True)
def _fresh_rate_limits(app: Any) -> None:
    # The limiter counts in memory for the whole test session.
    limiter.reset()


def pdf_text(content: bytes) -> str:
    """Return the text of every page of a PDF, as a partner's tool would extract it."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def page_count(content: bytes) -> int:
    """Return the number of pages of a PDF."""
    return len(PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def completed_on() -> date:
    """The roster date: a month ago, so the course (12 months) is valid today."""
    return today() - timedelta(days=30)


@pytest.fixture
def force(app: Any, completed_on: date) -> dict[str, int]:
    """PKB brigade with 1BN and 2BN; three people who completed UNPOC on the same day.

    AZ-1 (1BN): Captain Əliyev Ülvi Şəmsəddin oğlu; RU-1 (1BN): Major Иванов Иван Иванович;
    GE-1 (2BN): Lieutenant ქართველი გიორგი. Returns completion ids by service number.
    """
    make_unit("PKB", kind="brigade")
    make_unit("1BN", "PKB", kind="battalion")
    make_unit("2BN", "PKB", kind="battalion")
    make_person("AZ-1", "1BN", family_name="Əliyev", given_name="Ülvi", patronymic="Şəmsəddin oğlu",
                rank="Captain", email="ulvi@example.mil")
    make_person("RU-1", "1BN", family_name="Иванов", given_name="Иван", patronymic="Иванович", rank="Major")
    make_person("GE-1", "2BN", family_name="ქართველი", given_name="გიორგი", rank="Lieutenant")
    db.session.add(Course(code="UNPOC", title="UN Protection of Civilians", provider="PTEC Baku",
                          kind="individual", validity_months=12))
    db.session.add(Course(code="FOREVER", title="Law of Armed Conflict", provider="ICRC",
                          kind="individual", validity_months=None))
    db.session.commit()
    create_completions([{"service_number": s, "course": "UNPOC", "completed_on": completed_on, "score": 91}
                        for s in ("AZ-1", "RU-1", "GE-1")], None)
    db.session.commit()
    return {c.person.service_number: c.id for c in db.session.scalars(select(Completion))}


@pytest.fixture
def admin(app: Any, force: dict[str, int]) -> Any:
    """An admin of the whole force."""
    return api_client(app, make_user("boss", role="admin"))


@pytest.fixture
def officer_1bn(app: Any, force: dict[str, int]) -> Any:
    """A training officer of 1BN."""
    return api_client(app, make_user("officer", role="training_officer", unit="1BN"))


@pytest.fixture
def viewer_2bn(app: Any, force: dict[str, int]) -> Any:
    """A viewer of 2BN."""
    return api_client(app, make_user("viewer", role="viewer", unit="2BN"))


@pytest.fixture
def commander_1bn(app: Any, force: dict[str, int]) -> Any:
    """A commander of 1BN."""
    return api_client(app, make_user("cdr", role="commander", unit="1BN"))
