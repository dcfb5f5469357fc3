from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app import clock, htmx, mail
from app.auth import guards
from app.forms import form_status, options
from app.meetings import bp, calendar, services
from app.meetings.forms import AttendanceForm, MeetingForm, ReportForm
from app.models import Rsvp
from app.permissions import (
    can_manage_network,
    can_rsvp,
    can_write_meeting_report,
    is_network_member,
)

FEED_NAME = "Leernetwerk Lokale Polarisatie en Vertrouwen"


@bp.before_request
def _network_only():
    if request.endpoint == "meetings.feed":
        return None  # authenticated by the secret token in its URL
    return guards.network_members_only()


def _meeting_or_404(meeting_id: int):
    meeting = services.get_meeting(meeting_id)
    if meeting is None:
        abort(404)
    return meeting


def _require_organiser() -> None:
    if not can_manage_network(current_user):
        abort(403, "Alleen organisatoren plannen bijeenkomsten.")


@bp.get("")
def index():
    today = clock.today()
    meetings = services.all_meetings()
    return render_template(
        "meetings/list.html",
        upcoming=[m for m in meetings if m.date >= today],
        past=[m for m in meetings if m.date < today],
    )


def _rsvp_context(meeting) -> dict:
    return {"meeting": meeting, "my_rsvp": services.rsvp_of(meeting, current_user)}


@bp.get("/<int:meeting_id>")
def detail(meeting_id: int):
    meeting = _meeting_or_404(meeting_id)
    overview = services.attendance_overview(meeting) if can_manage_network(current_user) else []
    return render_template(
        "meetings/detail.html",
        overview=overview,
        past=meeting.date < clock.today(),
        **_rsvp_context(meeting),
    )


@bp.post("/<int:meeting_id>/rsvp")
def rsvp(meeting_id: int):
    meeting = _meeting_or_404(meeting_id)
    if not can_rsvp(current_user):
        abort(403)
    try:
        answer = Rsvp(request.form.get("rsvp", ""))
    except ValueError:
        abort(400, "Kies of je komt of niet.")
    services.set_rsvp(meeting, current_user, answer)
    return htmx.after_write(
        url_for("meetings.detail", meeting_id=meeting.id),
        "meetings/_rsvp.html",
        **_rsvp_context(meeting),
    )


def _meeting_form(meeting=None) -> MeetingForm:
    form = MeetingForm(obj=meeting) if request.method == "GET" else MeetingForm()
    form.cases.choices = options(
        (case.id, f"{case.title} ({case.municipality.name})")
        for case in services.schedulable_cases()
    )
    if meeting is not None and request.method == "GET":
        form.cases.data = [case.id for case in meeting.cases]
    return form


@bp.route("/new", methods=["GET", "POST"])
@bp.route("/<int:meeting_id>/edit", methods=["GET", "POST"])
def edit(meeting_id: int | None = None):
    _require_organiser()
    meeting = _meeting_or_404(meeting_id) if meeting_id is not None else None
    form = _meeting_form(meeting)
    if form.validate_on_submit():
        saved = services.save_meeting(meeting, form.data)
        flash("De bijeenkomst is opgeslagen.", "success")
        return redirect(url_for("meetings.detail", meeting_id=saved.id), code=303)
    status = form_status(form)
    return render_template("meetings/form.html", form=form, meeting=meeting), status


@bp.route("/<int:meeting_id>/report", methods=["GET", "POST"])
def report(meeting_id: int):
    if not can_write_meeting_report(current_user):
        abort(403, "Alleen organisatoren en experts schrijven het verslag.")
    meeting = _meeting_or_404(meeting_id)
    form = ReportForm(obj=meeting) if request.method == "GET" else ReportForm()
    if form.validate_on_submit():
        services.save_report(meeting, current_user, form.report.data, form.key_insights.data)
        flash("Het verslag is opgeslagen.", "success")
        return redirect(url_for("meetings.detail", meeting_id=meeting.id, _anchor="report"), 303)
    status = form_status(form)
    return render_template("meetings/report_form.html", form=form, meeting=meeting), status


@bp.route("/<int:meeting_id>/attendance", methods=["GET", "POST"])
def attendance(meeting_id: int):
    _require_organiser()
    meeting = _meeting_or_404(meeting_id)
    overview = services.attendance_overview(meeting)
    form = AttendanceForm()
    form.attended.choices = options(
        (member.user.id, member.user.display_name) for row in overview for member in row.members
    )
    if form.validate_on_submit():
        services.record_attendance(meeting, set(form.attended.data or []))
        flash("De aanwezigheid is vastgelegd.", "success")
        return redirect(url_for("meetings.detail", meeting_id=meeting.id), code=303)
    status = form_status(form)
    return render_template(
        "meetings/attendance.html", meeting=meeting, overview=overview, form=form
    ), status


def _ics(body: bytes, filename: str) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@bp.get("/<int:meeting_id>.ics")
def ics(meeting_id: int):
    meeting = _meeting_or_404(meeting_id)
    return _ics(calendar.build([meeting], FEED_NAME), f"bijeenkomst-{meeting.date}.ics")


@bp.get("/calendar")
def calendar_page():
    """Shows the personal feed link; a GET never makes one (that is the POST below)."""
    token = current_user.calendar_token
    feed_url = mail.absolute_url(url_for("meetings.feed", token=token)) if token else None
    return render_template("meetings/calendar.html", feed_url=feed_url)


@bp.post("/calendar/reset")
def calendar_reset():
    """Make the personal feed link, or replace it (the old one stops working)."""
    had_one = bool(current_user.calendar_token)
    services.reset_calendar_token(current_user)
    if had_one:
        flash("Je agenda-link is vernieuwd; de oude link werkt niet meer.", "success")
    else:
        flash("Je persoonlijke agenda-link is klaar.", "success")
    return redirect(url_for("meetings.calendar_page"), code=303)


@bp.get("/feed/<token>.ics")
def feed(token: str):
    """All sessions for a calendar app; the token in the URL stands in for the login."""
    user = services.user_by_calendar_token(token)
    if user is None or not is_network_member(user):
        abort(404)
    return _ics(calendar.build(services.all_meetings(), FEED_NAME), "leernetwerk.ics")
