"""Passwords, sign-in and the server-side revocation of sessions."""

import hmac
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from flask import current_app
from sqlalchemy import bindparam, delete, exists, select

from app.audit.services import client_address, record
from app.extensions import db
from app.models import EndedSession, User
from app.models.base import utcnow
from app.security.services import forget_account

_production_hasher = PasswordHasher()
# The test suite creates hundreds of users; a cheap hash keeps it fast without changing code paths.
_test_hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def _hasher() -> PasswordHasher:
    return _test_hasher if current_app.testing else _production_hasher


def hash_password(password: str) -> str:
    return _hasher().hash(password)


# A hash no password is known for: verifying against it costs what verifying a real one does.
_dummy_hashes: dict[int, str] = {}


def _dummy_hash() -> str:
    hasher = _hasher()
    if id(hasher) not in _dummy_hashes:
        _dummy_hashes[id(hasher)] = hasher.hash(secrets.token_hex(16))
    return _dummy_hashes[id(hasher)]


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


def new_session_key() -> str:
    """The key of one browser's signed-in session, kept in its cookie (see sign_out)."""
    return secrets.token_hex(16)


# Built once: every request loads its user, and building the statement cost more than running it.
_ACTIVE_USER = select(User).where(User.id == bindparam("user_id"), User.active.is_(True))
_ACTIVE_USER_IN_SESSION = _ACTIVE_USER.where(
    ~exists().where(EndedSession.key == bindparam("session_key"))
)


def load_active_user(user_id: str, session_key: str | None = None) -> User | None:
    """The user behind a session ("<id>.<session token>"); a revoked or deactivated one is None.

    With a session key, that browser session must not have been logged out.
    """
    number, _, token = user_id.partition(".")
    if not number.isdigit() or not token:
        return None
    if session_key is None:
        user = db.session.scalar(_ACTIVE_USER, {"user_id": int(number)})
    else:
        user = db.session.scalar(
            _ACTIVE_USER_IN_SESSION, {"user_id": int(number), "session_key": session_key}
        )
    if user is None:
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
    forget_account(user.email, client_address())
    db.session.commit()


def sign_out(user: User, session_key: str | None) -> None:
    """End this browser's session; one from before session keys ends all of them."""
    if session_key:
        db.session.add(EndedSession(key=session_key))
        hours = current_app.config["SESSION_ABSOLUTE_HOURS"]
        db.session.execute(
            delete(EndedSession).where(EndedSession.ended_at < utcnow() - timedelta(hours=hours))
        )
    else:
        revoke_sessions(user)
    record("logout", user, user)
    db.session.commit()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None (without saying which part failed)."""
    user = find_user_by_email(email)
    if user is None:
        # One verification, as for a known address with a wrong password, so that the time
        # taken does not reveal which addresses have an account (hashing as well took twice).
        _verify(_dummy_hash(), password)
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
