from flask import Blueprint

bp = Blueprint("cases", __name__, url_prefix="/cases")

from app.cases import views  # noqa: E402,F401  (registers the routes on bp)
