"""A small force for record tests: units, people, courses, standards, and users of each role."""

from __future__ import annotations

from typing import Any

import pytest

from readiness.extensions import db
from readiness.training.models import Course, Standard
from tests.factories import api_client, make_person, make_unit, make_user


def add_course(code: str, validity_months: int | None) -> Course:
    """Add and commit a course (the catalogue is not what these tests are about)."""
    course = Course(code=code, title=f"Course {code}", provider="PTEC", kind="individual",
                    validity_months=validity_months)
    db.session.add(course)
    db.session.commit()
    return course


def add_standard(code: str, scale: str, validity_months: int | None) -> Standard:
    """Add and commit a standard."""
    standard = Standard(code=code, title=f"Standard {code}", body="NATO", scale=scale,
                        validity_months=validity_months)
    db.session.add(standard)
    db.session.commit()
    return standard


@pytest.fixture
def force(app: Any) -> None:
    """PKB brigade with 1BN (company 1BN-A) and 2BN; a person in each; courses and standards.

    AZ-1 is in 1BN, AZ-2 in company 1BN-A (inside 1BN), AZ-3 in 2BN.
    Courses: UNPOC valid 12 months, MONTH valid 1 month, FOREVER never expires.
    Standards: ENG (STANAG 6001, 60 months), SWIM (pass/fail, 24 months).
    """
    make_unit("PKB", kind="brigade")
    make_unit("1BN", "PKB", kind="battalion")
    make_unit("1BN-A", "1BN")
    make_unit("2BN", "PKB", kind="battalion")
    make_person("AZ-1", "1BN")
    make_person("AZ-2", "1BN-A", family_name="Quliyeva", given_name="Aysel")
    make_person("AZ-3", "2BN", family_name="Həsənov", given_name="Orxan")
    add_course("UNPOC", 12)
    add_course("MONTH", 1)
    add_course("FOREVER", None)
    add_standard("ENG", "slp", 60)
    add_standard("SWIM", "pass", 24)


@pytest.fixture
def officer_1bn(force: None, app: Any) -> Any:
    """A training officer whose scope is 1BN and its subtree."""
    return api_client(app, make_user("officer", role="training_officer", unit="1BN"))


@pytest.fixture
def commander(force: None, app: Any) -> Any:
    """A commander of the whole brigade."""
    return api_client(app, make_user("commander", role="commander", unit="PKB"))


@pytest.fixture
def viewer_2bn(force: None, app: Any) -> Any:
    """A viewer whose scope is 2BN."""
    return api_client(app, make_user("viewer", role="viewer", unit="2BN"))
