"""Dutch full-text search over the network and the archive (the only code that uses Whoosh)."""

from flask import Blueprint

from app import health
from app.search.monitoring import index_problem

bp = Blueprint("search", __name__)
bp.record_once(lambda state: health.register(state.app, "search_index", index_problem))

from app.search import receivers, views  # noqa: E402,F401  (event receivers, routes)
