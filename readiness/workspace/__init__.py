"""The training officer's workspace: server-rendered pages to record, correct and import training.

Every page is for a logged-in user within their unit scope (DESIGN.md §6): admins and
training officers write, commanders and viewers read; a record outside the scope is a 404.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("workspace", __name__, url_prefix="/workspace")

# The view modules add their routes to `bp` when imported.
from readiness.workspace import (  # noqa: E402, F401 - imported for their routes
    audit,
    catalogue,
    imports,
    models,
    names,
    people,
    records,
    roster,
    search,
)


@bp.record_once
def _connect(_state: object) -> None:
    names.connect()


@bp.context_processor
def _rights() -> dict[str, bool]:
    from readiness.workspace.access import can_catalogue, can_record

    return {"can_record": can_record(), "can_catalogue": can_catalogue()}
