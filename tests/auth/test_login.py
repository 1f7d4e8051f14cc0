"""Logging in, CSRF, password and token storage."""

from __future__ import annotations

import re

from sqlalchemy import select, text

from readiness.auth.models import ApiToken, User
from readiness.auth.services import create_token
from readiness.extensions import db
from tests.factories import PASSWORD, make_unit, make_user


def _csrf(html: bytes) -> str:
    match = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        rb'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page carries no CSRF token"
    return match.group(1).decode()


def _login(client, name: str, password: str = PASSWORD, next_url: str | None = None):
    token = _csrf(client.get("/login").data)
    url = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"name": name, "password": password, "csrf_token": token})


def test_login_page_has_a_csrf_protected_form(client):
    resp = client.get("/login")
    assert resp.status_code == 200
    assert b"Log in" in resp.data
    assert _csrf(resp.data)


def test_login_without_csrf_token_is_refused(client):
    make_user("officer", role="training_officer")
    resp = client.post("/login", data={"name": "officer", "password": PASSWORD})
    assert resp.status_code == 400
    assert client.get("/").status_code == 302


def test_wrong_password_says_so_and_logs_nobody_in(client):
    make_user("officer", role="training_officer")
    resp = _login(client, "officer", "not the password")
    assert resp.status_code == 401
    assert "wrong password" in resp.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_login_shows_the_units_in_scope(client):
    make_unit("PKB", kind="brigade", name="Peacekeeping Brigade")
    make_unit("1BN", "PKB", kind="battalion", name="1st Battalion")
    make_unit("2BN", "PKB", kind="battalion", name="2nd Battalion")
    make_user("cdr", role="commander", unit="1BN")
    resp = _login(client, "cdr")
    assert resp.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "1st Battalion" in page
    assert "2nd Battalion" not in page


def test_login_redirects_only_to_local_pages(client):
    make_user("officer", role="training_officer")
    resp = _login(client, "officer", next_url="//evil.example/phish")
    assert resp.headers["Location"] == "/"


def test_pages_redirect_to_login_when_logged_out(client):
    resp = client.get("/")
    assert resp.status_code == 302
    assert resp.headers["Location"].startswith("/login")


def test_logout_needs_a_post_with_csrf(client):
    make_user("officer", role="training_officer")
    _login(client, "officer")
    assert client.get("/logout").status_code == 405
    token = _csrf(client.get("/").data)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302


def test_passwords_are_stored_as_argon2id_hashes(app):
    make_user("officer", role="training_officer")
    stored = db.session.scalar(select(User.password_hash))
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_tokens_are_stored_only_as_hashes(app):
    make_user("officer", role="training_officer")
    token = create_token("officer")
    db.session.commit()
    row = db.session.scalar(select(ApiToken))
    assert token not in (row.token_hash, row.prefix)
    dump = " ".join(str(v) for v in db.session.execute(text("SELECT * FROM api_tokens")).one())
    assert token not in dump


def test_deactivated_user_can_neither_log_in_nor_use_a_token(client):
    user = make_user("officer", role="training_officer")
    token = create_token("officer")
    user.active = False
    db.session.commit()
    assert _login(client, "officer").status_code == 401
    resp = client.get("/api/v1/units", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 401


def test_session_api_writes_need_the_csrf_token(client):
    make_user("boss", role="admin")
    _login(client, "boss")
    body = {"code": "PKB", "name": "Brigade", "kind": "brigade"}
    assert client.get("/api/v1/units").status_code == 200
    refused = client.post("/api/v1/units", json=body)
    assert refused.status_code == 400
    token = _csrf(client.get("/").data)
    resp = client.post("/api/v1/units", json=body, headers={"X-CSRFToken": token})
    assert resp.status_code == 201


def test_healthz_answers_when_the_database_does(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.json == {"status": "ok", "database": "ok"}
