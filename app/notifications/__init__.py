"""In-app notifications, e-mail per preference, digests and reminders."""

from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

from app.notifications import receivers, views  # noqa: E402,F401  (routes and event receivers)
