"""Readiness and forecast endpoints of the JSON API."""

from __future__ import annotations

from datetime import timedelta

from flask.views import MethodView
from flask_smorest import Blueprint

from readiness.auth.scope import acting_user, ensure_visible
from readiness.engine import rules, services
from readiness.engine.schemas import (
    ForecastQueryArgsSchema,
    ForecastSchema,
    PersonReadinessSchema,
    ReadinessQueryArgsSchema,
    UnitReadinessSchema,
)
from readiness.personnel.services import get_person
from readiness.units.models import Unit
from readiness.units.services import get_unit

blp = Blueprint("readiness", __name__, url_prefix="/api/v1", description="Readiness and forecasts")
blueprints: list[Blueprint] = [blp]


def _visible_unit(code: str) -> Unit:
    unit = get_unit(code)
    ensure_visible(acting_user(), unit, f"Unit {code!r}")
    return unit


@blp.route("/units/<code>/readiness")
class UnitReadiness(MethodView):
    """A unit's readiness."""

    @blp.arguments(ReadinessQueryArgsSchema, location="query")
    @blp.response(200, UnitReadinessSchema)
    def get(self, args, code):
        """Readiness of the unit's subtree on `as_of` (default today), with its direct children."""
        return services.unit_readiness(_visible_unit(code), args["as_of"] or rules.today())


@blp.route("/personnel/<service_number>/readiness")
class PersonReadiness(MethodView):
    """A person's readiness."""

    @blp.arguments(ReadinessQueryArgsSchema, location="query")
    @blp.response(200, PersonReadinessSchema)
    def get(self, args, service_number):
        """Status of every requirement that applies to the person on `as_of` (default today)."""
        person = get_person(service_number)
        ensure_visible(acting_user(), person.unit, f"Person {service_number!r}")
        return services.person_readiness(person, args["as_of"] or rules.today())


@blp.route("/units/<code>/forecast")
class UnitForecast(MethodView):
    """A unit's forecast."""

    @blp.arguments(ForecastQueryArgsSchema, location="query")
    @blp.response(200, ForecastSchema)
    def get(self, args, code):
        """Qualified people from `from` (default today) to `to` (default a year later), on each change."""
        start = args["from_"] or rules.today()
        end = args["to"] or start + timedelta(days=365)
        unit = _visible_unit(code)
        return services.forecast(unit, start, end)
