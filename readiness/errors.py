"""Domain errors, and the one place where errors become HTTP answers."""

from __future__ import annotations

from typing import Any

from apispec.ext.marshmallow import MarshmallowPlugin
from flask import jsonify, render_template, request
from flask_smorest import Api
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    """A rule of the domain refused an operation; `status` is its HTTP answer."""

    status = 400

    def __init__(self, message: str, errors: dict[Any, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors


class NotFoundError(DomainError):
    """The key names no record (or none the user may see)."""

    status = 404


class ForbiddenError(DomainError):
    """The user's role or unit scope does not allow the operation."""

    status = 403


class ConflictError(DomainError):
    """The operation conflicts with the state of the data."""

    status = 409


class InvalidError(DomainError):
    """The input breaks a rule; `errors` maps field (or index → field) to messages."""

    status = 422


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def describe_errors(errors: dict[Any, Any], prefix: str = "") -> list[str]:
    """Flatten nested field errors into 'field: message' lines (list indexes as [n])."""
    lines: list[str] = []
    for key, value in errors.items():
        sep = "." if prefix else ""
        name = f"{prefix}[{key}]" if isinstance(key, int) else f"{prefix}{sep}{key}"
        if isinstance(value, dict):
            lines.extend(describe_errors(value, name))
        elif isinstance(value, list | tuple):
            lines.extend(f"{name}: {msg}" for msg in value if not isinstance(msg, dict))
            for msg in value:
                if isinstance(msg, dict):
                    lines.extend(describe_errors(msg, name))
        else:
            lines.append(f"{name}: {value}")
    return lines


def _payload(code: int, name: str, message: str, errors: dict[Any, Any] | None) -> dict[str, Any]:
    payload: dict[str, Any] = {"code": code, "status": name, "message": message}
    if errors:
        payload["errors"] = errors
    return payload


def _schema_name(schema: Any) -> str:
    """Name schemas in OpenAPI; a partial (PATCH) variant gets its own name."""
    cls = schema if isinstance(schema, type) else type(schema)
    name = cls.__name__.removesuffix("Schema")
    if not isinstance(schema, type) and schema.partial:
        name += "Patch"
    return name


class ReadinessApi(Api):
    """flask-smorest Api whose errors have DESIGN.md's JSON shape, and HTML off the API."""

    def init_app(self, app: Any, *, spec_kwargs: dict[str, Any] | None = None) -> None:
        """Bind to the app with our schema naming."""
        kwargs = {"marshmallow_plugin": MarshmallowPlugin(schema_name_resolver=_schema_name)}
        super().init_app(app, spec_kwargs={**kwargs, **(spec_kwargs or {})})

    def _register_error_handlers(self) -> None:
        self._app.register_error_handler(HTTPException, self.handle_http_exception)
        self._app.register_error_handler(DomainError, self.handle_domain_error)
        self._app.register_error_handler(IntegrityError, self.handle_integrity_error)

    def handle_http_exception(self, error: HTTPException):  # type: ignore[override]
        """Answer an HTTP error as JSON on the API and as a friendly page elsewhere."""
        code = error.code or 500
        data = getattr(error, "data", None) or {}
        errors = data.get("errors") or data.get("messages")
        # webargs nests messages by location ("json", "query"); one location is the norm.
        if isinstance(errors, dict) and len(errors) == 1:
            (location,) = errors
            if location in {"json", "query", "form", "view_args", "headers"}:
                errors = errors[location]
        message = data.get("message") or error.description or error.name
        if code == 422 and errors:
            message = "Invalid input: " + "; ".join(describe_errors(errors)[:10])
        headers = data.get("headers", {})
        if not _wants_json():
            return render_template("error.html", code=code, title=error.name,
                                   message=message), code, headers
        return jsonify(_payload(code, error.name, message, errors)), code, headers

    def handle_integrity_error(self, error: IntegrityError):
        """Answer a constraint the services' checks did not foresee (a race) as 409."""
        from readiness.extensions import db

        db.session.rollback()
        return self.handle_domain_error(ConflictError(
            "The change conflicts with the stored data (probably a concurrent change); "
            "nothing was written. Reload and try again."))

    def handle_domain_error(self, error: DomainError):
        """Answer a domain error with its status."""
        names = {403: "Forbidden", 404: "Not Found", 409: "Conflict",
                 422: "Unprocessable Entity"}
        message = error.message
        if not _wants_json():
            return render_template("error.html", code=error.status,
                                   title=names.get(error.status, "Error"),
                                   message=message), error.status
        return jsonify(_payload(error.status, names.get(error.status, "Bad Request"),
                                message, error.errors)), error.status
