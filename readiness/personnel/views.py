"""Personnel endpoints of the JSON API."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from readiness.api import PAGE_HEADER, create_doc, create_one_or_list, filter_args, paged
from readiness.auth.scope import (
    READ_ROLES,
    RECORD_ROLES,
    acting_user,
    ensure_visible,
    require_role,
    unit_path_filter,
)
from readiness.extensions import db
from readiness.personnel import services
from readiness.personnel.models import Person
from readiness.personnel.schemas import PersonInSchema, PersonQueryArgsSchema, PersonSchema
from readiness.units.models import Unit

blp = Blueprint("personnel", __name__, url_prefix="/api/v1/personnel", description="Personnel")


def visible_person(service_number: str) -> Person:
    """Return the person if the acting user may see them, else 404 (as if unknown)."""
    person = services.get_person(service_number)
    ensure_visible(acting_user(), person.unit, f"Person {service_number!r}")
    return person


@blp.route("")
class Personnel(MethodView):
    """The personnel list."""

    @blp.arguments(PersonQueryArgsSchema, location="query")
    @blp.response(200, PersonSchema(many=True), headers=PAGE_HEADER)
    def get(self, args):
        """List people in your scope by name; paginated (X-Pagination header)."""
        require_role(acting_user(), READ_ROLES)
        stmt = services.list_people(filter_args(args), unit_path_filter(acting_user(), Unit.path))
        return paged(stmt, args)

    @blp.doc(**create_doc(PersonInSchema, PersonSchema))
    def post(self):
        """Create one person or a list of people, all or none (admin, training officer in scope)."""
        actor = acting_user()
        require_role(actor, RECORD_ROLES)
        return create_one_or_list(lambda rows: services.create_people(rows, actor),
                                  PersonInSchema, PersonSchema)


@blp.route("/<service_number>")
class PersonByServiceNumber(MethodView):
    """One person."""

    @blp.response(200, PersonSchema)
    def get(self, service_number):
        """Show a person in your scope."""
        require_role(acting_user(), READ_ROLES)
        return visible_person(service_number)

    @blp.arguments(PersonInSchema(partial=True))
    @blp.response(200, PersonSchema)
    def patch(self, data, service_number):
        """Change a person (admin, training officer); a move must stay in your scope."""
        actor = acting_user()
        require_role(actor, RECORD_ROLES)
        person = services.update_person(visible_person(service_number), data, actor)
        db.session.commit()
        return person
