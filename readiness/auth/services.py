"""Users, passwords and API tokens."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from readiness import audit
from readiness.auth.models import ROLES, ApiToken, User
from readiness.errors import ConflictError, InvalidError, NotFoundError, describe_errors
from readiness.extensions import db
from readiness.units.models import Unit

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 10


def configure_hasher(params: dict[str, int]) -> None:
    """Set the Argon2id cost (time_cost, memory_cost in KiB, parallelism); {} keeps the defaults."""
    global _hasher  # one hasher per process, set from configuration
    _hasher = PasswordHasher(**params)


def hash_password(password: str) -> str:
    """Hash a password with Argon2id."""
    return _hasher.hash(password)


def check_password(user: User, password: str) -> bool:
    """Tell whether `password` is the user's, rehashing it if the parameters moved on."""
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return True


def create_user(name: str, role: str, password: str, unit_code: str | None = None,
                email: str | None = None, actor: User | None = None) -> User:
    """Create a user; the unit, when given, becomes the user's scope."""
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = ["Must not be empty."]
    if role not in ROLES:
        errors["role"] = [f"Must be one of: {', '.join(ROLES)}."]
    if len(password) < MIN_PASSWORD_LENGTH:
        errors["password"] = [f"Must be at least {MIN_PASSWORD_LENGTH} characters."]
    unit = None
    if unit_code:
        unit = db.session.scalar(select(Unit).where(Unit.code == unit_code))
        if unit is None:
            errors["unit"] = [f"Unknown unit {unit_code!r}."]
    if errors:
        raise InvalidError("Invalid user: " + "; ".join(describe_errors(errors)), errors)
    if db.session.scalar(select(User.id).where(User.name == name)) is not None:
        raise ConflictError(f"A user named {name!r} already exists.")
    user = User(name=name, role=role, unit=unit, email=email,
                password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "create", "user", name,
                 {"role": role, "unit": unit_code, "email": email})
    return user


def create_token(user_name: str, actor: User | None = None) -> str:
    """Create an API token for a user and return it; only its hash is kept."""
    user = db.session.scalar(select(User).where(User.name == user_name))
    if user is None:
        raise NotFoundError(f"No user named {user_name!r}.")
    token = "rdy_" + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, token_hash=_token_hash(token), prefix=token[:10]))
    db.session.flush()
    audit.record(actor, "create", "api_token", user_name, {"prefix": token[:10]})
    return token


def user_for_token(token: str) -> User | None:
    """Return the active user a token belongs to, or None."""
    row = db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == _token_hash(token),
                               ApiToken.revoked.is_(False))
    )
    if row is None or not row.user.active:
        return None
    return row.user


def _token_hash(token: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough (no dictionary to attack).
    return hashlib.sha256(token.encode()).hexdigest()
