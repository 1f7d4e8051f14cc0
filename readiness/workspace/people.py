"""Personnel pages: the filterable list, and one person's training and readiness."""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from flask_login import login_required
from sqlalchemy import false, func, or_, select, true

from readiness.audit import AuditEvent
from readiness.auth.scope import in_scope, unit_path_filter
from readiness.engine import rules
from readiness.engine.models import PersonFact
from readiness.engine.services import person_readiness
from readiness.extensions import db
from readiness.personnel.models import STATUSES, Person
from readiness.personnel.services import list_people
from readiness.records.services import list_attainments, list_completions
from readiness.training import slp
from readiness.training.models import Requirement
from readiness.units.models import Unit
from readiness.workspace import bp
from readiness.workspace.access import page_number, reader, visible_person
from readiness.workspace.search import person_matches, words

PER_PAGE = 50
HISTORY_LIMIT = 30
CHOICES = {"earmarked": ("yes", "no"), "qualified": ("yes", "no"), "status": STATUSES}


def read_filters(user: Any) -> tuple[dict[str, str], dict[str, str], Unit | None]:
    """Read the list filters from the query string; return them, their errors, and the unit."""
    raw = {k: (request.args.get(k) or "").strip()[:100]
           for k in ("q", "unit", "role", "status", "earmarked", "qualified")}
    errors: dict[str, str] = {}
    unit = None
    if raw["unit"]:
        unit = db.session.scalar(select(Unit).where(Unit.code == raw["unit"]))
        if unit is None or not in_scope(user, unit):
            errors["unit"] = f"No unit {raw['unit']!r} in your scope."
            unit = None
    for name, allowed in CHOICES.items():
        if raw[name] and raw[name] not in allowed:
            errors[name] = f"Choose one of: {', '.join(allowed)}."
    return raw, errors, unit


def people_statement(user: Any, raw: dict[str, str], errors: dict[str, str]) -> Any:
    """Return the statement listing the people in scope that match the valid filters."""
    filters: dict[str, Any] = {}
    if raw["unit"] and "unit" not in errors:
        filters["unit"] = raw["unit"]
    if raw["role"]:
        filters["role"] = raw["role"]
    if raw["status"] and "status" not in errors:
        filters["status"] = raw["status"]
    if raw["earmarked"] and "earmarked" not in errors:
        filters["earmarked"] = raw["earmarked"] == "yes"
    stmt = list_people(filters, unit_path_filter(user, Unit.path))
    if words(raw["q"]):
        stmt = stmt.where(person_matches(raw["q"]))
    if raw["qualified"] and "qualified" not in errors:
        good = rules.qualified_from_facts(PersonFact.blocked, PersonFact.qualified_until, rules.today())
        stmt = stmt.join(PersonFact, PersonFact.person_id == Person.id).where(
            good if raw["qualified"] == "yes" else ~good)
    return stmt


def page_of(stmt: Any, page: int) -> list[Person]:
    """Return one page of the people `stmt` lists, in its order."""
    # The deep pages sort every match: sorting ids, then reading 50 people, is twice as fast
    # on SQLite as sorting whole rows with their units.
    ids = db.session.scalars(stmt.with_only_columns(Person.id)
                             .limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    found = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(ids)))} if ids else {}
    return [found[i] for i in ids]


def qualified_today(people: list[Person]) -> dict[int, bool]:
    """Return whether each listed person is qualified today, in one query."""
    if not people:
        return {}
    good = rules.qualified_from_facts(PersonFact.blocked, PersonFact.qualified_until, rules.today())
    rows = db.session.execute(select(PersonFact.person_id, good)
                              .where(PersonFact.person_id.in_([p.id for p in people])))
    return {pid: bool(ok) for pid, ok in rows}


@bp.get("/people")
@login_required
def people():
    """List the people in scope, filtered by unit subtree, role, status, earmark and qualification."""
    user = reader()
    raw, errors, unit = read_filters(user)
    stmt = people_statement(user, raw, errors)
    page = page_number()
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = page_of(stmt, page)
    roles = db.session.scalars(select(Person.role).distinct().order_by(Person.role).limit(200)).all()
    return render_template(
        "workspace/people.html", people=rows, total=total, page=page,
        pages=max(1, -(-total // PER_PAGE)), raw=raw, errors=errors, unit=unit, roles=roles,
        statuses=STATUSES, qualified=qualified_today(rows),
        args={k: v for k, v in raw.items() if v and k not in errors})


def person_history(person: Person, codes: list[str], limit: int | None = HISTORY_LIMIT) -> list[AuditEvent]:
    """Return the audit events of a person and of their records, newest first."""
    sn = person.service_number
    clause = or_((AuditEvent.entity == "person") & (AuditEvent.key == sn),
                 (AuditEvent.entity == "attainment") & AuditEvent.key.startswith(f"{sn}/", autoescape=True),
                 (AuditEvent.entity == "completion") & AuditEvent.key.in_(codes) if codes else false())
    stmt = select(AuditEvent).where(clause).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    return list(db.session.scalars(stmt.limit(limit) if limit else stmt))


@bp.get("/people/<service_number>")
@login_required
def person(service_number: str):
    """Show a person: identity, the status of every requirement, all records, and their history."""
    user = reader()
    person = visible_person(service_number, user)
    today = rules.today()
    readiness = person_readiness(person, today)
    requirements = {r.id: r for r in db.session.scalars(
        select(Requirement).where(Requirement.id.in_([r["id"] for r in readiness["requirements"]])))}
    completions = list(db.session.scalars(list_completions({"service_number": service_number}, true())))
    attainments = list(db.session.scalars(list_attainments({"service_number": service_number}, true())))
    history = person_history(person, [c.verification_code for c in completions])
    return render_template(
        "workspace/person.html", person=person, readiness=readiness, requirements=requirements,
        completions=completions, attainments=attainments, history=history, today=today,
        slp=slp, history_limit=HISTORY_LIMIT)
