"""Personal invitation links: accept (public, by token), resend and revoke (organisers)."""

from flask import Blueprint

bp = Blueprint("invitations", __name__)

from app.invitations import views  # noqa: E402,F401  (registers the routes on bp)
