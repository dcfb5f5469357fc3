"""Privacy (AVG): a person's own data to download, and erasure on request."""

from flask import Blueprint

bp = Blueprint("privacy", __name__)

from app.privacy import views  # noqa: E402,F401  (registers the routes on bp)
