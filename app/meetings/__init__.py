"""Bijeenkomsten: the network's sessions, attendance, reports and calendar files."""

from flask import Blueprint

bp = Blueprint("meetings", __name__, url_prefix="/meetings")

from app.meetings import views  # noqa: E402,F401  (registers the routes on bp)
