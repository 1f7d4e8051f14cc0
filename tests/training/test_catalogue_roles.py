"""Who may read and write the catalogue and the requirements."""

from __future__ import annotations

import pytest

from readiness.training.models import Course, Requirement, Standard
from tests.factories import api_client, make_unit, make_user
from tests.training.catalogue_factories import (
    audit_events,
    count,
    make_course,
    make_requirement,
    make_standard,
)

NON_ADMIN_ROLES = ["training_officer", "commander", "viewer"]


@pytest.fixture
def setup(app):
    """Two brigades, a course and a standard, and a requirement for the other brigade."""
    make_unit("PKB", kind="brigade")
    make_unit("OTHER", kind="brigade")
    make_course("MOC")
    make_standard("EN")
    return make_requirement(course="MOC", unit="OTHER").id


@pytest.mark.parametrize("role", NON_ADMIN_ROLES)
def test_every_role_reads_the_whole_catalogue_and_all_requirements(app, setup, role):
    # Scoped to PKB, the user still sees a requirement for another brigade.
    api = api_client(app, make_user(role, role=role, unit="PKB"))
    assert [c["code"] for c in api.get("courses").json] == ["MOC"]
    assert api.get("courses/MOC").status_code == 200
    assert [s["code"] for s in api.get("standards").json] == ["EN"]
    assert api.get("standards/EN").status_code == 200
    assert [r["unit"] for r in api.get("requirements").json] == ["OTHER"]
    assert api.get(f"requirements/{setup}").status_code == 200


@pytest.mark.parametrize("role", NON_ADMIN_ROLES)
def test_only_admin_writes_and_nothing_is_written_otherwise(app, setup, role):
    api = api_client(app, make_user(role, role=role))
    writes = [
        api.post("courses", {"code": "NEW", "title": "t", "provider": "p"}),
        api.post("courses", [{"code": "NEW", "title": "t", "provider": "p"}]),
        api.patch("courses/MOC", {"title": "changed"}),
        api.post("standards", {"code": "NEW", "title": "t", "body": "UN", "scale": "pass"}),
        api.patch("standards/EN", {"title": "changed"}),
        api.post("requirements", {"course": "MOC"}),
        api.delete(f"requirements/{setup}"),
    ]
    assert [r.status_code for r in writes] == [403] * len(writes)
    assert role in writes[0].json["message"]
    assert (count(Course), count(Standard), count(Requirement)) == (1, 1, 1)
    assert api.get("courses/MOC").json["title"] == "Course MOC"
    assert all(e.action == "create" for e in audit_events("course") + audit_events("requirement"))


def test_non_admin_is_refused_before_its_input_is_judged(app, setup):
    api = api_client(app, make_user("viewer", role="viewer"))
    assert api.post("courses", {"code": ""}).status_code == 403


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/api/v1/courses"),
    ("GET", "/api/v1/courses/MOC"),
    ("POST", "/api/v1/courses"),
    ("PATCH", "/api/v1/courses/MOC"),
    ("GET", "/api/v1/standards"),
    ("POST", "/api/v1/standards"),
    ("GET", "/api/v1/requirements"),
    ("POST", "/api/v1/requirements"),
    ("DELETE", "/api/v1/requirements/1"),
])
def test_without_credentials_is_401(client, setup, method, path):
    resp = client.open(path, method=method, json={"code": "X"})
    assert resp.status_code == 401
    assert resp.json["code"] == 401
    assert count(Course) == 1
