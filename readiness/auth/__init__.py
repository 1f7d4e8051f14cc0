"""Authentication: sessions for the browser, bearer tokens for the API."""

from __future__ import annotations

from flask import Flask, jsonify, redirect, request, url_for
from flask_login import current_user

from readiness.extensions import csrf, db, login_manager


def init_app(app: Flask) -> None:
    """Wire user loading, the API guard and the login pages into the app."""
    from readiness.auth.models import User
    from readiness.auth.services import configure_hasher, user_for_token
    from readiness.auth.views import bp

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        user = db.session.get(User, int(user_id))
        return user if user is not None and user.active else None

    @login_manager.request_loader
    def load_user_from_header(req) -> User | None:
        header = req.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            return user_for_token(header.removeprefix("Bearer ").strip())
        return None

    @login_manager.unauthorized_handler
    def unauthorized():
        if request.path.startswith("/api/"):
            return jsonify(code=401, status="Unauthorized",
                           message="Authentication required: send 'Authorization: Bearer "
                                   "<token>' or log in."), 401
        return redirect(url_for("auth.login", next=request.full_path))

    @app.before_request
    def guard_api():
        if not request.path.startswith("/api/v1/") or request.path.startswith("/api/v1/verify/"):
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        # Bearer tokens cannot be sent by a foreign page; session cookies can.
        bearer = request.headers.get("Authorization", "").startswith("Bearer ")
        if request.method not in {"GET", "HEAD", "OPTIONS"} and not bearer:
            csrf.protect()
        return None

    configure_hasher(app.config["PASSWORD_HASH_PARAMS"])
    login_manager.login_view = "auth.login"
    app.register_blueprint(bp)
