"""Passwords and sign-in."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import User
from app.models.base import utcnow

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
    """The user behind a session cookie; a deactivated account is signed out at once."""
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.active else None


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
    user.password_hash = hash_password(new_password)
    db.session.commit()


def password_matches(user: User, password: str) -> bool:
    return _verify(user.password_hash, password)
