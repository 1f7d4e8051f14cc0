"""Roles and unit scope: who may read or write what."""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from sqlalchemy import ColumnElement, true

from readiness.errors import ForbiddenError, NotFoundError
from readiness.units.models import Unit

READ_ROLES = ("admin", "training_officer", "commander", "viewer")
RECORD_ROLES = ("admin", "training_officer")  # personnel and training records
ADMIN_ROLES = ("admin",)  # units and the catalogue


def acting_user() -> Any:
    """Return the authenticated user of this request (views only)."""
    return current_user._get_current_object()


def require_role(user: Any, roles: tuple[str, ...]) -> None:
    """Refuse the operation unless the user holds one of `roles`."""
    if user.role not in roles:
        raise ForbiddenError(f"Your role ({user.role}) may not do this.")


def scope_path(user: Any) -> str | None:
    """Return the materialised path of the user's scope, or None for the whole force."""
    return user.unit.path if user.unit is not None else None


def in_scope(user: Any, unit: Unit) -> bool:
    """Tell whether `unit` lies in the user's scope."""
    path = scope_path(user)
    return path is None or unit.path.startswith(path)


def unit_path_filter(user: Any, path_column: Any) -> ColumnElement[bool]:
    """Return a WHERE clause keeping rows whose unit path lies in the user's scope."""
    path = scope_path(user)
    return true() if path is None else path_column.startswith(path, autoescape=True)


def ensure_visible(user: Any, unit: Unit, what: str) -> None:
    """Answer 404 for a record outside the user's scope, as if it did not exist."""
    if not in_scope(user, unit):
        raise NotFoundError(f"{what} not found.")


def ensure_writable(user: Any, unit: Unit, field: str = "unit") -> None:
    """Refuse writing into a unit outside the user's scope."""
    if not in_scope(user, unit):
        raise ForbiddenError(f"Unit {unit.code} is outside your scope.", {field: ["Outside your scope."]})
