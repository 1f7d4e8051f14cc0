"""Readiness: peacekeeping training and readiness management."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Create and configure the application."""
    from config import Config, database_url_from_env
    from readiness import auth, engine, interop, web
    from readiness.extensions import api, csrf, db, login_manager, mail, migrate

    app = Flask(__name__, template_folder="../templates", static_folder="../static",
                instance_relative_config=False)
    app.config.from_object(Config)
    app.config.from_prefixed_env("READINESS")
    if url := database_url_from_env():
        app.config["SQLALCHEMY_DATABASE_URI"] = url
    if test_config is not None:
        app.config.update(test_config)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {}
    elif app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # No JIT: the readiness queries are estimated costly (correlated probes) and JIT
        # compiling them took longer (about a second) than running them.
        options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        options["connect_args"] = {"options": "-c jit=off", **options.get("connect_args", {})}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if not app.config.get("SECRET_KEY"):
        if not (app.debug or app.testing or app.config.get("EPHEMERAL_SECRET_KEY")):
            raise RuntimeError("Set READINESS_SECRET_KEY: there is no default secret.")
        # A random key for this process only: sessions end when it does.
        app.config["SECRET_KEY"] = secrets.token_hex(32)

    interop.init_app(app)  # checks configuration only: before any extension is bound
    db.init_app(app)
    migrate.init_app(app, db, directory=str(_root() / "migrations"), render_as_batch=True,
                     compare_type=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    mail.init_app(app)
    api.init_app(app)
    _register_models()
    auth.init_app(app)
    engine.init_app(app)
    _register_blueprints(app)
    web.init_app(app)
    return app


def _root() -> Path:
    return Path(__file__).resolve().parent.parent


def _register_models() -> None:
    # Every model module, so metadata (migrations, delete checks) sees all tables.
    from readiness import audit  # noqa: F401
    from readiness.auth import models as _a  # noqa: F401
    from readiness.engine import snapshots as _s  # noqa: F401
    from readiness.expiry import models as _e  # noqa: F401
    from readiness.interop import models as _i  # noqa: F401
    from readiness.mail import models as _m  # noqa: F401
    from readiness.partners import models as _pa  # noqa: F401
    from readiness.personnel import models as _p  # noqa: F401
    from readiness.reports import models as _r  # noqa: F401
    from readiness.scheduler import models as _sch  # noqa: F401
    from readiness.training import models as _t  # noqa: F401
    from readiness.units import models as _u  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    from readiness.engine.views import blueprints as engine_blps
    from readiness.extensions import api, csrf
    from readiness.interop.views import blueprints as interop_blps
    from readiness.partners.views import blp as partners_blp
    from readiness.personnel.views import blp as personnel_blp
    from readiness.records.views import blueprints as records_blps
    from readiness.reports import api as reports_api
    from readiness.reports import views as reports_views
    from readiness.training.views import blueprints as training_blps
    from readiness.units.views import blp as units_blp

    for blp in (units_blp, personnel_blp, *training_blps, *records_blps, *engine_blps,
                *reports_api.blueprints, partners_blp, *interop_blps):
        # The API guard in auth checks CSRF itself for session-authenticated writes.
        csrf.exempt(blp)
        api.register_blueprint(blp)
    reports_views.register(app)
    from readiness.dashboard.views import bp as dashboard_bp
    app.register_blueprint(dashboard_bp)
    from readiness.workspace import bp as workspace_bp
    app.register_blueprint(workspace_bp)
    from readiness.mail.views import bp as outbox_bp
    from readiness.partners.pages import bp as partner_pages_bp
    app.register_blueprint(outbox_bp)
    app.register_blueprint(partner_pages_bp)
    from readiness.scheduler.views import bp as scheduler_bp
    app.register_blueprint(scheduler_bp)
    from readiness.interop.pages import bp as interop_pages_bp
    app.register_blueprint(interop_pages_bp)
