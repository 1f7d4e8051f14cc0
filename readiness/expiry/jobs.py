"""The `expiry-warnings` job: warn of requirements about to lapse, each threshold once.

The standings come from the engine's stored facts (one statement for the whole force),
so the job reads no record and makes no query per person. A requirement whose record
expires within a threshold (by default 90, 60, 30 or 7 days) gets the most urgent
threshold it has crossed, unless that or a more urgent one was already sent for the same
expiry: a job that missed days sends one warning, not every older threshold at once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import case, exists, false, insert, literal, select, true

from readiness.auth.models import User
from readiness.engine.models import RequirementFact
from readiness.engine.queries import targets
from readiness.expiry.models import ExpiryWarning
from readiness.extensions import db
from readiness.mail import services as mail
from readiness.personnel.models import Person
from readiness.training.models import Course, Requirement, Standard
from readiness.units.models import Unit


def thresholds() -> list[int]:
    """Return EXPIRY_WARNING_THRESHOLDS as distinct positive days, most urgent first.

    The environment may give a JSON list (`[90, 60, 30, 7]`) or a comma list (`90,60,30,7`).
    """
    raw = current_app.config["EXPIRY_WARNING_THRESHOLDS"]
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    try:
        days = sorted({int(str(d).strip()) for d in items})
    except ValueError as error:
        raise ValueError(f"EXPIRY_WARNING_THRESHOLDS must be whole days, e.g. 90,60,30,7 "
                         f"(got {raw!r})") from error
    if not days or days[0] < 1:
        raise ValueError(f"EXPIRY_WARNING_THRESHOLDS must be positive days (got {raw!r})")
    return days


@dataclass(frozen=True)
class Lapse:
    """One requirement of one person about to lapse."""

    person_id: int
    requirement_id: int
    expires_on: date
    threshold: int
    days_left: int
    service_number: str
    rank: str
    name: str
    email: str | None
    unit_code: str
    unit_path: str
    target: str = ""
    title: str = ""
    link: str = ""


@dataclass
class Digest:
    """The warnings for one recipient."""

    address: str
    name: str
    warnings: list[Lapse] = field(default_factory=list)

    @property
    def people(self) -> int:
        """How many people the digest names."""
        return len({w.person_id for w in self.warnings})

    def by_threshold(self) -> list[tuple[int, list[Lapse]]]:
        """Group the warnings by threshold, most urgent first, each by expiry date."""
        groups: dict[int, list[Lapse]] = defaultdict(list)
        for w in self.warnings:
            groups[w.threshold].append(w)
        return [(t, sorted(ws, key=lambda w: (w.expires_on, w.unit_code, w.name, w.target)))
                for t, ws in sorted(groups.items())]


def _candidates(today: date, days: list[int]) -> list[Lapse]:
    """Return the warnings due today: one statement over the facts, with the people and units."""
    f, w = RequirementFact, ExpiryWarning
    threshold = case(*((f.expires_on <= today + timedelta(days=d), literal(d)) for d in days))
    sent = exists().where(w.person_id == f.person_id, w.requirement_id == f.requirement_id,
                          w.expires_on == f.expires_on, w.threshold <= threshold)
    rows = db.session.execute(
        select(f.person_id, f.requirement_id, f.expires_on, threshold, Person.service_number, Person.rank,
               Person.family_name, Person.given_name, Person.patronymic, Person.email, Unit.code, Unit.path)
        .join(Person, Person.id == f.person_id).join(Unit, Unit.id == Person.unit_id)
        .where(f.below == false(), f.expires_on > today, f.expires_on <= today + timedelta(days=days[-1]),
               Person.status != "separated", ~sent)
        .order_by(f.expires_on, Person.service_number, f.requirement_id))
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    return [Lapse(pid, rid, exp, int(th), (exp - today).days, sn, rank,
                    " ".join(x for x in (family, given, patronymic) if x), email or None, code, path,
                    link=f"{base}/workspace/people/{sn}")
            for pid, rid, exp, th, sn, rank, family, given, patronymic, email, code, path in rows]


def _labels(warnings: list[Lapse]) -> list[Lapse]:
    ids = {w.requirement_id for w in warnings}
    codes = targets(ids)
    titles = dict(db.session.execute(
        select(Requirement.id, case((Course.id.is_not(None), Course.title), else_=Standard.title))
        .outerjoin(Course, Course.id == Requirement.course_id)
        .outerjoin(Standard, Standard.id == Requirement.standard_id)
        .where(Requirement.id.in_(ids))).all()) if ids else {}
    return [Lapse(**{**w.__dict__, "target": codes.get(w.requirement_id, str(w.requirement_id)),
                       "title": titles.get(w.requirement_id) or ""}) for w in warnings]


def _officers() -> list[tuple[str, str, str | None]]:
    """Return (name, address, scope path; None: whole force) of each training officer with an address."""
    return [(name, email.strip(), path) for name, email, path in db.session.execute(
        select(User.name, User.email, Unit.path).outerjoin(Unit, Unit.id == User.unit_id)
        .where(User.role == "training_officer", User.active == true(), User.email.is_not(None),
               User.email != ""))]


def _ancestors(path: str) -> Iterable[str]:
    """Yield the paths of a unit and its ancestors ('/1/5/' → '/1/', '/1/5/')."""
    parts = path.strip("/").split("/")
    for i in range(1, len(parts) + 1):
        yield "/" + "/".join(parts[:i]) + "/"


def _digests(warnings: list[Lapse]) -> tuple[list[Digest], list[Digest]]:
    """Return one digest per training officer whose scope holds a warned person, and one per person."""
    by_path: dict[str | None, list[tuple[str, str]]] = defaultdict(list)
    for name, address, path in _officers():
        by_path[path].append((name, address))
    officers: dict[str, Digest] = {}
    people: dict[int, Digest] = {}
    for w in warnings:
        for path in (None, *_ancestors(w.unit_path)):
            for name, address in by_path.get(path, ()):
                officers.setdefault(name, Digest(address, name)).warnings.append(w)
        if w.email:
            people.setdefault(w.person_id, Digest(w.email, f"{w.rank} {w.name}")).warnings.append(w)
    return list(officers.values()), list(people.values())


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _officer_mail(digest: Digest) -> mail.Mail:
    n, people = len(digest.warnings), digest.people
    subject = (f"Training expiring: {_plural(n, 'requirement')} of "
               f"{_plural(people, 'person', 'people')} in your units")
    context = {"d": digest, "plural": _plural}
    return mail.Mail("expiry-digest", [digest.address], subject,
                     mail.render("expiry_digest.txt", **context),
                     mail.render("expiry_digest.html", **context))


def _person_mail(digest: Digest) -> mail.Mail:
    ws = digest.warnings
    first = min(ws, key=lambda w: w.expires_on)
    subject = (f"Your training expires soon: {first.target} on {first.expires_on.isoformat()}" if len(ws) == 1
               else f"Your training: {_plural(len(ws), 'requirement')} expire soon, the first on "
                    f"{first.expires_on.isoformat()}")
    context = {"d": digest, "plural": _plural}
    return mail.Mail("expiry-notice", [digest.address], subject,
                     mail.render("expiry_person.txt", **context),
                     mail.render("expiry_person.html", **context))


def run_expiry_warnings(now: datetime) -> str:
    """Queue the expiry warnings due at `now` (the `expiry-warnings` job); return a summary."""
    today = now.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).date()
    warnings = _candidates(today, thresholds())
    if not warnings:
        return f"no new warnings on {today.isoformat()}"
    warnings = _labels(warnings)
    db.session.execute(insert(ExpiryWarning), [
        {"person_id": w.person_id, "requirement_id": w.requirement_id, "expires_on": w.expires_on,
         "threshold": w.threshold, "queued_at": now} for w in warnings])
    officers, people = _digests(warnings)
    mail.queue_many([_officer_mail(d) for d in officers] + [_person_mail(d) for d in people], now)
    unheard = len({w.person_id for w in warnings if w.email is None} -
                  {w.person_id for d in officers for w in d.warnings})
    summary = (f"{_plural(len(warnings), 'warning')} on {today.isoformat()} for "
               f"{_plural(len({w.person_id for w in warnings}), 'person', 'people')}: "
               f"{_plural(len(officers), 'digest')} to training officers, "
               f"{_plural(len(people), 'message')} to people")
    if unheard:
        summary += f"; {_plural(unheard, 'person', 'people')} with no address and no training officer to tell"
    return summary

