"""The interoperability pages: where units stand on a date; forms for evaluations, pledges, milestones.

Any role reads within its unit scope (a unit outside it is a 404); admins and training
officers write. The forms check their input with the API's schemas and save through the
same services, so a page refuses what the API refuses, with the same messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from flask_wtf import FlaskForm
from marshmallow import ValidationError
from sqlalchemy import exists, func, or_, select

from readiness.audit import AuditEvent
from readiness.auth.scope import (
    READ_ROLES,
    RECORD_ROLES,
    acting_user,
    ensure_visible,
    require_role,
    unit_path_filter,
)
from readiness.engine import rules as engine_rules
from readiness.errors import DomainError
from readiness.extensions import db
from readiness.interop import evaluations, pledges, status
from readiness.interop.forms import AREA_ROWS, EvaluationForm, MilestoneForm, PledgeForm, apply, load
from readiness.interop.models import LABELS, Evaluation, Pledge
from readiness.interop.schemas import EvaluationInSchema, MilestoneInSchema, PledgeInSchema
from readiness.units.models import Unit
from readiness.units.services import get_unit

bp = Blueprint("interop", __name__, url_prefix="/interop")
PER_PAGE = 100
HISTORY = 50


@dataclass
class AsOf:
    """The date a page is for, as typed, with a message when it is not a date."""

    today: date
    on: date
    raw: str = ""
    error: str | None = None

    def query(self) -> dict[str, str]:
        """Return the query arguments that keep this date on a link."""
        return {"as_of": self.on.isoformat()} if self.on != self.today else {}


def _as_of() -> AsOf:
    today = engine_rules.today()
    raw = (request.args.get("as_of") or "").strip()
    when = AsOf(today, today, raw)
    if raw:
        try:
            parsed: date | None = date.fromisoformat(raw)
        except ValueError:
            parsed = None
        if parsed is None or len(raw) != 10:
            when.error = f"“{raw}” is not a date: use YYYY-MM-DD, e.g. {today.isoformat()}. Showing today."
        else:
            when.on = parsed
    return when


def _user(roles: tuple[str, ...]) -> Any:
    user = acting_user()
    require_role(user, roles)
    return user


def _unit(code: str, user: Any) -> Unit:
    unit = get_unit(code)
    ensure_visible(user, unit, f"Unit {code!r}")
    return unit


@bp.get("/")
@login_required
def index():
    """List the units in scope with evaluations or pledges, each with its OCC stage and PCRS level."""
    user = _user(READ_ROLES)
    when = _as_of()
    wanted = (request.args.get("unit") or "").strip()
    if wanted:
        found = db.session.scalar(select(Unit).where(Unit.code == wanted, unit_path_filter(user, Unit.path)))
        if found is not None:
            return redirect(url_for(".unit", code=found.code, **when.query()))
    has_records = or_(
        exists().where(Evaluation.unit_id == Unit.id), exists().where(Pledge.unit_id == Unit.id)
    )
    stmt = select(Unit).where(unit_path_filter(user, Unit.path), has_records).order_by(Unit.code)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    page = max(1, min(request.args.get("page", 1, type=int), -(-total // PER_PAGE) or 1))
    units = list(db.session.scalars(stmt.limit(PER_PAGE).offset((page - 1) * PER_PAGE)))
    return render_template(
        "interop/index.html",
        when=when,
        units=units,
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        statuses=status.unit_statuses(units, when.on),
        wanted=wanted,
        can_record=user.role in RECORD_ROLES,
    )


@bp.get("/units/<code>")
@login_required
def unit(code: str):
    """Show where a unit stands in both frameworks on a date, and every record behind it."""
    user = _user(READ_ROLES)
    unit = _unit(code, user)
    when = _as_of()
    records = list(db.session.scalars(evaluations.list_evaluations(unit, {})))
    pledged = list(db.session.scalars(pledges.list_pledges(unit, {})))
    keys = (
        [("occ_evaluation", str(e.id)) for e in records]
        + [("pcrs_pledge", str(p.id)) for p in pledged]
        + [("pcrs_milestone", str(m.id)) for p in pledged for m in p.milestones]
    )
    history = []
    if keys:
        history = list(
            db.session.scalars(
                select(AuditEvent)
                .where(
                    or_(
                        *(
                            (AuditEvent.entity == entity)
                            & AuditEvent.key.in_([k for e, k in keys if e == entity])
                            for entity in {e for e, _ in keys}
                        )
                    )
                )
                .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                .limit(HISTORY)
            )
        )
    return render_template(
        "interop/unit.html",
        unit=unit,
        when=when,
        evaluations=records,
        pledges=pledged,
        s=status.status_of(unit, when.on, records, pledged),
        history=history,
        can_record=user.role in RECORD_ROLES,
        today=when.today,
        labels=LABELS,
    )


def _done(unit: Unit, message: str, anchor: str) -> Any:
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(".unit", code=unit.code) + anchor)


def _form(template: str, form: FlaskForm, unit: Unit, **context: Any) -> Any:
    return render_template(template, form=form, unit=unit, today=engine_rules.today(), **context), (
        422 if request.method == "POST" else 200
    )


def _evaluation_data(evaluation: Evaluation) -> dict[str, Any]:
    return {
        "step": evaluation.step,
        "started_on": evaluation.started_on.isoformat(),
        "ended_on": evaluation.ended_on.isoformat(),
        "outcome": evaluation.outcome or "",
        "re_evaluation_due": evaluation.re_evaluation_due.isoformat() if evaluation.re_evaluation_due else "",
        "evaluators": "\n".join(evaluation.evaluators or []),
        "feedback": evaluation.feedback or "",
        "areas": [{"area": a.area, "result": a.result, "remarks": a.remarks or ""} for a in evaluation.areas],
    }


@bp.route("/units/<code>/evaluations/new", methods=["GET", "POST"])
@bp.route("/units/<code>/evaluations/<int:evaluation_id>/edit", methods=["GET", "POST"])
@login_required
def evaluation_form(code: str, evaluation_id: int | None = None):
    """Record an evaluation, or change one (e.g. its outcome once known)."""
    user = _user(RECORD_ROLES)
    unit = _unit(code, user)
    evaluation = evaluations.get_evaluation(unit, evaluation_id) if evaluation_id else None
    initial = None
    if request.method == "GET":
        initial = _evaluation_data(evaluation) if evaluation else {"step": request.args.get("step", "")}
    form = EvaluationForm(data=initial)
    if request.method == "GET" and evaluation:
        for _ in range(AREA_ROWS - (len(form.areas) - len(evaluation.areas))):
            form.areas.append_entry()
    if form.validate_on_submit():
        data, rows = form.payload()
        try:
            row = load(
                EvaluationInSchema(),
                data,
                lambda valid: evaluations.problems(
                    evaluations.with_defaults({k: v for k, v in valid.items() if k != "areas"}),
                    engine_rules.today(),
                ),
            )
            if evaluation is None:
                (evaluation,) = evaluations.create_evaluations(
                    [{**row, "unit": unit.code}], user, today=engine_rules.today()
                )
            else:
                evaluations.update_evaluation(evaluation, row, user, today=engine_rules.today())
        except (ValidationError, DomainError) as error:
            db.session.rollback()
            apply(form, error, rows)
        else:
            return _done(
                unit,
                f"{row['step']} evaluation {'changed' if evaluation_id else 'recorded'}.",
                f"#evaluation-{evaluation.id}",
            )
    return _form("interop/evaluation_form.html", form, unit, evaluation=evaluation)


def _pledge_check(valid: dict[str, Any]) -> dict[str, Any]:
    return pledges.pledge_problems(valid, engine_rules.today()) if "pledged_on" in valid else {}


def _pledge_data(pledge: Pledge) -> dict[str, Any]:
    return {
        "capability": pledge.capability,
        "strength": str(pledge.strength or ""),
        "pledged_on": pledge.pledged_on.isoformat(),
        "days_to_deploy": str(pledge.days_to_deploy or ""),
        "withdrawn_on": pledge.withdrawn_on.isoformat() if pledge.withdrawn_on else "",
        "remarks": pledge.remarks or "",
    }


@bp.route("/units/<code>/pledges/new", methods=["GET", "POST"])
@bp.route("/units/<code>/pledges/<int:pledge_id>/edit", methods=["GET", "POST"])
@login_required
def pledge_form(code: str, pledge_id: int | None = None):
    """Register a pledge, or change one (what is pledged, days to deploy, its withdrawal)."""
    user = _user(RECORD_ROLES)
    unit = _unit(code, user)
    pledge = pledges.get_pledge(unit, pledge_id) if pledge_id else None
    form = PledgeForm(data=_pledge_data(pledge) if pledge and request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            if pledge is None:
                row = load(PledgeInSchema(), form.payload(), _pledge_check)
                (pledge,) = pledges.create_pledges(
                    [{**row, "unit": unit.code}], user, today=engine_rules.today()
                )
            else:
                row = load(PledgeInSchema(exclude=("milestones",)), form.payload(), _pledge_check)
                pledges.update_pledge(pledge, row, user, today=engine_rules.today())
        except (ValidationError, DomainError) as error:
            db.session.rollback()
            apply(form, error)
        else:
            return _done(
                unit,
                "Pledge changed." if pledge_id else "Pledge registered. Record its documents as milestones.",
                f"#pledge-{pledge.id}",
            )
    return _form("interop/pledge_form.html", form, unit, pledge=pledge)


@bp.route("/units/<code>/pledges/<int:pledge_id>/milestones/new", methods=["GET", "POST"])
@bp.route("/units/<code>/pledges/<int:pledge_id>/milestones/<int:milestone_id>/edit", methods=["GET", "POST"])
@login_required
def milestone_form(code: str, pledge_id: int, milestone_id: int | None = None):
    """Record a pledge's milestone, or change one (e.g. a visit's result once known)."""
    user = _user(RECORD_ROLES)
    unit = _unit(code, user)
    pledge = pledges.get_pledge(unit, pledge_id)
    milestone = pledges.get_milestone(pledge, milestone_id) if milestone_id else None
    initial = None
    if request.method == "GET":
        initial = (
            {
                "kind": milestone.kind,
                "date": milestone.dated_on.isoformat(),
                "result": milestone.result or "",
                "reference": milestone.reference or "",
                "remarks": milestone.remarks or "",
            }
            if milestone
            else {"kind": request.args.get("kind", "")}
        )
    form = MilestoneForm(data=initial)
    if form.validate_on_submit():
        try:
            row = load(MilestoneInSchema(), form.payload())
            if milestone is None:
                pledges.create_milestones(pledge, [row], user, today=engine_rules.today())
            else:
                pledges.update_milestone(milestone, row, user, today=engine_rules.today())
        except (ValidationError, DomainError) as error:
            db.session.rollback()
            apply(form, error)
        else:
            return _done(
                unit, "Milestone changed." if milestone_id else "Milestone recorded.", f"#pledge-{pledge.id}"
            )
    return _form("interop/milestone_form.html", form, unit, pledge=pledge, milestone=milestone)
