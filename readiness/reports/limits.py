"""Rate limits of the public verification endpoints (flask-limiter).

The limit is configuration (`VERIFY_RATE_LIMIT`, a flask-limiter string such as
"30 per minute"), read on every request, shared by the page and the API, counted per
client address. Storage is in memory unless `RATELIMIT_STORAGE_URI` names another
(with several workers, each counts alone; use e.g. redis:// to share the count).
Behind a reverse proxy, the app must trust its X-Forwarded-For (ProxyFix) so that the
address is the client's.
"""

from __future__ import annotations

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(get_remote_address)

DEFAULT_LIMIT = "30 per minute"
#: Tests hit the endpoints far more often than a person; one test proves the real limit.
TESTING_LIMIT = "10000 per minute"


def verify_limit() -> str:
    """Return the configured limit of the verification endpoints."""
    return str(current_app.config["VERIFY_RATE_LIMIT"])


def init_app(app: Flask) -> None:
    """Bind the limiter with in-memory storage unless configured otherwise."""
    app.config.setdefault("VERIFY_RATE_LIMIT", TESTING_LIMIT if app.testing else DEFAULT_LIMIT)
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)


#: Decorator for every verification view: one budget per client across page and API.
verify_rate = limiter.shared_limit(verify_limit, scope="verify")
