"""Login throttling and posting limits, counted in the database so every worker agrees.

Failed sign-ins count per (account, address) pair, per address and per account (ASVS 5.0
6.3). The account-wide lock only slows guessing spread over many addresses: a browser that
signed in to that account before (a signed "known device" cookie) is not held by it, so
nobody can lock a known person out by failing on purpose (security review F10).
"""

import hashlib
import hmac
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Case, Comment, LoginThrottle, Reflection, User
from app.models.base import utcnow

ACCOUNT = "account"
ADDRESS = "address"
PAIR = "pair"
RESET = "reset"  # password reset requests per address

# Free events before a lock, per kind: an address is shared by everyone behind it (a town
# hall's network), so it gets more failures than one account.
_FREE = {ADDRESS: "LOGIN_ADDRESS_FREE_FAILURES", RESET: "PASSWORD_RESET_ADDRESS_LIMIT"}

DEVICE_COOKIE = "casusplein_device"
DEVICE_DAYS = 180
DEVICE_ACCOUNTS = 10  # accounts one browser remembers (a shared computer)


def _key_hash(value: str) -> str:
    """A keyed hash: the throttle table must not become a list of e-mail and IP addresses."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, value.strip().lower().encode(), hashlib.sha256).hexdigest()


def _keys(email: str, address: str | None) -> list[tuple[str, str]]:
    keys = [(ACCOUNT, _key_hash(email))]
    if address:
        keys.append((ADDRESS, _key_hash(address)))
        keys.append((PAIR, _pair_hash(email, address)))
    return keys


def _pair_hash(email: str, address: str) -> str:
    return _key_hash(f"{email.strip().lower()} {address}")


def _row(kind: str, key_hash: str) -> LoginThrottle | None:
    return db.session.scalar(
        sa.select(LoginThrottle).where(
            LoginThrottle.kind == kind, LoginThrottle.key_hash == key_hash
        )
    )


def lockout_seconds(
    email: str, address: str | None, known_device: bool = False, now: datetime | None = None
) -> int:
    """Seconds until this account and address may try again; 0 when they may now.

    A known device is held by the address and the pair, not by the account-wide lock.
    """
    now = now or utcnow()
    waits = [0]
    for kind, key_hash in _keys(email, address):
        if kind == ACCOUNT and known_device:
            continue
        row = _row(kind, key_hash)
        if row is not None and row.locked_until is not None and row.locked_until > now:
            waits.append(int((row.locked_until - now).total_seconds()) + 1)
    return max(waits)


def _lock_for(failures: int, kind: str = ACCOUNT) -> int:
    config = current_app.config
    over = failures - config[_FREE.get(kind, "LOGIN_FREE_FAILURES")]
    if over <= 0:
        return 0
    return min(
        config["LOGIN_LOCKOUT_BASE_SECONDS"] * 2 ** (over - 1), config["LOGIN_LOCKOUT_MAX_SECONDS"]
    )


def _count_failure(kind: str, key_hash: str, now: datetime) -> int:
    window_start = now - timedelta(minutes=current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"])
    row = _row(kind, key_hash)
    if row is None:
        try:
            with db.session.begin_nested():
                db.session.add(LoginThrottle(kind=kind, key_hash=key_hash, failures=0))
        except IntegrityError:
            pass  # another worker created it first; count on its row
    # One UPDATE, so concurrent workers never lose a count.
    db.session.execute(
        sa.update(LoginThrottle)
        .where(LoginThrottle.kind == kind, LoginThrottle.key_hash == key_hash)
        .values(
            failures=sa.case(
                (LoginThrottle.last_failure_at < window_start, 1),
                else_=LoginThrottle.failures + 1,
            ),
            last_failure_at=now,
        )
    )
    row = _row(kind, key_hash)
    db.session.refresh(row)
    seconds = _lock_for(row.failures, kind)
    row.locked_until = now + timedelta(seconds=seconds) if seconds else None
    return seconds


def register_failure(email: str, address: str | None) -> int:
    """Count a failed sign-in for the account and the address; returns the lockout started."""
    now = utcnow()
    seconds = max(_count_failure(kind, key_hash, now) for kind, key_hash in _keys(email, address))
    db.session.commit()
    return seconds


def reset_request_wait(address: str | None) -> int:
    """Seconds until this address may ask for a reset link again; 0 when it may now."""
    if not address:
        return 0
    row = _row(RESET, _key_hash(address))
    now = utcnow()
    if row is None or row.locked_until is None or row.locked_until <= now:
        return 0
    return int((row.locked_until - now).total_seconds()) + 1


def count_reset_request(address: str | None) -> int:
    """Count a reset request of this address, whatever the account; returns the lock started.

    PASSWORD_RESET_ADDRESS_LIMIT requests go through; the next one starts the lock.
    """
    if not address:
        return 0
    seconds = _count_failure(RESET, _key_hash(address), utcnow())
    db.session.commit()
    return seconds


def forget_account(email: str, address: str | None = None) -> None:
    """Drop the account's failures (sign-in succeeded, or erasure); the caller commits.

    An address's failures stay: one good password must not reset a guessing address.
    """
    keys = [(ACCOUNT, _key_hash(email))]
    if address:
        keys.append((PAIR, _pair_hash(email, address)))
    for kind, key_hash in keys:
        db.session.execute(
            sa.delete(LoginThrottle).where(
                LoginThrottle.kind == kind, LoginThrottle.key_hash == key_hash
            )
        )


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="known-device")


def _device_accounts(cookie: str | None) -> list[str]:
    if not cookie:
        return []
    try:
        accounts = _device_serializer().loads(cookie, max_age=DEVICE_DAYS * 24 * 3600)
    except BadSignature:  # also an expired one
        return []
    return (
        [value for value in accounts if isinstance(value, str)]
        if isinstance(accounts, list)
        else []
    )


def is_known_device(cookie: str | None, email: str) -> bool:
    """Did this browser (its device cookie) sign in to this account before?"""
    return _key_hash(email) in _device_accounts(cookie)


def remember_device(cookie: str | None, email: str) -> str:
    """The device cookie's new value after a successful sign-in to this account.

    It holds keyed hashes of the accounts, not their addresses, and is signed, so it cannot
    be made up; the newest accounts are kept.
    """
    key = _key_hash(email)
    accounts = [value for value in _device_accounts(cookie) if value != key] + [key]
    return _device_serializer().dumps(accounts[-DEVICE_ACCOUNTS:])


_POSTED = {
    "comment": (Comment.author_id, Comment.created_at),
    "reflection": (Reflection.author_id, Reflection.created_at),
    "case": (Case.author_id, Case.created_at),
}


def posting_limit_reached(user: User, kind: str, count: int, minutes: int) -> bool:
    """Counted from the posts themselves: exact across workers, and no extra table to keep."""
    author_column, created_column = _POSTED[kind]
    since = utcnow() - timedelta(minutes=minutes)
    posted = db.session.scalar(
        sa.select(sa.func.count()).where(author_column == user.id, created_column >= since)
    )
    return posted >= count
