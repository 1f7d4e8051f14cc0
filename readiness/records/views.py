"""Completion and attainment endpoints of the JSON API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema

from readiness.api import PAGE_HEADER, create_doc, filter_args, load_one_or_list, paged
from readiness.auth.scope import RECORD_ROLES, acting_user, ensure_visible, require_role, unit_path_filter
from readiness.errors import DomainError
from readiness.extensions import db
from readiness.records import services
from readiness.records.bulk import local_today, unwrap_single
from readiness.records.schemas import (
    AttainmentInSchema,
    AttainmentQueryArgsSchema,
    AttainmentSchema,
    CompletionInSchema,
    CompletionQueryArgsSchema,
    CompletionSchema,
    RevokeInSchema,
)
from readiness.units.models import Unit

completions_blp = Blueprint("completions", __name__, url_prefix="/api/v1/completions",
                            description="Course completions (certificates)")
attainments_blp = Blueprint("attainments", __name__, url_prefix="/api/v1/attainments",
                            description="Results against standards, e.g. STANAG 6001 language tests")
blueprints: list[Blueprint] = [completions_blp, attainments_blp]


def _create(schema: type[Schema], out: type[Schema], what: str,
            create: Callable[..., list[Any]]) -> tuple[Any, int]:
    """Load one object or a list, create all or nothing, commit, answer 201 in the same shape."""
    user = acting_user()
    require_role(user, RECORD_ROLES)
    rows, many = load_one_or_list(schema)
    single = not many
    try:
        created = create(rows, user, today=local_today())
    except DomainError as error:
        raise (unwrap_single(error, what) if single else error) from None
    db.session.commit()
    return (out().dump(created[0]) if single else out(many=True).dump(created)), 201


def _visible(record: Any, what: str) -> Any:
    """Return `record` if its person lies in the acting user's scope, else 404."""
    ensure_visible(acting_user(), record.person.unit, what)
    return record


@completions_blp.route("")
class Completions(MethodView):
    """The completion list."""

    @completions_blp.arguments(CompletionQueryArgsSchema, location="query")
    @completions_blp.response(200, CompletionSchema(many=True), headers=PAGE_HEADER)
    def get(self, args):
        """List completions of people in your scope, newest first; paginated (X-Pagination header)."""
        return paged(services.list_completions(filter_args(args),
                                               unit_path_filter(acting_user(), Unit.path)), args)

    @completions_blp.doc(**create_doc(CompletionInSchema, CompletionSchema))
    def post(self):
        """Record one completion or a list, all or nothing (admin, training officer in scope).

        `expires_on` and `verification_code` are derived; sending them is a 422. Errors of a
        list are keyed by index, then field.
        """
        return _create(CompletionInSchema, CompletionSchema, "completion", services.create_completions)


@completions_blp.route("/<int:completion_id>")
class CompletionById(MethodView):
    """One completion."""

    @completions_blp.response(200, CompletionSchema)
    def get(self, completion_id):
        """Show a completion."""
        return _visible(services.get_completion(completion_id), f"Completion {completion_id}")


@completions_blp.route("/<int:completion_id>/revoke")
class RevokeCompletion(MethodView):
    """Revoking a completion."""

    @completions_blp.arguments(RevokeInSchema)
    @completions_blp.response(200, CompletionSchema)
    def post(self, data, completion_id):
        """Revoke a completion with a reason (admin, training officer); it is kept, never deleted."""
        require_role(acting_user(), RECORD_ROLES)
        completion = _visible(services.get_completion(completion_id), f"Completion {completion_id}")
        services.revoke_completion(completion, data["reason"], acting_user())
        db.session.commit()
        return completion


@attainments_blp.route("")
class Attainments(MethodView):
    """The attainment list."""

    @attainments_blp.arguments(AttainmentQueryArgsSchema, location="query")
    @attainments_blp.response(200, AttainmentSchema(many=True), headers=PAGE_HEADER)
    def get(self, args):
        """List attainments of people in your scope, newest first; paginated (X-Pagination header)."""
        return paged(services.list_attainments(filter_args(args),
                                               unit_path_filter(acting_user(), Unit.path)), args)

    @attainments_blp.doc(**create_doc(AttainmentInSchema, AttainmentSchema))
    def post(self):
        """Record one result or a list, all or nothing (admin, training officer in scope).

        `level` is a STANAG 6001 profile for an slp standard, 'pass' or 'fail' for a pass
        standard; `expires_on` is derived.
        """
        return _create(AttainmentInSchema, AttainmentSchema, "attainment", services.create_attainments)


@attainments_blp.route("/<int:attainment_id>")
class AttainmentById(MethodView):
    """One attainment."""

    @attainments_blp.response(200, AttainmentSchema)
    def get(self, attainment_id):
        """Show an attainment."""
        return _visible(services.get_attainment(attainment_id), f"Attainment {attainment_id}")
