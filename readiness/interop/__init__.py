"""Interoperability frameworks: NATO OCC Evaluation & Feedback and UN PCRS, rated from a unit's records."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Refuse to start with gates that name no stage or level (INTEROP_GATES)."""
    from readiness.interop.gates import parse_gates

    try:
        parse_gates(app.config["INTEROP_GATES"])
    except ValueError as error:
        raise RuntimeError(f"Configuration: {error}") from error
