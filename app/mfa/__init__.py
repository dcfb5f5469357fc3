"""Two-factor sign-in with an authenticator app (TOTP) and single-use recovery codes."""

from flask import Blueprint

bp = Blueprint("mfa", __name__)

from app.mfa import views  # noqa: E402,F401  (registers the routes on bp)
