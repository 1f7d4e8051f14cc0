"""Roles and unit scope on the personnel API: 404 outside for reads, 403 for writes."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from readiness.extensions import db
from readiness.personnel.models import Person
from tests.factories import api_client, make_person, make_user
from tests.personnel.helpers import person_row


@pytest.fixture
def roster(force) -> None:
    """Two people in 1BN's subtree, one in 2BN."""
    make_person("A-1", "1BN", family_name="Abbasov")
    make_person("A-2", "1BN-A", family_name="Bayramov")
    make_person("B-1", "2BN", family_name="Cəfərov")


def client_for(app, role: str, unit: str | None = "1BN"):
    return api_client(app, make_user(f"{role}-{unit}", role=role, unit=unit))


def people_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Person))


@pytest.mark.usefixtures("roster")
@pytest.mark.parametrize("role", ["commander", "viewer", "training_officer"])
def test_another_battalions_person_is_404_exactly_like_an_unknown_one(app, role):
    api = client_for(app, role)
    other = api.get("personnel/B-1")
    assert other.status_code == 404
    assert other.json["message"] == "Person 'B-1' not found."
    assert "Cəfərov" not in other.get_data(as_text=True)
    assert api.get("personnel/A-2").json["family_name"] == "Bayramov"


@pytest.mark.usefixtures("roster")
@pytest.mark.parametrize("role", ["commander", "viewer", "training_officer"])
def test_the_list_shows_only_people_of_the_own_subtree(app, role):
    api = client_for(app, role)
    assert [p["service_number"] for p in api.get("personnel").json] == ["A-1", "A-2"]
    assert api.get("personnel", query_string={"unit": "2BN"}).json == []
    assert api.get("personnel", query_string={"q": "cəfər"}).json == []
    assert '"total": 2' in api.get("personnel").headers["X-Pagination"]


@pytest.mark.usefixtures("roster")
def test_a_user_without_unit_sees_the_whole_force(app):
    api = client_for(app, "viewer", None)
    assert [p["service_number"] for p in api.get("personnel").json] == ["A-1", "A-2", "B-1"]


@pytest.mark.usefixtures("roster")
@pytest.mark.parametrize("role", ["commander", "viewer"])
def test_readers_cannot_create_or_change_people(app, role):
    api = client_for(app, role)
    created = api.post("personnel", person_row("A-9"))
    assert created.status_code == 403
    assert role in created.json["message"]
    assert api.post("personnel", [person_row("A-9")]).status_code == 403
    changed = api.patch("personnel/A-1", {"rank": "General"})
    assert changed.status_code == 403
    assert people_count() == 3
    assert api.get("personnel/A-1").json["rank"] == "Private"


@pytest.mark.usefixtures("roster")
def test_reader_refused_before_the_body_is_read(app):
    resp = client_for(app, "viewer").post("personnel", {"nonsense": True})
    assert resp.status_code == 403


@pytest.mark.usefixtures("roster")
def test_training_officer_creates_people_in_own_subtree(app):
    api = client_for(app, "training_officer")
    resp = api.post("personnel", [person_row("A-8", unit="1BN"), person_row("A-9", unit="1BN-A")])
    assert resp.status_code == 201
    assert people_count() == 5


@pytest.mark.usefixtures("roster")
def test_training_officer_cannot_create_a_person_in_another_battalion(app):
    api = client_for(app, "training_officer")
    resp = api.post("personnel", person_row("B-9", unit="2BN"))
    assert resp.status_code == 403
    assert resp.json["errors"] == {"unit": ["Unit '2BN' is outside your scope."]}
    assert "2BN" in resp.json["message"]
    assert people_count() == 3


@pytest.mark.usefixtures("roster")
def test_one_item_outside_scope_refuses_the_whole_list(app):
    api = client_for(app, "training_officer")
    resp = api.post("personnel", [person_row("A-8"), person_row("B-9", unit="2BN"),
                                  person_row("P-1", unit="PKB")])
    assert resp.status_code == 403
    assert set(resp.json["errors"]) == {"1", "2"}
    assert people_count() == 3


@pytest.mark.usefixtures("roster")
def test_training_officer_cannot_move_someone_out_of_the_subtree(app):
    api = client_for(app, "training_officer")
    resp = api.patch("personnel/A-1", {"unit": "2BN", "rank": "Corporal"})
    assert resp.status_code == 403
    assert "unit" in resp.json["errors"]
    shown = api.get("personnel/A-1").json
    assert (shown["unit"], shown["rank"]) == ("1BN", "Private")


@pytest.mark.usefixtures("roster")
def test_training_officer_moves_people_within_the_subtree(app):
    api = client_for(app, "training_officer")
    resp = api.patch("personnel/A-1", {"unit": "1BN-A"})
    assert resp.status_code == 200
    assert resp.json["unit"] == "1BN-A"


@pytest.mark.usefixtures("roster")
def test_training_officer_cannot_change_a_person_outside_scope(app):
    api = client_for(app, "training_officer")
    resp = api.patch("personnel/B-1", {"rank": "Corporal"})
    assert resp.status_code == 404
    # Checked in the database: the app context (and the logged-in user cached in `g`)
    # is shared by every request of a test, so a second client would act as the first.
    b1 = db.session.scalar(select(Person).where(Person.service_number == "B-1"))
    assert b1.rank == "Private"
