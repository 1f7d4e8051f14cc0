"""Who may see and change what on the workspace pages: roles and unit scope (DESIGN.md §6)."""

from __future__ import annotations

from typing import Any

from flask import abort, request
from flask_login import current_user

from readiness.auth.scope import ADMIN_ROLES, READ_ROLES, RECORD_ROLES, acting_user, in_scope, require_role
from readiness.errors import NotFoundError
from readiness.personnel.models import Person
from readiness.personnel.services import get_person


def reader() -> Any:
    """Return the acting user, who must hold a reading role."""
    user = acting_user()
    require_role(user, READ_ROLES)
    return user


def recorder() -> Any:
    """Return the acting user, who must be allowed to write training records (403 otherwise)."""
    user = acting_user()
    require_role(user, RECORD_ROLES)
    return user


def cataloguer() -> Any:
    """Return the acting user, who must be allowed to change the catalogue (admins only)."""
    user = acting_user()
    require_role(user, ADMIN_ROLES)
    return user


def can_record() -> bool:
    """Tell whether the current user may write training records (for showing forms and buttons)."""
    return current_user.is_authenticated and current_user.role in RECORD_ROLES


def can_catalogue() -> bool:
    """Tell whether the current user may change the catalogue."""
    return current_user.is_authenticated and current_user.role in ADMIN_ROLES


def visible_person(service_number: str, user: Any) -> Person:
    """Return the person if `user` may see them; 404 otherwise, as if unknown."""
    try:
        person = get_person(service_number)
    except NotFoundError:
        person = None
    if person is None or not in_scope(user, person.unit):
        raise NotFoundError(f"Person {service_number!r} not found.")
    return person


def page_number() -> int:
    """Return the `page` query argument (1 when missing or not a sensible number)."""
    value = request.args.get("page", "1")
    return int(value) if value.isdigit() and 0 < int(value) < 100_000 else 1


def not_found() -> None:
    """Answer 404."""
    abort(404)
