"""The library of methods and interventions that experts and organisers curate."""

from flask import Blueprint

bp = Blueprint("methods", __name__)

from app.methods import views  # noqa: E402,F401  (registers the routes on bp)
