"""Readiness reports as PDF (work in progress)."""

from __future__ import annotations

from datetime import date
from typing import Any

from readiness.units.models import Unit


def report_pdf(unit: Unit, on: date, edition: str, actor: Any) -> bytes:
    """Return the readiness report of `unit` on `on` as PDF bytes."""
    raise NotImplementedError
