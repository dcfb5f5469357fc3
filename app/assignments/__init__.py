"""Opdrachten between sessions, and each municipality's response."""

from flask import Blueprint

bp = Blueprint("assignments", __name__, url_prefix="/assignments")

from app.assignments import views  # noqa: E402,F401  (registers the routes on bp)
