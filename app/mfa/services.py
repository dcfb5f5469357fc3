"""TOTP secrets, codes and recovery codes; enrolment and the organiser's reset."""

import base64
import hashlib
import hmac
import secrets
import time

import pyotp
import segno
import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from markupsafe import Markup

from app.audit.services import record
from app.auth.services import revoke_sessions
from app.extensions import db
from app.models import RecoveryCode, User
from app.models.base import utcnow

RECOVERY_CODE_COUNT = 10
# Accept the previous and the next 30-second step too: phone clocks drift.
VALID_WINDOW = 1


# Stored secrets are sealed (encrypted and authenticated); older rows may still hold plain ones.
SEALED_PREFIX = "fernet:"


def _fernet() -> Fernet:
    # MFA_SECRET_KEY when set, so SECRET_KEY can be rotated without losing everyone's second
    # factor; otherwise derived from SECRET_KEY, so a new installation needs no extra setting.
    material = current_app.config["MFA_SECRET_KEY"] or current_app.config["SECRET_KEY"]
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"casusplein totp").derive(
        material.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def _seal(secret: str) -> str:
    return SEALED_PREFIX + _fernet().encrypt(secret.encode()).decode()


def secret_of(user: User) -> str | None:
    """The user's TOTP secret in the clear, or None (none enrolled, or sealed with another key)."""
    stored = user.totp_secret
    if stored is None or not stored.startswith(SEALED_PREFIX):
        return stored
    secret = _open(stored)
    if secret is None:
        current_app.logger.error("TOTP secret of user %s cannot be opened: wrong key?", user.id)
    return secret


def _open(sealed: str) -> str | None:
    try:
        return _fernet().decrypt(sealed.removeprefix(SEALED_PREFIX).encode()).decode()
    except InvalidToken:
        return None


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    issuer = current_app.config["MFA_ISSUER"]
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer)


def qr_svg(uri: str) -> Markup:
    """The QR code as inline SVG: made here, so no image request and no third party sees it."""
    svg = segno.make(uri, error="m").svg_inline(
        scale=5, dark="#000", light="#fff", title="QR-code voor je authenticator-app"
    )
    return Markup(svg.replace("<svg ", '<svg role="img" aria-label="QR-code voor je app" ', 1))


def _normalise(code: str) -> str:
    return "".join(char for char in (code or "") if char.isalnum()).lower()


def _matching_step(secret: str, code: str) -> int | None:
    """The time step this code belongs to, if it is valid now (within the drift window)."""
    code = _normalise(code)
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now_step = int(time.time()) // totp.interval
    for step in range(now_step - VALID_WINDOW, now_step + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def pending_secret(user: User, create: bool = True) -> str | None:
    """The secret being enrolled: kept sealed on the server until a first code confirms it.

    Made once (when `create`) and kept, so reloading the page does not invalidate a QR code
    already scanned.
    """
    if user.totp_pending_secret and (secret := _open(user.totp_pending_secret)):
        return secret  # (one sealed with an older key is replaced below)
    if not create:
        return None
    secret = new_secret()
    user.totp_pending_secret = _seal(secret)
    db.session.commit()
    return secret


def enrolment_step(secret: str, code: str) -> int | None:
    """The time step of a valid first code, recorded at enrolment so it cannot be replayed."""
    return _matching_step(secret, code)


def verify_code(user: User, code: str) -> bool:
    """A current code that was not used before (a replayed code is refused)."""
    secret = secret_of(user)
    if secret is None:
        return False
    step = _matching_step(secret, code)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    user.totp_last_step = step
    if not user.totp_secret.startswith(SEALED_PREFIX):
        user.totp_secret = _seal(secret)  # enrolled before secrets were sealed
    db.session.commit()
    return True


def _hash_code(code: str) -> str:
    # Recovery codes are 50 random bits each; a fast hash is enough, unlike for passwords.
    return hashlib.sha256(_normalise(code).encode()).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    tokens = [secrets.token_hex(5) for _ in range(RECOVERY_CODE_COUNT)]
    codes = [f"{token[:5]}-{token[5:]}" for token in tokens]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash_code(c)) for c in codes)
    return codes


def enrol(user: User, secret: str, step: int | None = None) -> list[str]:
    """Confirm enrolment with a verified secret; returns the recovery codes, shown only once.

    `step` is the time step of the code that confirmed it: that code and earlier ones are
    spent, so the enrolment code cannot sign in a second time.
    """
    user.totp_secret = _seal(secret)
    user.totp_last_step = step
    user.totp_pending_secret = None
    codes = _new_recovery_codes(user)
    record("mfa.enrolled", user, user)
    db.session.commit()
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    """Sign in with a recovery code, which is then spent."""
    found = db.session.scalar(
        sa.select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _hash_code(code),
            RecoveryCode.used_at.is_(None),
        )
    )
    if found is None:
        return False
    found.used_at = utcnow()
    record("mfa.recovery_used", user, user, {"remaining": remaining_recovery_codes(user) - 1})
    db.session.commit()
    return True


def remaining_recovery_codes(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def reset(user: User, organiser: User) -> None:
    """An organiser removes a lost second factor; the person enrols again at the next sign-in."""
    user.totp_secret = None
    user.totp_last_step = None
    user.totp_pending_secret = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    revoke_sessions(user)
    record("mfa.reset", organiser, user)
    db.session.commit()
