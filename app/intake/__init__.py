"""Aanmelden: the public application form and the organisers' intake board."""

from flask import Blueprint

bp = Blueprint("intake", __name__, url_prefix="/intake")

from app.intake import views  # noqa: E402,F401  (registers the routes on bp)
