"""Catalogue and requirement endpoints of the JSON API."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from readiness.api import PAGE_HEADER, create_doc, create_one_or_list, filter_args, paged
from readiness.auth.scope import ADMIN_ROLES, acting_user, require_role
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


# --- courses ----------------------------------------------------------------------------

@courses_blp.route("")
class Courses(MethodView):
    """The course catalogue."""

    @courses_blp.arguments(CourseQueryArgsSchema, location="query")
    @courses_blp.response(200, CourseSchema(many=True), headers=PAGE_HEADER)
    def get(self, args):
        """List courses by code; paginated (X-Pagination header)."""
        return paged(services.list_courses(filter_args(args)), args)

    @courses_blp.doc(**create_doc(CourseInSchema, CourseSchema))
    @courses_blp.response(201)
    def post(self):
        """Create one course or a list of them, all or nothing (admin)."""
        require_role(acting_user(), ADMIN_ROLES)
        return create_one_or_list(lambda rows: services.create_courses(rows, acting_user()),
                                  CourseInSchema, CourseSchema)


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

    @standards_blp.doc(**create_doc(StandardInSchema, StandardSchema))
    @standards_blp.response(201)
    def post(self):
        """Create one standard or a list of them, all or nothing (admin)."""
        require_role(acting_user(), ADMIN_ROLES)
        return create_one_or_list(lambda rows: services.create_standards(rows, acting_user()),
                                  StandardInSchema, StandardSchema)


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

    @requirements_blp.doc(**create_doc(RequirementInSchema, RequirementSchema))
    @requirements_blp.response(201)
    def post(self):
        """Create one requirement or a list of them, all or nothing (admin)."""
        require_role(acting_user(), ADMIN_ROLES)
        return create_one_or_list(lambda rows: services.create_requirements(rows, acting_user()),
                                  RequirementInSchema, RequirementSchema)


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
