"""Personnel endpoints of the JSON API."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import ValidationError
from werkzeug.exceptions import BadRequest

from readiness.api import PAGE_HEADER, filter_args, paged
from readiness.auth.scope import (
    READ_ROLES,
    RECORD_ROLES,
    acting_user,
    ensure_visible,
    require_role,
    unit_path_filter,
)
from readiness.errors import DomainError, InvalidError, describe_errors
from readiness.extensions import db
from readiness.personnel import services
from readiness.personnel.models import Person
from readiness.personnel.schemas import PersonInSchema, PersonQueryArgsSchema, PersonSchema
from readiness.units.models import Unit

blp = Blueprint("personnel", __name__, url_prefix="/api/v1/personnel", description="Personnel")


def _one_or_list(schema: type) -> dict[str, Any]:
    return {"oneOf": [schema, {"type": "array", "items": schema}]}


# The body is one object or a list, which no single schema loads, so the view loads it
# itself; the OpenAPI document still describes both shapes.
POST_DOC = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": _one_or_list(PersonInSchema)}},
    },
    "responses": {"201": {
        "description": "What was created, in the shape and order sent (an object or a list)",
        "content": {"application/json": {"schema": _one_or_list(PersonSchema)}},
    }},
}


def visible_person(service_number: str) -> Person:
    """Return the person if the acting user may see them, else 404 (as if unknown)."""
    person = services.get_person(service_number)
    ensure_visible(acting_user(), person.unit, f"Person {service_number!r}")
    return person


def _load_body() -> tuple[list[dict[str, Any]], bool]:
    """Load one person or a list of them; return the rows and whether a list was sent."""
    data = None
    if request.get_data():
        try:
            data = request.get_json(force=True)
        except BadRequest as exc:
            raise BadRequest("The body is not valid JSON.") from exc
    many = isinstance(data, list)
    if many and not data:
        raise InvalidError("The list is empty: send one person or a list of at least one.")
    if not many and not isinstance(data, dict):
        raise InvalidError("Send one person as a JSON object, or a list of them.")
    try:
        rows = PersonInSchema(many=many).load(data)
    except ValidationError as err:
        messages = err.messages if isinstance(err.messages, dict) else {"_schema": err.messages}
        raise InvalidError("Invalid input: " + "; ".join(describe_errors(messages)[:10]),
                           messages) from err
    return (rows if many else [rows]), many


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

    @blp.doc(**POST_DOC)
    def post(self):
        """Create one person or a list of people, all or none (admin, training officer in scope)."""
        actor = acting_user()
        require_role(actor, RECORD_ROLES)
        rows, many = _load_body()
        try:
            people = services.create_people(rows, actor)
        except DomainError as err:
            # One object sent: its errors are field → messages, not keyed by index 0.
            if not many and err.errors and 0 in err.errors:
                err.errors = err.errors[0]
            raise
        # Dumped before the commit, which expires every object: dumping after it would
        # reload each person with a query of its own.
        body = PersonSchema(many=many).dump(people if many else people[0])
        db.session.commit()
        return jsonify(body), 201


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
