from flask import jsonify, render_template
from flask_login import current_user

from app import health
from app.cases import services as case_services
from app.home import bp, services
from app.models import Visibility
from app.permissions import is_network_member
from app.reflections import services as reflection_services

RECENT_LIMIT = 8


@bp.get("/")
def index():
    if not is_network_member(current_user):
        return render_template("home/welcome.html")
    drafts = []
    if current_user.municipality_id is not None:
        drafts = case_services.recent_cases(
            current_user, Visibility.DRAFT, RECENT_LIMIT, current_user.municipality_id
        )
    recent_cases = case_services.recent_cases(current_user, Visibility.NETWORK, RECENT_LIMIT)
    return render_template(
        "home/dashboard.html",
        recent_cases=recent_cases,
        drafts=drafts,
        activity=case_services.activity_counts(recent_cases + drafts),
        recent_reflections=reflection_services.recent(current_user, RECENT_LIMIT),
    )


# The health check this package owns; others register theirs the same way (app/health.py).
bp.record_once(lambda state: health.register(state.app, "database", services.database_problem))


@bp.get("/healthz")
def healthz():
    """Every registered check (see app/health.py); 503 when any reports a problem."""
    checks = health.run_checks()
    healthy = all(outcome == health.OK for outcome in checks.values())
    return jsonify(status="ok" if healthy else "error", checks=checks), 200 if healthy else 503
