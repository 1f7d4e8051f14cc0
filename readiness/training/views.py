"""Catalogue and requirement endpoints of the JSON API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError

from readiness.api import PAGE_HEADER, filter_args, paged
from readiness.auth.scope import ADMIN_ROLES, acting_user, require_role
from readiness.errors import ConflictError, InvalidError, describe_errors
from readiness.extensions import db
from readiness.training import services
from readiness.training.schemas import (
    CourseInSchema,
    CourseQueryArgsSchema,
    CourseSchema,
    RequirementInSchema,
    RequirementQueryArgsSchema,
    RequirementSchema,
    StandardInSchema,
    StandardQueryArgsSchema,
    StandardSchema,
)

courses_blp = Blueprint("courses", __name__, url_prefix="/api/v1/courses",
                        description="The course catalogue")
standards_blp = Blueprint("standards", __name__, url_prefix="/api/v1/standards",
                          description="Standards such as STANAG 6001 language profiles")
requirements_blp = Blueprint("requirements", __name__, url_prefix="/api/v1/requirements",
                             description="What people must hold, by unit subtree and role")
blueprints: list[Blueprint] = [courses_blp, standards_blp, requirements_blp]


# --- one object or a list ---------------------------------------------------------------

def _one_or_list(schema: type[Schema]) -> dict[str, Any]:
    """Describe, for OpenAPI, a JSON body that is one `schema` object or a list of them."""
    return {"content": {"application/json": {"schema": {
        "oneOf": [schema, {"type": "array", "items": schema}],
    }}}}


def _invalid_input(errors: dict[Any, Any]) -> str:
    return "Invalid input: " + "; ".join(describe_errors(errors)[:10])


def _load_one_or_list(schema: type[Schema]) -> tuple[list[dict[str, Any]], bool]:
    """Load the body, one object or a non-empty list; return the rows and whether it was a list."""
    data = request.get_json() if request.is_json else None  # malformed JSON: 400
    many = isinstance(data, list)
    if not (many or isinstance(data, dict)):
        raise InvalidError("Send a JSON object, or a list of JSON objects, as "
                           "Content-Type: application/json.")
    if many and not data:
        raise InvalidError("The list is empty: send at least one object.")
    try:
        return (schema(many=True).load(data) if many else [schema().load(data)]), many
    except ValidationError as err:
        raise InvalidError(_invalid_input(err.messages_dict), err.messages_dict) from err


def _create_one_or_list(create: Callable[[list[dict[str, Any]], Any], list[Any]],
                        in_schema: type[Schema], out_schema: type[Schema]) -> Any:
    """Create from one object or a list, all or nothing; answer in the same shape and order."""
    require_role(acting_user(), ADMIN_ROLES)
    rows, many = _load_one_or_list(in_schema)
    try:
        created = create(rows, acting_user())
    except (InvalidError, ConflictError) as err:
        if many or not err.errors or set(err.errors) != {0}:
            raise
        # One object: its errors are field → messages, without the list index.
        inner = err.errors[0]
        message = "; ".join(describe_errors(inner))
        raise type(err)(_invalid_input(inner) if isinstance(err, InvalidError) else message,
                        inner) from err
    db.session.commit()
    dumped = out_schema(many=True).dump(created)
    return dumped if many else dumped[0]


def _create_doc(in_schema: type[Schema], out_schema: type[Schema]) -> dict[str, Any]:
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    return {
        "requestBody": {"required": True, **_one_or_list(in_schema)},
        "responses": {
            "201": {"description": "What was created, in the same shape and order",
                    **_one_or_list(out_schema)},
            "409": {"description": "A duplicate: in the database or twice in the list; "
                                   "errors: index → field → messages (a single object: "
                                   "field → messages)", "content": error},
            "422": {"description": "Invalid input; errors as for 409", "content": error},
        },
    }


# --- courses ----------------------------------------------------------------------------

@courses_blp.route("")
class Courses(MethodView):
    """The course catalogue."""

    @courses_blp.arguments(CourseQueryArgsSchema, location="query")
    @courses_blp.response(200, CourseSchema(many=True), headers=PAGE_HEADER)
    def get(self, args):
        """List courses by code; paginated (X-Pagination header)."""
        return paged(services.list_courses(filter_args(args)), args)

    @courses_blp.doc(**_create_doc(CourseInSchema, CourseSchema))
    @courses_blp.response(201)
    def post(self):
        """Create one course or a list of them, all or nothing (admin)."""
        return _create_one_or_list(services.create_courses, CourseInSchema, CourseSchema)


@courses_blp.route("/<code>")
class CourseByCode(MethodView):
    """One course."""

    @courses_blp.response(200, CourseSchema)
    def get(self, code):
        """Show a course."""
        return services.get_course(code)

    @courses_blp.arguments(CourseInSchema(partial=True))
    @courses_blp.response(200, CourseSchema)
    def patch(self, data, code):
        """Change a course (admin); completions already recorded keep their expiry."""
        require_role(acting_user(), ADMIN_ROLES)
        course = services.update_course(services.get_course(code), data, acting_user())
        db.session.commit()
        return course


# --- standards --------------------------------------------------------------------------

@standards_blp.route("")
class Standards(MethodView):
    """The standards."""

    @standards_blp.arguments(StandardQueryArgsSchema, location="query")
    @standards_blp.response(200, StandardSchema(many=True), headers=PAGE_HEADER)
    def get(self, args):
        """List standards by code; paginated (X-Pagination header)."""
        return paged(services.list_standards(filter_args(args)), args)

    @standards_blp.doc(**_create_doc(StandardInSchema, StandardSchema))
    @standards_blp.response(201)
    def post(self):
        """Create one standard or a list of them, all or nothing (admin)."""
        return _create_one_or_list(services.create_standards, StandardInSchema, StandardSchema)


@standards_blp.route("/<code>")
class StandardByCode(MethodView):
    """One standard."""

    @standards_blp.response(200, StandardSchema)
    def get(self, code):
        """Show a standard."""
        return services.get_standard(code)

    @standards_blp.arguments(StandardInSchema(partial=True))
    @standards_blp.response(200, StandardSchema)
    def patch(self, data, code):
        """Change a standard (admin); its scale is fixed once requirements or results use it."""
        require_role(acting_user(), ADMIN_ROLES)
        standard = services.update_standard(services.get_standard(code), data, acting_user())
        db.session.commit()
        return standard


# --- requirements -----------------------------------------------------------------------

@requirements_blp.route("")
class Requirements(MethodView):
    """The requirements, force-wide."""

    @requirements_blp.arguments(RequirementQueryArgsSchema, location="query")
    @requirements_blp.response(200, RequirementSchema(many=True), headers=PAGE_HEADER)
    def get(self, args):
        """List requirements by id; paginated (X-Pagination header)."""
        return paged(services.list_requirements(filter_args(args)), args)

    @requirements_blp.doc(**_create_doc(RequirementInSchema, RequirementSchema))
    @requirements_blp.response(201)
    def post(self):
        """Create one requirement or a list of them, all or nothing (admin)."""
        return _create_one_or_list(services.create_requirements, RequirementInSchema,
                                   RequirementSchema)


@requirements_blp.route("/<int:requirement_id>")
class RequirementById(MethodView):
    """One requirement."""

    @requirements_blp.response(200, RequirementSchema)
    def get(self, requirement_id):
        """Show a requirement."""
        return services.get_requirement(requirement_id)

    @requirements_blp.response(204)
    def delete(self, requirement_id):
        """Delete a requirement (admin); the records it asked for stay."""
        require_role(acting_user(), ADMIN_ROLES)
        services.delete_requirement(services.get_requirement(requirement_id), acting_user())
        db.session.commit()
