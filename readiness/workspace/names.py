"""Folded names for finding people fast: one short row per person, kept current with the roster.

Folding a name in SQL on every search costs a function call per person and column (half
a second for 50,000 people on SQLite); here each person's names and service number are
folded once, when written, and a search is a plain LIKE over one narrow table.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import ForeignKey, String, delete, event, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from readiness.db import Base
from readiness.extensions import db
from readiness.personnel.models import Person

CHUNK = 1000
_TABLE = str.maketrans("ƏəIıİŞşÇçÖöÜüĞğ", "aaiiissccoouugg")


def fold(text: str) -> str:
    """Return `text` lower-cased with Azerbaijani letters folded to their Latin base (ə→a, ı→i, …)."""
    return text.translate(_TABLE).lower()


def folded_name(family: str, given: str, patronymic: str | None, service_number: str) -> str:
    """Return what a search looks in: the names and the service number, folded, space separated."""
    return fold(" ".join(p for p in (family, given, patronymic, service_number) if p))


class PersonName(Base):
    """A person's names and service number folded for search (derived from personnel)."""

    __tablename__ = "person_names"

    person_id: Mapped[int] = mapped_column(ForeignKey("personnel.id", ondelete="CASCADE"), primary_key=True)
    folded: Mapped[str] = mapped_column(String(400))


def _rows(people: Iterable[Any]) -> list[dict[str, Any]]:
    return [{"person_id": pid, "folded": folded_name(family, given, patronymic, number)}
            for pid, family, given, patronymic, number in people]


_COLUMNS = (Person.id, Person.family_name, Person.given_name, Person.patronymic, Person.service_number)


def refresh(person_ids: Collection[int] | None = None) -> None:
    """Recompute the folded names of `person_ids` (None: everyone) in the current transaction."""
    table = PersonName.__table__
    if person_ids is None:
        db.session.execute(delete(table))
        rows = _rows(db.session.execute(select(*_COLUMNS)))
        if rows:
            db.session.execute(insert(table), rows)
        return
    ids = sorted(set(person_ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        db.session.execute(delete(table).where(table.c.person_id.in_(chunk)))
        rows = _rows(db.session.execute(select(*_COLUMNS).where(Person.id.in_(chunk))))
        if rows:
            db.session.execute(insert(table), rows)


def _on_people_changed(_sender: Any, person_ids: Collection[int] | None = None, **_kw: Any) -> None:
    refresh(person_ids)


def _on_person_updated(_mapper: Any, connection: Any, person: Person) -> None:
    # A change of name or number through the ORM (update_person); the signal covers only
    # changes that matter to readiness.
    table = PersonName.__table__
    connection.execute(delete(table).where(table.c.person_id == person.id))
    connection.execute(insert(table).values(person_id=person.id, folded=folded_name(
        person.family_name, person.given_name, person.patronymic, person.service_number)))


def connect() -> None:
    """Keep the folded names current on every roster change (idempotent)."""
    from readiness import signals

    signals.people_changed.connect(_on_people_changed)
    if not event.contains(Person, "after_update", _on_person_updated):
        event.listen(Person, "after_update", _on_person_updated)
