"""Factory functions for test data; they go through the services, as users do."""

from __future__ import annotations

from typing import Any

from flask import g

from readiness.auth.models import User
from readiness.auth.services import create_token, create_user
from readiness.extensions import db
from readiness.units.models import Unit
from readiness.units.services import create_unit

PASSWORD = "correct horse battery"


def make_unit(code: str, parent: str | None = None, *, kind: str = "company",
              authorized_strength: int = 0, name: str | None = None) -> Unit:
    """Create and commit a unit."""
    unit = create_unit({"code": code, "name": name or f"Unit {code}", "parent": parent,
                        "kind": kind, "authorized_strength": authorized_strength}, None)
    db.session.commit()
    return unit


def make_user(name: str, *, role: str = "admin", unit: str | None = None) -> User:
    """Create and commit a user with the shared test password."""
    user = create_user(name, role, PASSWORD, unit_code=unit)
    db.session.commit()
    return user


class ApiClient:
    """A test client that sends a bearer token and speaks JSON."""

    def __init__(self, app: Any, token: str) -> None:
        self.client = app.test_client()
        self.headers = {"Authorization": f"Bearer {token}"}

    def _call(self, method: str, path: str, json: Any = None, **kwargs: Any) -> Any:
        url = path if path.startswith("/") else f"/api/v1/{path}"
        # Tests keep one app context open, and Flask-Login caches the user in it: forget
        # it so each client is authenticated as itself.
        g.pop("_login_user", None)
        return self.client.open(url, method=method, json=json, headers=self.headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Any:
        """GET `path` (relative paths are under /api/v1)."""
        return self._call("GET", path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        """POST JSON to `path`."""
        return self._call("POST", path, json, **kwargs)

    def patch(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        """PATCH JSON to `path`."""
        return self._call("PATCH", path, json, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        """DELETE `path`."""
        return self._call("DELETE", path, **kwargs)


def api_client(app: Any, user: User) -> ApiClient:
    """Return an API client holding a fresh token of `user`."""
    token = create_token(user.name)
    db.session.commit()
    return ApiClient(app, token)


def make_person(service_number: str, unit: str, *, family_name: str = "Əliyev",
                given_name: str = "Elvin", **fields: Any) -> Any:
    """Create and commit a person in `unit` (other fields: rank, role, status, earmarked, …)."""
    from readiness.personnel.services import create_people

    row = {"service_number": service_number, "rank": "Private", "family_name": family_name,
           "given_name": given_name, "unit": unit, "role": "rifleman", **fields}
    (person,) = create_people([row], None)
    db.session.commit()
    return person
