"""What the interoperability bulk services share: units and scope of rows, repeated keys, today."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from readiness.auth.scope import in_scope
from readiness.errors import ForbiddenError
from readiness.records.bulk import RowErrors
from readiness.records.keys import existing_keys
from readiness.units.models import Unit
from readiness.units.services import units_by_code


def actor_name(actor: Any) -> str:
    """Return who recorded something: the user's name, or 'system' (CLI imports, the demo)."""
    return getattr(actor, "name", None) or "system"


def units_of(rows: list[dict[str, Any]], errors: RowErrors, actor: Any) -> dict[str, Unit]:
    """Return the rows' units by code (one query); unknown units are 422s, units out of scope 403s."""
    units = units_by_code({row["unit"] for row in rows})
    for index, row in enumerate(rows):
        unit = units.get(row["unit"])
        if unit is None:
            errors.invalid[index]["unit"].append(f"Unknown unit {row['unit']!r}.")
        # No actor is the system itself (CLI imports, the demo): the whole force.
        elif actor is not None and not in_scope(actor, unit):
            errors.forbidden[index]["unit"].append(f"Unit {unit.code} is outside your scope.")
    return units


def ensure_in_scope(actor: Any, unit: Unit) -> None:
    """Refuse a change to a unit's records outside the actor's scope."""
    if actor is not None and not in_scope(actor, unit):
        raise ForbiddenError(f"Unit {unit.code} is outside your scope.")


def repeated(
    keys: Sequence[tuple[Any, ...] | None], columns: Sequence[Any], errors: RowErrors, field: str, what: str
) -> None:
    """Report keys repeated in the list or stored already as 409s on `field` (`what` names the key)."""
    first: dict[tuple[Any, ...], int] = {}
    for index, key in enumerate(keys):
        if key is None:
            continue
        if key in first:
            errors.conflict[index][field].append(f"Same {what} as item {first[key]} of the list.")
        else:
            first[key] = index
    if errors.invalid or errors.forbidden:
        return  # refused anyway: no need to ask the database
    for key in existing_keys(columns, first):
        errors.conflict[first[key]][field].append(f"Already recorded: the same {what}.")


def plain(value: Any) -> Any:
    """Return a value as the audit trail's JSON keeps it (dates as ISO text)."""
    return value.isoformat() if isinstance(value, date) else value


def not_after(day: date | None, today: date, what: str = "") -> list[str]:
    """Return a message when `day` lies after today."""
    if day is not None and day > today:
        return [f"{day.isoformat()} is after today ({today.isoformat()}){what}."]
    return []
