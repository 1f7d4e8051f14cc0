"""A small force for partner reports, the loopback SMTP server, and an admin's API client."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from readiness.engine import rules
from readiness.extensions import db
from readiness.personnel.services import create_people
from readiness.records.services import create_completions
from readiness.training.services import create_courses, create_requirements
from tests.factories import api_client, make_unit, make_user
from tests.smtp import smtp  # noqa: F401 - a fixture


@pytest.fixture
def force(app: Any) -> None:
    """PKB ⊃ 1BN, 2BN; CPTM of everyone; two earmarked people in 1BN (one qualified), one in 2BN."""
    today = rules.today()
    make_unit("PKB", kind="brigade", name="Peacekeeping Brigade")
    make_unit("1BN", "PKB", kind="battalion", name="1st Peacekeeping Battalion", authorized_strength=2)
    make_unit("2BN", "PKB", kind="battalion", name="2nd Peacekeeping Battalion", authorized_strength=1)
    create_courses([{"code": "CPTM", "title": "Core Pre-deployment Training Materials", "provider": "UN",
                     "kind": "individual", "validity_months": 48}], None)
    create_requirements([{"course": "CPTM", "standard": None, "min_level": None, "unit": None, "role": None}],
                        None)
    create_people([{"service_number": sn, "rank": "Sergeant", "family_name": family, "given_name": "Elvin",
                    "patronymic": None, "unit": unit, "role": "rifleman", "status": "active",
                    "earmarked": True, "email": None}
                   for sn, unit, family in (("AZ-1", "1BN", "Əliyev"), ("AZ-2", "1BN", "Quliyev"),
                                            ("AZ-3", "2BN", "Həsənov"))], None)
    create_completions([{"service_number": "AZ-1", "course": "CPTM",
                         "completed_on": today - timedelta(days=30)}], None, today=today)
    db.session.commit()


@pytest.fixture
def admin(app: Any, force: None) -> Any:
    """An admin of the whole force, by API token."""
    return api_client(app, make_user("admin", role="admin"))


PARTNER = {"name": "UN Department of Peace Operations", "emails": ["pcrs@un.example", "force.gen@un.example"],
           "language": "en", "units": ["1BN"], "schedule": "0 8 1 * *"}
