"""Fixtures: an app on a fresh database per test, on SQLite or on TEST_DATABASE_URL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from readiness import create_app
from readiness.extensions import db
from tests import factories


def private_postgres_database() -> Iterator[str | None]:
    """Create a private PostgreSQL database for this run (parallel runs must not collide)."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield None
        return
    url = make_url(base).set(drivername="postgresql+psycopg")
    name = f"readiness_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of this run's database: a private PostgreSQL database or a SQLite file."""
    gen = private_postgres_database()
    url = next(gen)
    if url is None:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    yield url
    for _ in gen:
        pass


TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "WTF_CSRF_ENABLED": True,
    # Cheap hashing keeps the suite fast; production uses argon2-cffi's defaults.
    "PASSWORD_HASH_PARAMS": {"time_cost": 1, "memory_cost": 64, "parallelism": 1},
}


@pytest.fixture(scope="session")
def _session_app(database_url: str) -> Iterator[Any]:
    # Building the app (and its OpenAPI spec) costs ~0.3 s: once per run, not per test.
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def _empty_all_tables() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def app(_session_app: Any) -> Iterator[Any]:
    """The application on an empty database; config changes end with the test."""
    saved = dict(_session_app.config)
    with _session_app.app_context():
        _empty_all_tables()
        yield _session_app
        db.session.rollback()
        db.session.remove()
    _session_app.config.clear()
    _session_app.config.update(saved)


@pytest.fixture
def client(app: Any) -> Any:
    """A test client without credentials."""
    return app.test_client()


@pytest.fixture
def runner(app: Any) -> Any:
    """A CLI runner bound to the app."""
    return app.test_cli_runner()


@pytest.fixture
def admin_api(app: Any) -> factories.ApiClient:
    """An API client authenticated as an admin with the whole force as scope."""
    return factories.api_client(app, factories.make_user("admin", role="admin"))
