"""`readiness users create` and `readiness tokens create`."""

from __future__ import annotations

from sqlalchemy import func, select

from readiness.auth.models import ApiToken, User
from readiness.extensions import db
from tests.factories import make_unit, make_user

PASSWORD = "a-long-enough-password\n"


def _users() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def test_users_create_makes_a_scoped_user(run):
    make_unit("PKB", kind="brigade")
    result = run("users", "create", "alice", "--role", "commander", "--unit", "PKB",
                 "--email", "alice@mod.example", "--password-stdin", input=PASSWORD)
    assert result.exit_code == 0, result.output
    assert "Created user alice (commander, unit PKB)" in result.output
    user = db.session.scalar(select(User).where(User.name == "alice"))
    assert (user.role, user.unit.code, user.email) == ("commander", "PKB", "alice@mod.example")


def test_users_create_password_lets_the_user_log_in(run, client):
    run("users", "create", "alice", "--role", "admin", "--password-stdin", input=PASSWORD)
    from readiness.auth.services import check_password

    user = db.session.scalar(select(User).where(User.name == "alice"))
    assert check_password(user, PASSWORD.strip())
    assert not check_password(user, "something-else-entirely")


def test_users_create_refuses_an_unknown_role(run):
    result = run("users", "create", "alice", "--role", "general", "--password-stdin", input=PASSWORD)
    assert result.exit_code == 2
    assert "general" in result.output
    assert _users() == 0


def test_users_create_refuses_an_unknown_unit(run):
    result = run("users", "create", "alice", "--role", "viewer", "--unit", "NOPE",
                 "--password-stdin", input=PASSWORD)
    assert result.exit_code == 2
    assert "unit: Unknown unit 'NOPE'" in result.stderr
    assert _users() == 0


def test_users_create_refuses_a_short_password(run):
    result = run("users", "create", "alice", "--role", "admin", "--password-stdin", input="short\n")
    assert result.exit_code == 2
    assert "password: Must be at least 10 characters" in result.stderr
    assert _users() == 0


def test_users_create_refuses_a_duplicate_name(run):
    make_user("alice")
    result = run("users", "create", "alice", "--role", "viewer", "--password-stdin", input=PASSWORD)
    assert result.exit_code == 2
    assert "'alice' already exists" in result.stderr
    assert _users() == 1


def test_tokens_create_prints_a_token_that_opens_the_api(run, client):
    make_unit("PKB", kind="brigade")
    make_user("alice", role="viewer")
    result = run("tokens", "create", "alice")
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert token.startswith("rdy_")
    resp = client.get("/api/v1/units", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200
    assert [u["code"] for u in resp.json] == ["PKB"]


def test_tokens_create_refuses_an_unknown_user(run):
    result = run("tokens", "create", "nobody")
    assert result.exit_code == 2
    assert "No user named 'nobody'" in result.stderr
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0
