"""CSV import in the browser (work in progress)."""

from __future__ import annotations

from flask_login import login_required

from readiness.workspace import bp
from readiness.workspace.access import recorder


@bp.route("/imports", methods=["GET", "POST"])
@login_required
def imports():
    """Import a CSV file."""
    recorder()
    return "not yet", 501
