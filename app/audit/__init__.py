"""The audit log: a record of security-relevant actions, and the organisers' page to read it."""

from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")

from app.audit import views  # noqa: E402,F401  (registers the routes on bp)
