"""Partner rules: who receives which reports when; sending, resending and the schedule."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Select, exists, func, select, true

from readiness import audit
from readiness.auth.scope import ensure_writable, in_scope, scope_path
from readiness.db import utcnow
from readiness.engine.rules import today
from readiness.errors import ConflictError, InvalidError, NotFoundError
from readiness.extensions import db
from readiness.mail import services as mail
from readiness.mail.models import OutboxMessage, aware
from readiness.partners import schedule as schedules
from readiness.partners.models import LANGUAGES, Delivery, Partner, ReportDocument, partner_units
from readiness.reports import readiness_report
from readiness.units.models import Unit
from readiness.units.services import units_by_code

FIELDS = ("name", "emails", "language", "units", "edition", "schedule", "active")


def timezone() -> str:
    """Return the zone schedules are read in (READINESS_TIMEZONE)."""
    return current_app.config["TIMEZONE"]


# ---- reading ---------------------------------------------------------------------------

def _visible(user: Any) -> Any:
    """Partners that report on a unit in the user's scope (all, for the whole force)."""
    path = scope_path(user)
    if path is None:
        return true()
    return exists().where(partner_units.c.partner_id == Partner.id, partner_units.c.unit_id == Unit.id,
                          Unit.path.startswith(path, autoescape=True))


def list_partners(user: Any, filters: dict[str, Any]) -> Select[tuple[Partner]]:
    """Return the statement listing the partners the user may see, by name."""
    stmt = select(Partner).where(_visible(user)).order_by(Partner.name, Partner.id)
    if "name" in filters:
        stmt = stmt.where(func.lower(Partner.name).contains(filters["name"].lower(), autoescape=True))
    if "active" in filters:
        stmt = stmt.where(Partner.active == filters["active"])
    if "unit" in filters:
        stmt = stmt.where(exists().where(partner_units.c.partner_id == Partner.id,
                                         partner_units.c.unit_id == Unit.id, Unit.code == filters["unit"]))
    return stmt


def get_partner(partner_id: int) -> Partner:
    """Return the partner or raise NotFoundError."""
    partner = db.session.get(Partner, partner_id)
    if partner is None:
        raise NotFoundError(f"Partner {partner_id} not found.")
    return partner


def visible_partner(user: Any, partner_id: int) -> Partner:
    """Return the partner if it reports on a unit in the user's scope, else 404."""
    partner = get_partner(partner_id)
    if scope_path(user) is not None and not any(in_scope(user, u) for u in partner.units):
        raise NotFoundError(f"Partner {partner_id} not found.")
    return partner


def view(partner: Partner, user: Any) -> dict[str, Any]:
    """Return the partner as the user may see it: units outside their scope left out."""
    return {"id": partner.id, "name": partner.name, "emails": partner.emails, "language": partner.language,
            "units": [u.code for u in partner.units if in_scope(user, u)], "edition": partner.edition,
            "schedule": partner.schedule, "timezone": timezone(), "active": partner.active,
            "next_due_at": aware(partner.next_due_at), "created_at": aware(partner.created_at)}


def list_deliveries(partner: Partner, user: Any) -> Select[tuple[Delivery]]:
    """Return the statement listing a partner's deliveries, newest first (with a report in scope)."""
    stmt = select(Delivery).where(Delivery.partner_id == partner.id).order_by(Delivery.id.desc())
    path = scope_path(user)
    if path is not None:
        from readiness.partners.models import delivery_documents

        stmt = stmt.where(exists().where(
            delivery_documents.c.delivery_id == Delivery.id,
            delivery_documents.c.document_id == ReportDocument.id, ReportDocument.unit_id == Unit.id,
            Unit.path.startswith(path, autoescape=True)))
    return stmt


def get_delivery(partner: Partner, delivery_id: int) -> Delivery:
    """Return the partner's delivery or raise NotFoundError."""
    delivery = db.session.get(Delivery, delivery_id)
    if delivery is None or delivery.partner_id != partner.id:
        raise NotFoundError(f"Delivery {delivery_id} of partner {partner.id} not found.")
    return delivery


# ---- writing ---------------------------------------------------------------------------

def _emails(addresses: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for address in addresses:
        seen.setdefault(address.strip().lower(), address.strip())
    return list(seen.values())


def unknown_units(codes: list[str]) -> dict[int, list[str]]:
    """Return the messages of the codes that name no unit, by position."""
    found = units_by_code(set(codes))
    return {i: [f"Unknown unit {code!r}."] for i, code in enumerate(codes) if code not in found}


def _units(codes: list[str], actor: Any) -> list[Unit]:
    found = units_by_code(set(codes))
    unknown = unknown_units(codes)
    if unknown:
        raise InvalidError(f"Unknown unit(s): {', '.join(c for c in codes if c not in found)}.",
                           {"units": unknown})
    units = list({code: found[code] for code in codes}.values())
    if actor is not None:
        for unit in units:
            ensure_writable(actor, unit, "units")
    return units


def _schedule(expression: str | None) -> str | None:
    try:
        return schedules.normalise(expression, timezone())
    except ValueError as error:
        raise InvalidError(f"Invalid schedule: {error}.", {"schedule": [f"{error}."]}) from None


def _name_free(name: str, partner_id: int | None = None) -> None:
    other = db.session.scalar(select(Partner.id).where(func.lower(Partner.name) == name.lower()))
    if other is not None and other != partner_id:
        raise ConflictError(f"A partner named {name!r} already exists.", {"name": ["Already used."]})


def _plan(partner: Partner, now: datetime) -> None:
    """Set when the schedule next asks for a report (none when inactive or unscheduled)."""
    partner.next_due_at = (schedules.next_after(partner.schedule, timezone(), now)
                           if partner.active and partner.schedule else None)


def create_partner(data: dict[str, Any], actor: Any, now: datetime | None = None) -> Partner:
    """Create a partner; its first scheduled report is the schedule's next time after now."""
    name = data["name"].strip()
    _name_free(name)
    partner = Partner(name=name, emails=_emails(data["emails"]), language=data.get("language", "en"),
                      edition=data.get("edition", "partner"), schedule=_schedule(data.get("schedule")),
                      active=data.get("active", True), units=_units(data["units"], actor))
    _plan(partner, now or utcnow())
    db.session.add(partner)
    db.session.flush()
    audit.record(actor, "create", "partner", str(partner.id),
                 {**{k: getattr(partner, k) for k in FIELDS if k != "units"},
                  "units": [u.code for u in partner.units]})
    return partner


def update_partner(partner: Partner, data: dict[str, Any], actor: Any,
                   now: datetime | None = None) -> Partner:
    """Change a partner; a new schedule or a reactivation plans the next report afresh."""
    changes: dict[str, Any] = {}
    values = dict(data)
    if "name" in values:
        values["name"] = values["name"].strip()
        if values["name"] != partner.name:
            _name_free(values["name"], partner.id)
    if "emails" in values:
        values["emails"] = _emails(values["emails"])
    if "schedule" in values:
        values["schedule"] = _schedule(values["schedule"])
    if "units" in values:
        units = _units(values.pop("units"), actor)
        if [u.id for u in units] != [u.id for u in partner.units] or len(units) != len(partner.units):
            old = [u.code for u in partner.units]
            partner.units = sorted(units, key=lambda u: u.code)
            new = [u.code for u in partner.units]
            if old != new:
                changes["units"] = [old, new]
    for field in ("name", "emails", "language", "edition", "schedule", "active"):
        if field in values and values[field] != getattr(partner, field):
            changes[field] = [getattr(partner, field), values[field]]
            setattr(partner, field, values[field])
    if {"schedule", "active"} & set(changes):
        _plan(partner, now or utcnow())
    db.session.flush()
    if changes:
        audit.record(actor, "update", "partner", str(partner.id), changes)
    return partner


# ---- sending ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Rendered:
    """A report rendered for a unit."""

    unit: Unit
    document_id: str
    content: bytes


def _filename(unit: Unit, as_of: date, edition: str) -> str:
    code = re.sub(r"[^A-Za-z0-9._-]+", "-", unit.code).strip("-") or str(unit.id)
    return f"readiness-report-{code}-{as_of.isoformat()}-{edition}.pdf"


def _render(partner: Partner, as_of: date) -> list[Rendered]:
    """Render each unit's report (reads only: nothing is written while the PDFs are laid out)."""
    out = []
    for unit in partner.units:
        data = readiness_report.report_data(unit, as_of, partner.edition)
        out.append(Rendered(unit, data.document_id, readiness_report.render(data)))
    return out


def _covering_mail(partner: Partner, documents: list[ReportDocument], as_of: date) -> mail.Mail:
    context = {"partner": partner, "documents": documents, "as_of": as_of,
               "authority": current_app.config["ISSUING_AUTHORITY"],
               "public_url": current_app.config["PUBLIC_URL"].rstrip("/")}
    codes = ", ".join(d.unit.code for d in documents)
    subject = (f"Hazırlıq hesabatı: {codes}, {as_of.isoformat()} tarixinə" if partner.language == "az"
               else f"Readiness report: {codes} as of {as_of.isoformat()}")
    return mail.Mail("partner-report", partner.emails, subject,
                     mail.render(f"partner_report_{partner.language}.txt", **context),
                     mail.render(f"partner_report_{partner.language}.html", **context),
                     [mail.Attachment(d.file_id, d.filename) for d in documents])


def _actor_name(actor: Any) -> str:
    return getattr(actor, "name", None) or "schedule"


def _deliver(partner: Partner, documents: list[ReportDocument], as_of: date, edition: str, actor: Any,
             trigger: str, now: datetime, resent_from: Delivery | None = None) -> Delivery:
    message = mail.queue(_covering_mail(partner, documents, as_of), now)
    delivery = Delivery(partner=partner, created_at=now, as_of=as_of, edition=edition,
                        language=partner.language, recipients=list(message.recipients), trigger=trigger,
                        requested_by=_actor_name(actor), message=message, documents=documents,
                        resent_from_id=resent_from.id if resent_from else None)
    db.session.add(delivery)
    db.session.flush()
    return delivery


def send(partner: Partner, actor: Any, as_of: date | None = None, now: datetime | None = None,
         trigger: str = "manual") -> Delivery:
    """Render the partner's reports and queue them in one message; return the delivery."""
    now = now or utcnow()
    as_of = as_of or today()
    if trigger == "manual" and not partner.active:
        raise ConflictError(f"Partner {partner.name} is inactive: activate it before sending.",
                            {"active": ["The partner is inactive."]})
    if as_of > now.astimezone(ZoneInfo(timezone())).date():
        raise InvalidError("A report cannot be as of a future date.", {"as_of": ["Not after today."]})
    rendered = _render(partner, as_of)
    documents = []
    for r in rendered:
        stored = mail.store_file(r.content)
        documents.append(ReportDocument(document_id=r.document_id, unit=r.unit, as_of=as_of,
                                        edition=partner.edition, file=stored,
                                        filename=_filename(r.unit, as_of, partner.edition), created_at=now))
    db.session.add_all(documents)
    db.session.flush()
    delivery = _deliver(partner, documents, as_of, partner.edition, actor, trigger, now)
    audit.record(actor, "send", "partner", str(partner.id),
                 {"delivery": delivery.id, "as_of": as_of, "edition": partner.edition,
                  "units": [d.unit.code for d in documents], "recipients": delivery.recipients,
                  "documents": [d.document_id for d in documents]})
    return delivery


def resend(delivery: Delivery, actor: Any, now: datetime | None = None) -> Delivery:
    """Queue the same documents (identical bytes) again, to the partner's current addresses."""
    if not delivery.documents:
        raise ConflictError(f"Delivery {delivery.id} has no documents to resend (its reports were never "
                            "rendered); send now instead.")
    now = now or utcnow()
    partner = delivery.partner
    copy = _deliver(partner, list(delivery.documents), delivery.as_of, delivery.edition, actor, "resend", now,
                    resent_from=delivery)
    audit.record(actor, "resend", "partner", str(partner.id),
                 {"delivery": copy.id, "resent_from": delivery.id, "recipients": copy.recipients,
                  "documents": [d.document_id for d in copy.documents]})
    return copy


def failed_delivery(partner: Partner, as_of: date, error: str, now: datetime) -> Delivery:
    """Record a scheduled delivery whose reports could not be rendered."""
    delivery = Delivery(partner=partner, created_at=now, as_of=as_of, edition=partner.edition,
                        language=partner.language, recipients=list(partner.emails), trigger="schedule",
                        requested_by="schedule", error=error[:2000])
    db.session.add(delivery)
    db.session.flush()
    return delivery


def language_name(code: str) -> str:
    """Return a language's name for display."""
    return LANGUAGES.get(code, code)


def message_status(message: OutboxMessage | None) -> str:
    """Return the outbox status of a delivery's message (failed when there is none)."""
    return message.status if message is not None else "failed"


def local(moment: datetime | None) -> datetime | None:
    """Return a stored UTC time in the configured zone, for display."""
    value = aware(moment)
    return value.astimezone(ZoneInfo(timezone())) if value else None


def utc(moment: datetime) -> datetime:
    """Return `moment` in UTC."""
    return moment.astimezone(UTC)
