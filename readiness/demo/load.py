"""Load the demo force through the same bulk services as CSV imports and the API."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import select

from readiness.auth.models import User
from readiness.auth.services import create_user
from readiness.demo.data import DemoForce, build_demo_force
from readiness.extensions import db
from readiness.imports import KINDS, NotAvailableError, resolve
from readiness.units.models import Unit

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - published in the README for the demo logins
# Loaded in this order: every kind's references are loaded before it.
ORDER = ("units", "personnel", "courses", "standards", "requirements", "completions", "attainments",
         "evaluations", "pledges")


@dataclass(frozen=True)
class DemoUser:
    """A demo login and the scope it was given."""

    name: str
    role: str
    unit: str | None
    unit_name: str | None


@dataclass
class DemoSummary:
    """What `load_demo` wrote, and what it had to leave out."""

    today: dt.date
    counts: dict[str, int] = field(default_factory=dict)
    users: list[DemoUser] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def local_today(timezone: str) -> dt.date:
    """Return today's date in the configured time zone."""
    return dt.datetime.now(ZoneInfo(timezone)).date()


def has_units() -> bool:
    """Tell whether the database holds any unit (the demo only fills an empty one)."""
    return db.session.scalar(select(Unit.id).limit(1)) is not None


def _demo_users(force: DemoForce) -> list[tuple[str, str, dict[str, str] | None]]:
    """Pick the scopes of the demo logins from the force's own tree."""
    brigade = next(u for u in force.units if u["parent"] is None)
    battalion = next(u for u in force.units if u["kind"] == "battalion")
    company = next(u for u in force.units if u["kind"] == "company" and u["parent"] == battalion["code"])
    return [("admin", "admin", None), ("training", "training_officer", brigade),
            ("commander", "commander", battalion), ("viewer", "viewer", company)]


def load_demo(today: dt.date, seed: int = 2026) -> DemoSummary:
    """Write the demo force and its logins; the caller commits (or rolls back) once."""
    force = build_demo_force(today, seed)
    summary = DemoSummary(today=today)
    for name in ORDER:
        kind = KINDS[name]
        try:
            _, service = resolve(kind)
        except NotAvailableError as error:
            summary.notes.append(f"{name} skipped: {error}")
            continue
        summary.counts[name] = len(service(getattr(force, name), None))
    existing = set(db.session.scalars(select(User.name)))
    for name, role, unit in _demo_users(force):
        if name in existing:
            summary.notes.append(f"user {name!r} already exists; left unchanged")
            continue
        create_user(name, role, DEMO_PASSWORD, unit_code=unit["code"] if unit else None)
        summary.users.append(DemoUser(name, role, unit["code"] if unit else None,
                                      unit["name"] if unit else None))
    return summary
