"""`readiness demo load`."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from readiness.auth.models import User
from readiness.auth.services import check_password
from readiness.extensions import db
from readiness.personnel.models import Person
from readiness.training.models import Attainment, Completion, Requirement
from readiness.units.models import Unit
from tests.factories import make_unit, make_user


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_demo_load_fills_an_empty_database_with_the_brigade_and_logins(run):
    started = time.perf_counter()
    result = run("demo", "load")
    elapsed = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    assert 550 <= _count(Person) <= 700
    assert _count(Unit) > 30
    assert _count(Requirement) > 10
    assert _count(Completion) > 2000
    assert _count(Attainment) > 1000
    assert "note:" not in result.stdout  # nothing was skipped
    users = {u.name: u for u in db.session.scalars(select(User))}
    assert {n: (u.role, u.unit.code if u.unit else None) for n, u in users.items()} == {
        "admin": ("admin", None), "training": ("training_officer", "PKB"),
        "commander": ("commander", "PKB-1BN"), "viewer": ("viewer", "PKB-1BN-A")}
    assert check_password(users["commander"], "demo-password-2026")
    assert "demo-password-2026" in result.stdout
    assert "people" in result.stdout
    # `make run` loads the demo on first start: it must stay quick.
    assert elapsed < 20, f"demo load took {elapsed:.1f} s"


def test_demo_load_refuses_a_database_that_has_units(run):
    make_unit("HQ")
    result = run("demo", "load")
    assert result.exit_code == 2
    assert "already has units" in result.stderr
    assert _count(Unit) == 1
    assert _count(User) == 0


def test_demo_load_twice_is_refused_the_second_time(run):
    assert run("demo", "load").exit_code == 0
    people = _count(Person)
    result = run("demo", "load")
    assert result.exit_code == 2
    assert _count(Person) == people


def test_demo_load_if_empty_is_a_no_op_when_units_exist(run):
    assert run("demo", "load", "--if-empty").exit_code == 0
    people, units = _count(Person), _count(Unit)
    result = run("demo", "load", "--if-empty")
    assert result.exit_code == 0
    assert "not loaded" in result.stdout
    assert (_count(Person), _count(Unit)) == (people, units)


def test_demo_load_keeps_an_existing_user_of_the_same_name(run):
    make_user("admin", role="admin")
    result = run("demo", "load")
    assert result.exit_code == 0, result.output
    assert "note: user 'admin' already exists; left unchanged" in result.stdout
    assert _count(User) == 4
    assert _count(Person) > 550
