"""Evaluation, pledge and interoperability status endpoints of the JSON API (under a unit)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import jsonify
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema

from readiness.api import PAGE_HEADER, create_doc, filter_args, load_one_or_list, paged
from readiness.auth.scope import READ_ROLES, RECORD_ROLES, acting_user, ensure_visible, require_role
from readiness.engine import rules as engine_rules
from readiness.engine.schemas import ReadinessQueryArgsSchema
from readiness.errors import DomainError
from readiness.extensions import db
from readiness.interop import evaluations, pledges, status
from readiness.interop.schemas import (
    EvaluationInSchema,
    EvaluationQueryArgsSchema,
    EvaluationSchema,
    MilestoneInSchema,
    MilestoneSchema,
    PledgeInSchema,
    PledgeQueryArgsSchema,
    PledgeSchema,
)
from readiness.interop.status_schemas import InteropStatusSchema
from readiness.records.bulk import local_today, unwrap_single
from readiness.units.models import Unit
from readiness.units.services import get_unit

blp = Blueprint(
    "interoperability",
    __name__,
    url_prefix="/api/v1/units",
    description="NATO OCC E&F evaluations, UN PCRS pledges, and where a unit stands in each",
)
blueprints: list[Blueprint] = [blp]


def _unit(code: str, roles: tuple[str, ...] = READ_ROLES) -> tuple[Any, Unit]:
    """Return the acting user (holding one of `roles`, else 403) and the unit if in scope (else 404)."""
    user = acting_user()
    require_role(user, roles)
    unit = get_unit(code)
    ensure_visible(user, unit, f"Unit {code!r}")
    return user, unit


def _create(
    schema: type[Schema], out: type[Schema], what: str, create: Callable[[list[dict[str, Any]]], list[Any]]
) -> tuple[Any, int]:
    """Create one object or a list, all or nothing, commit, answer 201 in the same shape."""
    rows, many = load_one_or_list(schema)
    try:
        created = create(rows)
    except DomainError as error:
        raise (error if many else unwrap_single(error, what)) from None
    body = out(many=True).dump(created)
    db.session.commit()
    return jsonify(body if many else body[0]), 201


@blp.route("/<code>/interoperability")
class Interoperability(MethodView):
    """Where a unit stands in both frameworks."""

    @blp.arguments(ReadinessQueryArgsSchema, location="query")
    @blp.response(200, InteropStatusSchema)
    def get(self, args, code):
        """The unit's OCC stage and PCRS level on `as_of` (default today), each with why it is not higher."""
        _, unit = _unit(code)
        return status.unit_status(unit, args["as_of"] or engine_rules.today())


@blp.route("/<code>/evaluations")
class Evaluations(MethodView):
    """A unit's OCC E&F evaluations."""

    @blp.arguments(EvaluationQueryArgsSchema, location="query")
    @blp.response(200, EvaluationSchema(many=True), headers=PAGE_HEADER)
    def get(self, args, code):
        """List the unit's evaluations, latest start first; paginated (X-Pagination header)."""
        _, unit = _unit(code)
        return paged(evaluations.list_evaluations(unit, filter_args(args)), args)

    @blp.doc(**create_doc(EvaluationInSchema, EvaluationSchema))
    def post(self, code):
        """Record one evaluation or a list, all or nothing (admin, training officer in scope).

        A step may be recorded ahead (scheduled) without an outcome; the outcome follows by PATCH.
        """
        user, unit = _unit(code, RECORD_ROLES)
        return _create(
            EvaluationInSchema,
            EvaluationSchema,
            "evaluation",
            lambda rows: evaluations.create_evaluations(
                [{**row, "unit": unit.code} for row in rows], user, today=local_today()
            ),
        )


@blp.route("/<code>/evaluations/<int:evaluation_id>")
class EvaluationById(MethodView):
    """One evaluation."""

    @blp.response(200, EvaluationSchema)
    def get(self, code, evaluation_id):
        """Show an evaluation."""
        _, unit = _unit(code)
        return evaluations.get_evaluation(unit, evaluation_id)

    @blp.arguments(EvaluationInSchema(partial=True))
    @blp.response(200, EvaluationSchema)
    def patch(self, data, code, evaluation_id):
        """Change an evaluation, e.g. its outcome, areas and feedback (admin, training officer in scope)."""
        user, unit = _unit(code, RECORD_ROLES)
        evaluation = evaluations.update_evaluation(
            evaluations.get_evaluation(unit, evaluation_id), data, user, today=local_today()
        )
        db.session.commit()
        return evaluation


@blp.route("/<code>/pledges")
class Pledges(MethodView):
    """A unit's PCRS pledges."""

    @blp.arguments(PledgeQueryArgsSchema, location="query")
    @blp.response(200, PledgeSchema(many=True), headers=PAGE_HEADER)
    def get(self, args, code):
        """List the unit's pledges, latest first, with their milestones; paginated (X-Pagination header)."""
        _, unit = _unit(code)
        return paged(pledges.list_pledges(unit, filter_args(args)), args)

    @blp.doc(**create_doc(PledgeInSchema, PledgeSchema))
    def post(self, code):
        """Register one pledge or a list (past ones too), all or nothing (admin, training officer).

        A unit has one open pledge at a time: an overlapping one is a 409.
        """
        user, unit = _unit(code, RECORD_ROLES)
        return _create(
            PledgeInSchema,
            PledgeSchema,
            "pledge",
            lambda rows: pledges.create_pledges(
                [{**row, "unit": unit.code} for row in rows], user, today=local_today()
            ),
        )


@blp.route("/<code>/pledges/<int:pledge_id>")
class PledgeById(MethodView):
    """One pledge."""

    @blp.response(200, PledgeSchema)
    def get(self, code, pledge_id):
        """Show a pledge with its milestones."""
        _, unit = _unit(code)
        return pledges.get_pledge(unit, pledge_id)

    @blp.arguments(PledgeInSchema(partial=True, exclude=("milestones",)))
    @blp.response(200, PledgeSchema)
    def patch(self, data, code, pledge_id):
        """Change a pledge: capability, strength, days to deploy, withdrawal (admin, training officer)."""
        user, unit = _unit(code, RECORD_ROLES)
        pledge = pledges.update_pledge(pledges.get_pledge(unit, pledge_id), data, user, today=local_today())
        db.session.commit()
        return pledge


@blp.route("/<code>/pledges/<int:pledge_id>/milestones")
class Milestones(MethodView):
    """A pledge's milestones."""

    @blp.doc(**create_doc(MilestoneInSchema, MilestoneSchema))
    def post(self, code, pledge_id):
        """Record one milestone or a list, all or nothing: documents, visits, commitments, updates."""
        user, unit = _unit(code, RECORD_ROLES)
        pledge = pledges.get_pledge(unit, pledge_id)
        return _create(
            MilestoneInSchema,
            MilestoneSchema,
            "milestone",
            lambda rows: pledges.create_milestones(pledge, rows, user, today=local_today()),
        )


@blp.route("/<code>/pledges/<int:pledge_id>/milestones/<int:milestone_id>")
class MilestoneById(MethodView):
    """One milestone."""

    @blp.arguments(MilestoneInSchema(partial=True))
    @blp.response(200, MilestoneSchema)
    def patch(self, data, code, pledge_id, milestone_id):
        """Change a milestone, e.g. the result of a visit once it has taken place."""
        user, unit = _unit(code, RECORD_ROLES)
        milestone = pledges.get_milestone(pledges.get_pledge(unit, pledge_id), milestone_id)
        pledges.update_milestone(milestone, data, user, today=local_today())
        db.session.commit()
        return milestone
