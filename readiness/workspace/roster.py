"""Class roster entry (work in progress)."""

from __future__ import annotations

from flask_login import login_required

from readiness.workspace import bp
from readiness.workspace.access import recorder


@bp.route("/roster", methods=["GET", "POST"])
@login_required
def roster():
    """Enter a class roster."""
    recorder()
    return "not yet", 501
