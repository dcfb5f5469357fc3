from flask import Blueprint

bp = Blueprint("archive", __name__)

from app.archive import review_views, views, workflow_views  # noqa: E402,F401  (registers the routes on bp)
