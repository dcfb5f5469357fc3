from flask import Blueprint

bp = Blueprint("history", __name__)

from app.history import views  # noqa: E402,F401  (registers the routes on bp)
