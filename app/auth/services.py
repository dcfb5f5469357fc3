"""Passwords, sign-in and the server-side revocation of sessions."""

import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from flask import current_app
from sqlalchemy import select

from app.audit.services import record
from app.extensions import db
from app.models import User
from app.models.base import utcnow
from app.security.services import forget_account

_production_hasher = PasswordHasher()
# The test suite creates hundreds of users; a cheap hash keeps it fast without changing code paths.
_test_hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def _hasher() -> PasswordHasher:
    return _test_hasher if current_app.testing else _production_hasher


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


def load_active_user(user_id: str) -> User | None:
    """The user behind a session ("<id>.<session token>"); a revoked or deactivated one is None."""
    number, _, token = user_id.partition(".")
    if not number.isdigit() or not token:
        return None
    user = db.session.get(User, int(number))
    if user is None or not user.active:
        return None
    return user if hmac.compare_digest(user.session_token, token) else None


def revoke_sessions(user: User) -> None:
    """Sign the user out everywhere: every cookie carries the old token. The caller commits."""
    user.session_token = secrets.token_hex(16)


def mfa_required(user: User) -> bool:
    return user.role.value in current_app.config["MFA_REQUIRED_ROLES"]


def record_sign_in(user: User, method: str) -> None:
    """A completed sign-in (after any second step)."""
    record("login.succeeded", user, user, {"method": method})
    forget_account(user.email)
    db.session.commit()


def sign_out(user: User) -> None:
    revoke_sessions(user)
    record("logout", user, user)
    db.session.commit()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None (without saying which part failed)."""
    user = find_user_by_email(email)
    if user is None:
        # Hash anyway so that response time does not reveal which e-mail addresses exist.
        _verify(hash_password("timing-equaliser"), password)
        return None
    if not _verify(user.password_hash, password) or not user.active:
        return None
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    db.session.commit()
    return user


def change_password(user: User, new_password: str) -> None:
    """A new password ends every other session; the caller signs the current one in again."""
    user.password_hash = hash_password(new_password)
    revoke_sessions(user)
    record("password.changed", user, user)
    db.session.commit()


def password_matches(user: User, password: str) -> bool:
    return _verify(user.password_hash, password)
