"""Partner endpoints of the JSON API (DESIGN.md §4).

Admins manage partners and send; every role reads the partners that receive a report on a
unit in its scope, seeing only those units and the deliveries of their reports.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from readiness.api import PAGE_HEADER, filter_args, paged
from readiness.auth.scope import ADMIN_ROLES, READ_ROLES, acting_user, require_role
from readiness.extensions import db
from readiness.partners import services
from readiness.partners.schemas import (
    DeliveryQueryArgsSchema,
    DeliverySchema,
    PartnerInSchema,
    PartnerQueryArgsSchema,
    PartnerSchema,
    SendSchema,
)

blp = Blueprint("partners", __name__, url_prefix="/api/v1/partners",
                description="Partner organisations and the readiness reports e-mailed to them")


@blp.route("")
class Partners(MethodView):
    """The partner list."""

    @blp.arguments(PartnerQueryArgsSchema, location="query")
    @blp.response(200, PartnerSchema(many=True), headers=PAGE_HEADER)
    def get(self, args):
        """List partners reporting on a unit in your scope, by name; paginated (X-Pagination header)."""
        user = acting_user()
        require_role(user, READ_ROLES)
        rows, status, headers = paged(services.list_partners(user, filter_args(args)), args)
        return [services.view(p, user) for p in rows], status, headers

    @blp.arguments(PartnerInSchema)
    @blp.response(201, PartnerSchema)
    def post(self, data):
        """Create a partner (admin); 422 names a bad address, unit or schedule, 409 a name in use."""
        user = acting_user()
        require_role(user, ADMIN_ROLES)
        partner = services.create_partner(data, user)
        body = services.view(partner, user)
        db.session.commit()
        return body


@blp.route("/<int:partner_id>")
class PartnerById(MethodView):
    """One partner."""

    @blp.response(200, PartnerSchema)
    def get(self, partner_id):
        """Show a partner."""
        user = acting_user()
        return services.view(services.visible_partner(user, partner_id), user)

    @blp.arguments(PartnerInSchema(partial=True))
    @blp.response(200, PartnerSchema)
    def patch(self, data, partner_id):
        """Change a partner (admin); `units` replaces the list; a new schedule plans the next report."""
        user = acting_user()
        require_role(user, ADMIN_ROLES)
        partner = services.update_partner(services.visible_partner(user, partner_id), data, user)
        body = services.view(partner, user)
        db.session.commit()
        return body


@blp.route("/<int:partner_id>/send")
class PartnerSend(MethodView):
    """Send now."""

    @blp.arguments(SendSchema)
    @blp.response(201, DeliverySchema)
    @blp.alt_response(409, description="The partner is inactive")
    def post(self, data, partner_id):
        """Render the partner's reports now and queue them in the outbox (admin); answers the delivery."""
        user = acting_user()
        require_role(user, ADMIN_ROLES)
        delivery = services.send(services.visible_partner(user, partner_id), user, data.get("as_of"))
        db.session.commit()
        return delivery


@blp.route("/<int:partner_id>/deliveries")
class PartnerDeliveries(MethodView):
    """What was sent to a partner."""

    @blp.arguments(DeliveryQueryArgsSchema, location="query")
    @blp.response(200, DeliverySchema(many=True), headers=PAGE_HEADER)
    def get(self, args, partner_id):
        """List a partner's deliveries, newest first, with their outbox outcome; paginated."""
        user = acting_user()
        partner = services.visible_partner(user, partner_id)
        return paged(services.list_deliveries(partner, user), args)


@blp.route("/<int:partner_id>/deliveries/<int:delivery_id>/resend")
class DeliveryResend(MethodView):
    """Send a delivery's documents again."""

    @blp.response(201, DeliverySchema)
    def post(self, partner_id, delivery_id):
        """Queue the same documents (identical bytes) again to the partner's addresses (admin)."""
        user = acting_user()
        require_role(user, ADMIN_ROLES)
        partner = services.visible_partner(user, partner_id)
        delivery = services.resend(services.get_delivery(partner, delivery_id), user)
        db.session.commit()
        return delivery
