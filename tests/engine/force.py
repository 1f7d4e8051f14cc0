"""Build small forces for engine tests: rows straight through the ORM, signals as services send them."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from readiness import signals
from readiness.extensions import db
from readiness.personnel.models import Person
from readiness.training import slp
from readiness.training.dates import expires_on
from readiness.training.models import Attainment, Completion, Course, Requirement, Standard
from readiness.units.models import Unit
from readiness.units.services import create_unit


class Force:
    """A force under construction; every method flushes and signals like the real services."""

    def __init__(self) -> None:
        self.units: dict[str, Unit] = {}
        self.people: dict[str, Person] = {}
        self.courses: dict[str, Course] = {}
        self.standards: dict[str, Standard] = {}
        self._codes = 0

    def unit(self, code: str, parent: str | None = None, authorized: int = 0) -> Unit:
        """Add a unit under `parent`."""
        unit = create_unit({"code": code, "name": f"Unit {code}", "parent": parent, "kind": "unit",
                            "authorized_strength": authorized}, None)
        self.units[code] = unit
        return unit

    def person(self, sn: str, unit: str, role: str = "rifleman", *, status: str = "active",
               earmarked: bool = True) -> Person:
        """Add a person to `unit`."""
        person = Person(service_number=sn, rank="Private", family_name=sn, given_name="Test",
                        unit=self.units[unit], role=role, status=status, earmarked=earmarked)
        db.session.add(person)
        db.session.flush()
        signals.people_changed.send(person_ids={person.id})
        self.people[sn] = person
        return person

    def change(self, sn: str, **fields: Any) -> None:
        """Change a person's unit (code), role, status or earmark."""
        person = self.people[sn]
        for name, value in fields.items():
            setattr(person, name, self.units[value] if name == "unit" else value)
        db.session.flush()
        signals.people_changed.send(person_ids={person.id})

    def course(self, code: str, validity: int | None = 12) -> Course:
        """Add a course valid for `validity` months (None: never expires)."""
        course = Course(code=code, title=code, provider="Test", kind="individual", validity_months=validity)
        db.session.add(course)
        db.session.flush()
        self.courses[code] = course
        return course

    def standard(self, code: str, scale: str = "slp", validity: int | None = 36) -> Standard:
        """Add a standard."""
        standard = Standard(code=code, title=code, body="NATO", scale=scale, validity_months=validity)
        db.session.add(standard)
        db.session.flush()
        self.standards[code] = standard
        return standard

    def requirement(self, course: str | None = None, standard: str | None = None,
                    min_level: str | None = None, unit: str | None = None,
                    role: str | None = None) -> Requirement:
        """Add a requirement."""
        req = Requirement(course=self.courses[course] if course else None,
                          standard=self.standards[standard] if standard else None,
                          min_level=slp.parse_level(min_level) if min_level else None,
                          unit=self.units[unit] if unit else None, role=role)
        db.session.add(req)
        db.session.flush()
        signals.requirements_changed.send()
        return req

    def delete_requirement(self, req: Requirement) -> None:
        """Delete a requirement."""
        db.session.delete(req)
        db.session.flush()
        signals.requirements_changed.send()

    def completion(self, sn: str, course: str, on: date, *, revoked: bool = False) -> Completion:
        """Record a completion (expiry derived as the records service does)."""
        c = self.courses[course]
        self._codes += 1
        record = Completion(person=self.people[sn], course=c, completed_on=on,
                            expires_on=expires_on(on, c.validity_months),
                            verification_code=f"T{self._codes:08d}", revoked=revoked,
                            revoke_reason="test" if revoked else None, recorded_by="test")
        db.session.add(record)
        db.session.flush()
        # As the records service says it: an added completion is folded into the facts.
        added = {} if revoked else {"added_completions": [(record.person_id, c.id, on, record.expires_on)]}
        signals.records_changed.send(person_ids={record.person_id}, **added)
        return record

    def revoke(self, record: Completion) -> None:
        """Revoke a completion."""
        record.revoked, record.revoke_reason = True, "revoked in a test"
        db.session.flush()
        signals.records_changed.send(person_ids={record.person_id})

    def attainment(self, sn: str, standard: str, level: str, on: date) -> Attainment:
        """Record a standard's result (an SLP profile is normalised first)."""
        s = self.standards[standard]
        stored = slp.parse_level(level) if s.scale == "slp" else level
        record = Attainment(person=self.people[sn], standard=s, level=stored, assessed_on=on,
                            expires_on=expires_on(on, s.validity_months), recorded_by="test")
        db.session.add(record)
        db.session.flush()
        signals.records_changed.send(person_ids={record.person_id})
        return record


def person_id(sn: str) -> int:
    """Return the id of a person by service number."""
    return db.session.scalar(select(Person.id).where(Person.service_number == sn))
