"""Browsing by theme and by municipality."""

from flask import Blueprint

bp = Blueprint("directory", __name__)

from app.directory import views  # noqa: E402,F401  (registers the routes on bp)
