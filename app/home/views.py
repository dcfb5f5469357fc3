from flask import jsonify, redirect, render_template, url_for
from flask_login import current_user

from app import clock, health, reference
from app.archive import portal
from app.archive import services as archive_services
from app.assignments import services as assignment_services
from app.cases import services as case_services
from app.home import bp, services
from app.intake import services as intake_services
from app.meetings import services as meeting_services
from app.models import Role, Visibility
from app.permissions import can_read_archive, is_network_member
from app.reflections import services as reflection_services

RECENT_LIMIT = 8
PANEL_LIMIT = 5


def _participant_context(today) -> dict:
    meeting = meeting_services.next_meeting(today)
    return {
        "next_meeting": meeting,
        "my_rsvp": meeting_services.rsvp_of(meeting, current_user) if meeting else None,
        "open_assignments": assignment_services.open_for(current_user.municipality_id, today),
        "own_activity": services.activity_on_own_cases(current_user, PANEL_LIMIT),
        "awaiting_reaction": services.awaiting_reaction(current_user, PANEL_LIMIT),
    }


def _expert_context() -> dict:
    return {
        "without_reflection": services.without_reflection(PANEL_LIMIT),
        "view_requested": services.expert_view_requested(PANEL_LIMIT),
        "my_reflections": services.my_reflections(current_user, PANEL_LIMIT),
    }


def _organiser_context(today) -> dict:
    meeting = meeting_services.next_meeting(today)
    overview = meeting_services.attendance_overview(meeting) if meeting else []
    return {
        "intake_counts": intake_services.status_counts(),
        "mix": intake_services.network_mix(),
        "next_meeting": meeting,
        "attendance": overview,
        "both_coming": sum(1 for row in overview if row.both_coming),
        "handed_in": assignment_services.handed_in_counts(today),
        "review_queue": archive_services.awaiting_review(PANEL_LIMIT),
        "recent_activity": services.recent_activity(current_user, RECENT_LIMIT),
    }


@bp.get("/")
def index():
    if not is_network_member(current_user):
        # The front door of the archive for other municipalities, its main audience.
        entry = portal.portal(with_lessons=False) if can_read_archive(current_user) else None
        return render_template("home/welcome.html", portal=entry)
    drafts = case_services.CaseCards([], {})
    if current_user.municipality_id is not None:
        drafts = case_services.recent_cases(
            current_user, Visibility.DRAFT, RECENT_LIMIT, current_user.municipality_id
        )
    recent = case_services.recent_cases(current_user, Visibility.NETWORK, RECENT_LIMIT)
    today = clock.today()
    role_context = {
        Role.PARTICIPANT: lambda: _participant_context(today),
        Role.EXPERT: _expert_context,
        Role.ORGANISER: lambda: _organiser_context(today),
    }[current_user.role]()
    return render_template(
        "home/dashboard.html",
        # The headings' name of the user's own municipality: a label, kept per worker.
        own_municipality=reference.municipality_name(current_user.municipality_id),
        recent_cases=recent.items,
        drafts=drafts.items,
        activity={**recent.activity, **drafts.activity},
        recent_reflections=reflection_services.recent(current_user, RECENT_LIMIT),
        today=today,
        **role_context,
    )


@bp.get("/toegankelijkheid")
def accessibility():
    return render_template("home/accessibility.html")


# The health check this package owns; others register theirs the same way (app/health.py).
bp.record_once(lambda state: health.register(state.app, "database", services.database_problem))


@bp.get("/healthz")
def healthz():
    """Every registered check (see app/health.py); 503 when any reports a problem."""
    checks = health.run_checks()
    healthy = all(outcome == health.OK for outcome in checks.values())
    return jsonify(status="ok" if healthy else "error", checks=checks), 200 if healthy else 503


@bp.get("/favicon.ico")
def favicon():
    """Browsers and feed readers ask for /favicon.ico even when the page names an SVG icon."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)
