"""Unit endpoints of the JSON API."""

from flask.views import MethodView
from flask_smorest import Blueprint

from readiness.api import PAGE_HEADER, filter_args, paged
from readiness.auth.scope import (
    ADMIN_ROLES,
    acting_user,
    ensure_visible,
    require_role,
    unit_path_filter,
)
from readiness.extensions import db
from readiness.units import services
from readiness.units.models import Unit
from readiness.units.schemas import (
    UnitInSchema,
    UnitQueryArgsSchema,
    UnitSchema,
)

blp = Blueprint("units", __name__, url_prefix="/api/v1/units", description="Units")


def visible_unit(code: str) -> Unit:
    """Return the unit with `code` if the acting user may see it, else 404."""
    unit = services.get_unit(code)
    ensure_visible(acting_user(), unit, f"Unit {code!r}")
    return unit


@blp.route("")
class Units(MethodView):
    """The unit list."""

    @blp.arguments(UnitQueryArgsSchema, location="query")
    @blp.response(200, UnitSchema(many=True), headers=PAGE_HEADER)
    def get(self, args):
        """List units in your scope, tree order; paginated (X-Pagination header)."""
        stmt = services.list_units(filter_args(args), unit_path_filter(acting_user(), Unit.path))
        return paged(stmt, args)

    @blp.arguments(UnitInSchema)
    @blp.response(201, UnitSchema)
    def post(self, data):
        """Create a unit (admin)."""
        require_role(acting_user(), ADMIN_ROLES)
        unit = services.create_unit(data, acting_user())
        db.session.commit()
        return unit


@blp.route("/<code>")
class UnitByCode(MethodView):
    """One unit."""

    @blp.response(200, UnitSchema)
    def get(self, code):
        """Show a unit."""
        return visible_unit(code)

    @blp.arguments(UnitInSchema(partial=True))
    @blp.response(200, UnitSchema)
    def patch(self, data, code):
        """Change a unit (admin); moving it under its own subtree is a 409."""
        require_role(acting_user(), ADMIN_ROLES)
        unit = services.update_unit(visible_unit(code), data, acting_user())
        db.session.commit()
        return unit

    @blp.response(204)
    def delete(self, code):
        """Delete an empty unit (admin); one with children or people is a 409."""
        require_role(acting_user(), ADMIN_ROLES)
        services.delete_unit(visible_unit(code), acting_user())
        db.session.commit()
