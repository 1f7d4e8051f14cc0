"""The readiness engine: the rules of DESIGN.md §2, derived data, and their answers."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the derived tables and keep them current on every change (signals)."""
    from readiness.engine import facts
    from readiness.engine import models as _models  # noqa: F401 - tables into the metadata

    facts.connect()
