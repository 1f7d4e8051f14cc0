"""Request bodies for personnel tests."""

from __future__ import annotations

from typing import Any


def person_row(service_number: str, unit: str = "1BN", **fields: Any) -> dict[str, Any]:
    """Return a valid POST body for one person."""
    return {"service_number": service_number, "rank": "Sergeant", "family_name": "Məmmədov",
            "given_name": "Rəşad", "unit": unit, "role": "rifleman", **fields}
