"""Role × endpoint × scope: who gets which status from every endpoint.

The force: brigade PKB with battalions 1BN and 2BN. Users: `admin` (whole force),
`to` training officer of 1BN, `cdr` commander of 1BN, `viewer` viewer of 1BN, and
`anon` without credentials. `{own}` is a record in 1BN, `{other}` one in 2BN.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from readiness.extensions import db
from readiness.interop.evaluations import create_evaluations
from readiness.interop.pledges import create_pledges
from readiness.partners.services import create_partner
from tests.factories import ApiClient, api_client, make_person, make_unit, make_user

ROLES = ("admin", "to", "cdr", "viewer", "anon")


def _row(method: str, path: str, body: Any, *statuses: int) -> Any:
    return pytest.param(method, path, body, dict(zip(ROLES, statuses, strict=True)),
                        id=f"{method} {path}")


UNIT = {"code": "NEW", "name": "New company", "parent": "1BN", "kind": "company"}
EVALUATION = {"step": "NEL-1", "started_on": "2025-03-01", "outcome": "interoperable"}
PAST_PLEDGE = {"capability": "Engineer platoon", "pledged_on": "2023-01-01", "withdrawn_on": "2023-06-01"}
MILESTONE = {"kind": "update", "date": "2025-06-01"}
PERSON = {"service_number": "AZ-NEW", "rank": "Private", "family_name": "Quliyev",
          "given_name": "Rəşad", "unit": "1BN", "role": "rifleman"}
PARTNER = {"name": "UN DPO", "emails": ["dpo@un.example"], "units": ["1BN"]}

MATRIX = [
    # method, path, body, admin, training officer, commander, viewer, anonymous
    _row("GET", "units", None, 200, 200, 200, 200, 401),
    _row("GET", "units/1BN", None, 200, 200, 200, 200, 401),
    _row("GET", "units/2BN", None, 200, 404, 404, 404, 401),
    _row("POST", "units", UNIT, 201, 403, 403, 403, 401),
    _row("PATCH", "units/1BN", {"name": "Renamed"}, 200, 403, 403, 403, 401),
    _row("PATCH", "units/2BN", {"name": "Renamed"}, 200, 403, 403, 403, 401),
    _row("DELETE", "units/1BN-EMPTY", None, 204, 403, 403, 403, 401),
    _row("GET", "personnel", None, 200, 200, 200, 200, 401),
    _row("GET", "personnel/AZ-OWN", None, 200, 200, 200, 200, 401),
    _row("GET", "personnel/AZ-OTHER", None, 200, 404, 404, 404, 401),
    _row("POST", "personnel", PERSON, 201, 201, 403, 403, 401),
    _row("POST", "personnel", {**PERSON, "unit": "2BN"}, 201, 403, 403, 403, 401),
    _row("PATCH", "personnel/AZ-OWN", {"rank": "Corporal"}, 200, 200, 403, 403, 401),
    _row("PATCH", "personnel/AZ-OWN", {"unit": "2BN"}, 200, 403, 403, 403, 401),
    _row("PATCH", "personnel/AZ-OTHER", {"rank": "Corporal"}, 200, 404, 403, 403, 401),
    # Partners: admins manage and send; everyone reads those reporting on a unit in scope.
    # Partner 1 receives 1BN's report, partner 2 2BN's.
    _row("GET", "partners", None, 200, 200, 200, 200, 401),
    _row("GET", "partners/1", None, 200, 200, 200, 200, 401),
    _row("GET", "partners/2", None, 200, 404, 404, 404, 401),
    _row("GET", "partners/1/deliveries", None, 200, 200, 200, 200, 401),
    _row("GET", "partners/2/deliveries", None, 200, 404, 404, 404, 401),
    _row("POST", "partners", PARTNER, 201, 403, 403, 403, 401),
    _row("PATCH", "partners/1", {"name": "Renamed"}, 200, 403, 403, 403, 401),
    _row("POST", "partners/1/send", {}, 201, 403, 403, 403, 401),
    # Interoperability: evaluation 1 and pledge 1 are 1BN's, evaluation 2 and pledge 2 are 2BN's.
    _row("GET", "units/1BN/interoperability", None, 200, 200, 200, 200, 401),
    _row("GET", "units/2BN/interoperability", None, 200, 404, 404, 404, 401),
    _row("GET", "units/1BN/evaluations", None, 200, 200, 200, 200, 401),
    _row("GET", "units/2BN/evaluations", None, 200, 404, 404, 404, 401),
    _row("POST", "units/1BN/evaluations", EVALUATION, 201, 201, 403, 403, 401),
    _row("POST", "units/2BN/evaluations", EVALUATION, 201, 404, 403, 403, 401),
    _row("GET", "units/1BN/evaluations/1", None, 200, 200, 200, 200, 401),
    _row("GET", "units/2BN/evaluations/2", None, 200, 404, 404, 404, 401),
    _row("PATCH", "units/1BN/evaluations/1", {"feedback": "Noted."}, 200, 200, 403, 403, 401),
    _row("PATCH", "units/2BN/evaluations/2", {"feedback": "Noted."}, 200, 404, 403, 403, 401),
    _row("GET", "units/1BN/pledges", None, 200, 200, 200, 200, 401),
    _row("GET", "units/2BN/pledges/2", None, 200, 404, 404, 404, 401),
    _row("POST", "units/1BN/pledges", PAST_PLEDGE, 201, 201, 403, 403, 401),
    _row("POST", "units/2BN/pledges", PAST_PLEDGE, 201, 404, 403, 403, 401),
    _row("PATCH", "units/1BN/pledges/1", {"days_to_deploy": 45}, 200, 200, 403, 403, 401),
    _row("PATCH", "units/2BN/pledges/2", {"days_to_deploy": 45}, 200, 404, 403, 403, 401),
    _row("POST", "units/1BN/pledges/1/milestones", MILESTONE, 201, 201, 403, 403, 401),
    _row("POST", "units/2BN/pledges/2/milestones", MILESTONE, 201, 404, 403, 403, 401),
    _row("PATCH", "units/1BN/pledges/1/milestones/1", {"reference": "NV 1"}, 200, 200, 403, 403, 401),
    _row("PATCH", "units/2BN/pledges/2/milestones/2", {"reference": "NV 1"}, 200, 404, 403, 403, 401),
]


@pytest.fixture
def clients(app: Any) -> dict[str, Any]:
    """One API client per role, on the small force."""
    make_unit("PKB", kind="brigade")
    make_unit("1BN", "PKB", kind="battalion")
    make_unit("2BN", "PKB", kind="battalion")
    make_unit("1BN-EMPTY", "1BN")
    make_person("AZ-OWN", "1BN")
    make_person("AZ-OTHER", "2BN")
    for name, unit in (("Partner of 1BN", "1BN"), ("Partner of 2BN", "2BN")):
        create_partner({"name": name, "emails": ["x@partner.example"], "units": [unit]}, None)
    for code in ("1BN", "2BN"):  # evaluation, pledge and milestone 1 in 1BN, 2 in 2BN
        create_evaluations([{"unit": code, "step": "SEL-1", "started_on": date(2025, 1, 1)}], None)
        create_pledges([{"unit": code, "capability": "Infantry company", "pledged_on": date(2025, 1, 1),
                         "milestones": [{"kind": "note_verbale", "dated_on": date(2025, 1, 1)}]}], None)
    users = {
        "admin": make_user("admin", role="admin"),
        "to": make_user("to", role="training_officer", unit="1BN"),
        "cdr": make_user("cdr", role="commander", unit="1BN"),
        "viewer": make_user("viewer", role="viewer", unit="1BN"),
    }
    result: dict[str, Any] = {name: api_client(app, user) for name, user in users.items()}
    result["anon"] = ApiClient(app, "")
    result["anon"].headers = {}
    db.session.commit()
    return result


@pytest.mark.parametrize(("method", "path", "body", "expected"), MATRIX)
@pytest.mark.parametrize("role", ROLES)
def test_role_and_scope_decide_the_status(clients, role, method, path, body, expected):
    resp = clients[role]._call(method, path, body)
    assert resp.status_code == expected[role], resp.get_data(as_text=True)
    if resp.status_code >= 400:
        assert resp.json["code"] == resp.status_code
        assert resp.json["message"]
