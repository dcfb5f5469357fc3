"""Maatwerk: the separate intake for local support and the two werksessies per municipality."""

from flask import Blueprint

bp = Blueprint("maatwerk", __name__, url_prefix="/maatwerk")

from app.maatwerk import views  # noqa: E402,F401  (registers the routes on bp)
