"""The admin's partner pages: list, create and edit, a partner's deliveries, send now, resend."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_login import login_required
from flask_wtf import FlaskForm
from marshmallow import ValidationError
from sqlalchemy import func, select
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from readiness.auth.scope import ADMIN_ROLES, acting_user, require_role
from readiness.engine.rules import today
from readiness.errors import DomainError, NotFoundError
from readiness.extensions import db
from readiness.partners import schedule as schedules
from readiness.partners import services
from readiness.partners.models import EDITIONS, LANGUAGES, Delivery, Partner
from readiness.partners.schemas import PartnerInSchema

bp = Blueprint("partner_pages", __name__, url_prefix="/admin/partners")
PER_PAGE = 25
EDITION_LABELS = {"partner": "Partner edition — aggregates only, no personal data",
                  "full": "Full edition — names the people with gaps (personal data leaves the ministry)"}


class PartnerForm(FlaskForm):
    """A partner organisation."""

    name = StringField("Name", validators=[Length(max=200)])
    emails = TextAreaField("Contact addresses (one per line, or separated by commas)",
                           validators=[Length(max=6000)])
    units = StringField("Units reported on (codes, separated by commas or spaces)",
                        validators=[Length(max=4000)])
    language = SelectField("Language of the covering e-mail",
                           choices=[SelectChoice(k, v) for k, v in LANGUAGES.items()])
    edition = SelectField("Edition", choices=[SelectChoice(k, EDITION_LABELS[k]) for k in EDITIONS])
    schedule = StringField("Schedule (crontab: minute hour day month weekday; empty: on request only)",
                           validators=[Length(max=120)])
    active = BooleanField("Active: scheduled reports go out", default=True)


class SendForm(FlaskForm):
    """Send now, as of a date."""

    as_of = DateField("As of", validators=[Optional()])


def _admin() -> Any:
    user = acting_user()
    require_role(user, ADMIN_ROLES)
    return user


def _split(text: str | None) -> list[str]:
    return [part for part in re.split(r"[\s,;]+", text or "") if part]


def _apply(form: FlaskForm, errors: dict[str, Any], message: str) -> None:
    shown = False
    for name, messages in errors.items():
        field = getattr(form, str(name), None)
        if field is None or not hasattr(field, "errors"):
            continue
        flat = []
        for m in (messages.values() if isinstance(messages, dict) else [messages]):
            flat.extend(m if isinstance(m, list) else [m])
        if isinstance(messages, dict) and name in ("emails", "units"):
            values = _split(field.data)
            flat = [f"{values[i] if isinstance(i, int) and i < len(values) else i}: {'; '.join(m)}"
                    for i, m in messages.items()]
        field.errors = [*field.errors, *flat]
        shown = True
    if not shown:
        form.form_errors.append(message)


@bp.get("")
@login_required
def index():
    """List the partners with their schedule and last delivery."""
    _admin()
    partners = list(db.session.scalars(select(Partner).order_by(Partner.name)))
    last_ids = (select(Delivery.partner_id, func.max(Delivery.id).label("id"))
                .group_by(Delivery.partner_id).subquery())
    last = {d.partner_id: d for d in db.session.scalars(
        select(Delivery).join(last_ids, last_ids.c.id == Delivery.id))}
    return render_template("partners/index.html", partners=partners, last=last, local=services.local,
                           tz=services.timezone())


def _edit(partner: Partner | None) -> Any:
    user = _admin()
    form = PartnerForm()
    if request.method == "GET" and partner is not None:
        form.name.data = partner.name
        form.emails.data = "\n".join(partner.emails)
        form.units.data = ", ".join(u.code for u in partner.units)
        form.language.data, form.edition.data = partner.language, partner.edition
        form.schedule.data, form.active.data = partner.schedule or "", partner.active
    if form.validate_on_submit():
        raw = {"name": form.name.data or "", "emails": _split(form.emails.data),
               "units": _split(form.units.data),
               "language": form.language.data, "edition": form.edition.data,
               "schedule": (form.schedule.data or "").strip() or None, "active": form.active.data}
        try:
            data = PartnerInSchema().load(raw)
            if partner is None:
                partner = services.create_partner(data, user)
            else:
                services.update_partner(partner, data, user)
        except ValidationError as error:
            messages = dict(error.normalized_messages())
            if "units" not in messages and (unknown := services.unknown_units(raw["units"])):
                messages["units"] = unknown  # shown with the other fields' errors, not after them
            _apply(form, messages, "Invalid input.")
        except DomainError as error:
            db.session.rollback()
            _apply(form, error.errors or {}, error.message)
        else:
            partner_id = partner.id
            db.session.commit()
            flash("Partner saved.", "success")
            return redirect(url_for("partner_pages.show", partner_id=partner_id))
    status = 422 if request.method == "POST" else 200
    return render_template("partners/form.html", partner=partner, form=form, tz=services.timezone()), status


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Add a partner organisation."""
    return _edit(None)


@bp.route("/<int:partner_id>/edit", methods=["GET", "POST"])
@login_required
def edit(partner_id: int):
    """Change a partner organisation."""
    _admin()
    return _edit(services.get_partner(partner_id))


def _page() -> int:
    try:
        return max(1, int(request.args.get("page", 1)))
    except ValueError:
        return 1


def _show(partner: Partner, send_form: SendForm, status: int = 200) -> Any:
    user = _admin()
    page = _page()
    stmt = services.list_deliveries(partner, user)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    deliveries = list(db.session.scalars(stmt.limit(PER_PAGE).offset((page - 1) * PER_PAGE)))
    upcoming = (schedules.upcoming(partner.schedule, services.timezone(), datetime.now(UTC))
                if partner.schedule else [])
    return render_template("partners/show.html", partner=partner, deliveries=deliveries, page=page,
                           pages=max(1, (total + PER_PAGE - 1) // PER_PAGE), send_form=send_form,
                           upcoming=upcoming, local=services.local, tz=services.timezone(),
                           languages=LANGUAGES, editions=EDITION_LABELS, today=today()), status


@bp.get("/<int:partner_id>")
@login_required
def show(partner_id: int):
    """Show a partner, its schedule and its deliveries."""
    _admin()
    return _show(services.get_partner(partner_id), SendForm())


@bp.post("/<int:partner_id>/send")
@login_required
def send(partner_id: int):
    """Render the partner's reports and queue them now."""
    user = _admin()
    partner = services.get_partner(partner_id)
    form = SendForm()
    if form.validate_on_submit():
        try:
            delivery = services.send(partner, user, form.as_of.data)
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(error.message)
        else:
            n = len(delivery.documents)
            db.session.commit()
            flash(f"{n} report{'s' if n != 1 else ''} queued for {partner.name}; the outbox sends "
                  "them on its next run.", "success")
            return redirect(url_for("partner_pages.show", partner_id=partner_id))
    return _show(services.get_partner(partner_id), form, 422)


@bp.post("/<int:partner_id>/deliveries/<int:delivery_id>/resend")
@login_required
def resend(partner_id: int, delivery_id: int):
    """Queue a delivery's documents again, byte for byte."""
    user = _admin()
    partner = services.get_partner(partner_id)
    copy = services.resend(services.get_delivery(partner, delivery_id), user)
    db.session.commit()
    flash(f"Delivery {delivery_id} queued again (delivery {copy.id}).", "success")
    return redirect(url_for("partner_pages.show", partner_id=partner_id))


@bp.get("/<int:partner_id>/deliveries/<int:delivery_id>/<int:document>.pdf")
@login_required
def document(partner_id: int, delivery_id: int, document: int):
    """Download a delivered report exactly as it was attached."""
    _admin()
    delivery = services.get_delivery(services.get_partner(partner_id), delivery_id)
    match = [d for d in delivery.documents if d.id == document]
    if not match:
        raise NotFoundError(f"Document {document} is not part of delivery {delivery_id}.")
    doc = match[0]
    response = send_file(io.BytesIO(doc.file.content), mimetype="application/pdf", download_name=doc.filename,
                         etag=doc.file.sha256, conditional=False)
    response.headers["Cache-Control"] = "private, no-store"
    return response

