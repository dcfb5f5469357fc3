from flask import Blueprint

bp = Blueprint("reflections", __name__)

from app.reflections import views  # noqa: E402,F401  (registers the routes on bp)
