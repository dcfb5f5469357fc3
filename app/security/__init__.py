"""Request-wide protections: security headers, session timeouts and posting limits.

Installed by `init_app` as before/after-request hooks, so no view can forget them.
"""

import time

from flask import Flask, Response, abort, current_app, flash, request, session, url_for
from flask_login import current_user

from app import htmx
from app.security import services

# No inline script or style anywhere: the app ships its own files and htmx evaluates nothing.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    )
)

EXPIRED_MESSAGE = "Je sessie is verlopen. Log opnieuw in om verder te gaan."

# POST endpoints whose rate is limited, with the config key of their (count, minutes) limit.
POSTING_LIMITS = {
    "comments.create": ("COMMENT_RATE_LIMIT", "comment"),
    "reflections.create": ("COMMENT_RATE_LIMIT", "reflection"),
    "cases.new": ("CASE_RATE_LIMIT", "case"),
}
RATE_LIMIT_MESSAGE = (
    "Je hebt in korte tijd veel geplaatst. Wacht even en probeer het dan opnieuw; "
    "je tekst staat nog in het formulier."
)

# Refresh the last-seen time at most once a minute, so not every request rewrites the cookie.
_SEEN_RESOLUTION = 60


def start_session_clock() -> None:
    """Called right after sign-in: the idle and absolute timeouts count from now."""
    now = int(time.time())
    session["auth_at"] = now
    session["seen_at"] = now


def _session_expired(now: int) -> bool:
    config = current_app.config
    auth_at, seen_at = session.get("auth_at"), session.get("seen_at")
    if not isinstance(auth_at, int) or not isinstance(seen_at, int):
        return True  # a signed-in session without a clock is not one we made
    return (
        now - seen_at > config["SESSION_IDLE_MINUTES"] * 60
        or now - auth_at > config["SESSION_ABSOLUTE_HOURS"] * 3600
    )


def _check_session():
    if request.endpoint == "static" or "_user_id" not in session:
        return None
    now = int(time.time())
    if _session_expired(now):
        session.clear()
        flash(EXPIRED_MESSAGE, "info")
        target = request.full_path if request.method == "GET" else None
        return htmx.client_redirect(url_for("auth.login", next=target))
    if now - session["seen_at"] >= _SEEN_RESOLUTION:
        session["seen_at"] = now
    return None


def _check_posting_limit():
    limit = POSTING_LIMITS.get(request.endpoint or "")
    if limit is None or request.method != "POST" or not current_user.is_authenticated:
        return
    config_key, kind = limit
    count, minutes = current_app.config[config_key]
    if services.posting_limit_reached(current_user, kind, count, minutes):
        abort(429, RATE_LIMIT_MESSAGE)


def _add_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    # Same-origin requests keep their full Referer, which Flask-WTF checks on HTTPS.
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        headers.setdefault(
            "Strict-Transport-Security",
            f"max-age={current_app.config['HSTS_SECONDS']}; includeSubDomains",
        )
    # Pages of a signed-in (or half signed-in) person carry personal data: never cache them.
    if request.endpoint != "static" and ("_user_id" in session or "mfa_user_id" in session):
        headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.before_request(_check_session)
    app.before_request(_check_posting_limit)
    app.after_request(_add_headers)
