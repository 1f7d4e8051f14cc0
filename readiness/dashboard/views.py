"""The readiness pages: a unit on a date, its training matrix, its gaps and its deployment day.

Every page reads the query string only (GET forms, no JavaScript), is for any of the four
roles within their unit scope, and answers 404 for a unit outside it.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask_login import login_required

from readiness.auth.scope import READ_ROLES, acting_user, ensure_visible, require_role
from readiness.dashboard import exports, pages, queries
from readiness.engine import rules
from readiness.units.models import Unit
from readiness.units.services import get_unit

bp = Blueprint("dashboard", __name__, url_prefix="/readiness")

MATRIX_PER_PAGE = 200
DEPLOY_PER_PAGE = 100


def _reader() -> Any:
    user = acting_user()
    require_role(user, READ_ROLES)
    return user


def _visible(code: str) -> tuple[Any, Unit]:
    user = _reader()
    unit = get_unit(code)
    ensure_visible(user, unit, f"Unit {code!r}")
    return user, unit


def _page_number() -> int:
    value = request.args.get("page", "1")
    return int(value) if value.isdigit() and 0 < int(value) < 1_000_000 else 1


@bp.get("/")
@login_required
def home():
    """Open the user's scope root: their unit, or the top of the force."""
    user = _reader()
    if user.unit is not None:
        return redirect(url_for(".unit", code=user.unit.code, **request.args))
    roots = queries.roots()
    if len(roots) == 1:
        return redirect(url_for(".unit", code=roots[0].code, **request.args))
    return render_template("dashboard/roots.html", roots=roots)


@bp.get("/units/<code>")
@login_required
def unit(code: str):
    """Show a unit's readiness on a date, why, its sub-units, its forecast and its deployment day."""
    user, unit = _visible(code)
    dates = pages.read_dates(request.args, rules.today())
    sort = pages.read_sort(request.args.get("sort"))
    return render_template("dashboard/unit.html", dates=dates, tab="overview",
                           **pages.unit_page(user, unit, dates, sort))


def _matrix_filters(unit: Unit) -> tuple[queries.MatrixFilters, dict[str, str], dict[str, str]]:
    """Read the matrix filters; an unknown sub-unit, role or status is reported, not applied."""
    raw = {name: (request.args.get(name) or "").strip() for name in ("sub_unit", "role", "status", "people")}
    errors: dict[str, str] = {}
    path = unit.path
    if raw["sub_unit"] and raw["sub_unit"] != unit.code:
        found = queries.unit_under(unit, raw["sub_unit"])
        if found is None:
            errors["sub_unit"] = f"{raw['sub_unit']} is not a unit under {unit.code}."
        else:
            path = found.path
    if raw["status"] and raw["status"] not in rules.STATUSES:
        errors["status"] = f"“{raw['status']}” is not a status."
    filters = queries.MatrixFilters(path=path, role=raw["role"] or None,
                                    status=raw["status"] if "status" not in errors else None,
                                    everyone=raw["people"] == "all")
    return filters, raw, errors


@bp.get("/units/<code>/matrix")
@login_required
def matrix(code: str):
    """Show people × requirements with each cell's status on the date, filtered and paged."""
    user, unit = _visible(code)
    dates = pages.read_dates(request.args, rules.today())
    filters, raw, errors = _matrix_filters(unit)
    page = _page_number()
    data = queries.matrix(filters, dates.as_of, page, MATRIX_PER_PAGE)
    return render_template(
        "dashboard/matrix.html", unit=unit, dates=dates, tab="matrix", m=data, raw=raw, errors=errors,
        page=page, pages=max(1, -(-data.total // MATRIX_PER_PAGE)), crumbs=pages.crumbs(user, unit),
        sub_units=queries.sub_units(unit), roles=queries.roles(unit), statuses=rules.STATUSES,
        filter_args={k: v for k, v in raw.items() if v and k not in errors})


@bp.get("/units/<code>/matrix.<any(csv, xlsx):fmt>")
@login_required
def matrix_export(code: str, fmt: str):
    """Download the whole filtered matrix as CSV or XLSX."""
    _, unit = _visible(code)
    dates = pages.read_dates(request.args, rules.today())
    filters, _, _ = _matrix_filters(unit)
    data = queries.matrix(filters, dates.as_of, page=None)
    # A header-safe file name whatever characters the unit code holds.
    code = re.sub(r"[^A-Za-z0-9_.-]+", "_", unit.code)
    name = f"matrix-{code}-{dates.as_of.isoformat()}.{fmt}"
    if fmt == "csv":
        body, mimetype = exports.matrix_csv(data, dates.as_of).encode("utf-8-sig"), "text/csv; charset=utf-8"
    else:
        body = exports.matrix_xlsx(data, unit.code, dates.as_of)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    disposition = f'attachment; filename="{name}"'
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": disposition})


@bp.get("/units/<code>/gaps")
@login_required
def gaps(code: str):
    """Show who needs what by when, grouped by requirement, the most urgent first."""
    user, unit = _visible(code)
    dates = pages.read_dates(request.args, rules.today())
    horizon = dates.deploy_on or pages.default_horizon(dates.as_of)
    groups = queries.gaps(unit.path, dates.as_of, horizon)
    return render_template("dashboard/gaps.html", unit=unit, dates=dates, tab="gaps", groups=groups,
                           horizon=horizon, crumbs=pages.crumbs(user, unit))


@bp.get("/units/<code>/deployment")
@login_required
def deployment(code: str):
    """Show, per person, what will have lapsed by the deployment day."""
    user, unit = _visible(code)
    dates = pages.read_dates(request.args, rules.today())
    page = _page_number()
    data = readiness = None
    if dates.deploy_on is not None:
        data = queries.lapses(unit.path, dates.base, dates.deploy_on, page, DEPLOY_PER_PAGE)
        readiness = pages.deploy_readiness(unit, dates)
    return render_template(
        "dashboard/deployment.html", unit=unit, dates=dates, tab="deployment", lapses=data,
        readiness=readiness, page=page, crumbs=pages.crumbs(user, unit),
        pages=max(1, -(-(data.total_people if data else 0) // DEPLOY_PER_PAGE)))
