"""The steps of signing in: password, then (when needed) a second factor, then a fresh session.

Between the steps the session holds only `mfa_user_id`: Flask-Login sees nobody signed in, so
that half-authenticated state reaches nothing but the second-step pages.
"""

import time

from flask import (
    Response,
    after_this_request,
    current_app,
    flash,
    redirect,
    request,
    session,
    url_for,
)
from flask_login import login_user

from app.auth import services
from app.models import User
from app.security import services as throttle
from app.security import start_session_clock

SECOND_STEP_SECONDS = 300
# The session key of this browser's sign-in: logging out ends this session and no other.
SESSION_KEY = "session_key"


def after_password(user: User, next_url: str | None) -> Response:
    """The password was right: ask for the second factor, or enrol it, or sign in."""
    if not (user.mfa_enabled or services.mfa_required(user)):
        return finish(user, next_url, "password")
    session.clear()
    session["mfa_user_id"] = user.get_id()
    session["mfa_since"] = int(time.time())
    session["mfa_next"] = next_url
    return redirect(url_for("mfa.verify" if user.mfa_enabled else "mfa.enrol"), code=303)


def pending_user() -> User | None:
    """The person between password and second step, if that step has not expired."""
    user_id, since = session.get("mfa_user_id"), session.get("mfa_since")
    if not isinstance(user_id, str) or not isinstance(since, int):
        return None
    if time.time() - since > SECOND_STEP_SECONDS:
        return None
    return services.load_active_user(user_id)


def complete(user: User, method: str) -> str:
    """A fresh session (nothing from before sign-in survives), then sign in; returns next URL."""
    next_url = session.get("mfa_next") or url_for("home.index")
    session.clear()
    login_user(user)
    session[SESSION_KEY] = services.new_session_key()
    start_session_clock()
    services.record_sign_in(user, method)
    current_app.logger.info("User %s signed in (%s)", user.id, method)
    flash(f"Welkom, {user.display_name}.", "success")
    _remember_this_device(user)
    return next_url


def is_known_device(email: str) -> bool:
    """Has this browser signed in to this account before? (It then escapes the account lock.)"""
    return throttle.is_known_device(request.cookies.get(throttle.DEVICE_COOKIE), email)


def _remember_this_device(user: User) -> None:
    value = throttle.remember_device(request.cookies.get(throttle.DEVICE_COOKIE), user.email)

    @after_this_request
    def _set_cookie(response: Response) -> Response:
        response.set_cookie(
            throttle.DEVICE_COOKIE,
            value,
            max_age=throttle.DEVICE_DAYS * 24 * 3600,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            httponly=True,
            samesite="Lax",
        )
        return response


def finish(user: User, next_url: str | None, method: str) -> Response:
    if next_url:
        session["mfa_next"] = next_url
    return redirect(complete(user, method), code=303)


def refresh(user: User) -> None:
    """Keep the current browser signed in after the session token was rotated."""
    auth_at = session.get("auth_at")
    login_user(user)
    start_session_clock()
    if isinstance(auth_at, int):
        session["auth_at"] = auth_at  # the absolute timeout still counts from sign-in
