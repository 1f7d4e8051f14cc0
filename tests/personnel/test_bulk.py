"""POST /personnel with a list: all or nothing, errors keyed by index, few statements."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select

from readiness.audit import AuditEvent
from readiness.extensions import db
from readiness.personnel.models import Person
from readiness.personnel.services import create_people
from readiness.units.models import Unit
from tests.factories import make_person
from tests.personnel.helpers import person_row

pytestmark = pytest.mark.usefixtures("force")


def people_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Person))


def person_events() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.entity == "person"))


@contextmanager
def statements() -> Iterator[list[str]]:
    """Collect the SQL statements sent to the database."""
    seen: list[str] = []

    def collect(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", collect)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", collect)


def test_a_list_in_gives_a_list_out_in_the_same_order(admin_api):
    rows = [person_row("Z-9", family_name="Zeynalov"), person_row("A-1", unit="2BN"),
            person_row("M-5", unit="1BN-A", earmarked=True)]
    resp = admin_api.post("personnel", rows)
    assert resp.status_code == 201
    assert [p["service_number"] for p in resp.json] == ["Z-9", "A-1", "M-5"]
    assert [p["unit"] for p in resp.json] == ["1BN", "2BN", "1BN-A"]
    assert resp.json[2]["earmarked"] is True
    assert people_count() == 3


def test_a_list_of_one_still_answers_a_list(admin_api):
    resp = admin_api.post("personnel", [person_row("A-1")])
    assert resp.status_code == 201
    assert isinstance(resp.json, list)
    assert resp.json[0]["service_number"] == "A-1"


def test_each_created_person_gets_an_audit_event(admin_api):
    admin_api.post("personnel", [person_row("A-1"), person_row("A-2", unit="2BN")])
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "person")
                                .order_by(AuditEvent.key)).all()
    assert [(e.key, e.action, e.actor, e.changes["unit"]) for e in events] == [
        ("A-1", "create", "admin", "1BN"), ("A-2", "create", "admin", "2BN")]


def test_one_invalid_item_writes_nothing_and_errors_are_keyed_by_index(admin_api):
    rows = [person_row("A-1"), {**person_row("A-2"), "earmarked": "maybe"},
            person_row("A-3"), {**person_row("A-4"), "status": "retired", "rank": None}]
    resp = admin_api.post("personnel", rows)
    assert resp.status_code == 422
    assert resp.json["errors"] == {"1": {"earmarked": ["Not a valid boolean."]},
                                   "3": {"status": ["Must be one of: active, deployed, "
                                                    "unavailable, separated."],
                                         "rank": ["Field may not be null."]}}
    assert "[1].earmarked" in resp.json["message"]
    assert people_count() == 0
    assert person_events() == 0


def test_an_item_that_is_not_an_object_is_keyed_by_its_index(admin_api):
    resp = admin_api.post("personnel", [person_row("A-1"), "A-2"])
    assert resp.status_code == 422
    assert list(resp.json["errors"]) == ["1"]
    assert people_count() == 0


def test_unknown_unit_in_a_list_is_422_on_that_item_and_writes_nothing(admin_api):
    rows = [person_row("A-1"), person_row("A-2", unit="9BN"), person_row("A-3", unit="8BN")]
    resp = admin_api.post("personnel", rows)
    assert resp.status_code == 422
    assert resp.json["errors"] == {"1": {"unit": ["Unknown unit '9BN'."]},
                                   "2": {"unit": ["Unknown unit '8BN'."]}}
    assert "'8BN', '9BN'" in resp.json["message"]
    assert people_count() == 0


def test_unknown_unit_and_duplicate_together_are_422_reporting_both(admin_api):
    make_person("A-1", "1BN")
    rows = [person_row("A-1"), person_row("A-2", unit="9BN")]
    resp = admin_api.post("personnel", rows)
    assert resp.status_code == 422
    assert set(resp.json["errors"]) == {"0", "1"}
    assert "service_number" in resp.json["errors"]["0"]
    assert people_count() == 1


def test_same_service_number_twice_in_a_list_is_409_on_both_items(admin_api):
    rows = [person_row("A-1"), person_row("A-2"), person_row("A-1", unit="2BN")]
    resp = admin_api.post("personnel", rows)
    assert resp.status_code == 409
    message = "Service number 'A-1' is given more than once in the list (items 0, 2)."
    assert resp.json["errors"] == {"0": {"service_number": [message]},
                                   "2": {"service_number": [message]}}
    assert "A-1" in resp.json["message"]
    assert people_count() == 0


def test_service_number_already_in_the_database_is_409_on_its_item(admin_api):
    make_person("A-2", "2BN")
    resp = admin_api.post("personnel", [person_row("A-1"), person_row("A-2")])
    assert resp.status_code == 409
    assert resp.json["errors"] == {"1": {"service_number": ["Service number 'A-2' already exists."]}}
    assert people_count() == 1


def test_empty_list_is_422(admin_api):
    resp = admin_api.post("personnel", [])
    assert resp.status_code == 422
    assert "empty" in resp.json["message"]


def test_a_large_list_is_written_with_a_few_statements(admin_api):
    small = [person_row(f"A-{i:04d}", unit=("1BN", "2BN", "1BN-A")[i % 3]) for i in range(6)]
    rows = [person_row(f"B-{i:04d}", unit=("1BN", "2BN", "1BN-A")[i % 3]) for i in range(600)]
    with statements() as seen_small:
        admin_api.post("personnel", small)
    with statements() as seen:
        resp = admin_api.post("personnel", rows)
    assert resp.status_code == 201
    assert [p["service_number"] for p in resp.json] == [r["service_number"] for r in rows]
    assert [p["unit"] for p in resp.json] == [r["unit"] for r in rows]
    # A fixed handful, whatever the length (derived readiness data included).
    assert len(seen) <= len(seen_small) + 3, seen
    assert len(seen) < 30, seen
    assert people_count() == 606
    assert person_events() == 606


def test_service_keeps_the_order_and_units_of_its_rows(app):
    rows = [{**person_row(f"C-{i}", unit="2BN" if i % 2 else "1BN"), "email": None}
            for i in range(5, 0, -1)]
    people = create_people(rows, None)
    assert [p.service_number for p in people] == ["C-5", "C-4", "C-3", "C-2", "C-1"]
    assert [p.unit.code for p in people] == ["2BN", "1BN", "2BN", "1BN", "2BN"]
    first = db.session.scalar(select(Person).where(Person.service_number == "C-5"))
    assert first.unit is db.session.scalar(select(Unit).where(Unit.code == "2BN"))
    assert first.status == "active"
