from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app import clock
from app.auth import guards
from app.forms import form_status, options
from app.maatwerk import bp, services
from app.maatwerk.forms import CandidateForm, TrackForm, WorkSessionForm
from app.models import MaatwerkStatus
from app.permissions import (
    can_curate_methods,
    can_manage_network,
    can_see_maatwerk,
)

bp.before_request(guards.network_members_only)


def _visible_track_or_404(track_id: int):
    track = services.get_track(track_id)
    # Not visible is reported as not found: other municipalities need not know it exists.
    if track is None or not can_see_maatwerk(current_user, track.municipality_id):
        abort(404)
    return track


def _candidate_form() -> CandidateForm:
    form = CandidateForm()
    form.municipality.choices = options(
        ((str(m.id), m.name) for m in services.candidates()), empty_label="Kies een gemeente…"
    )
    return form


@bp.get("")
def index():
    return render_template(
        "maatwerk/list.html",
        tracks=services.visible_tracks(current_user),
        form=_candidate_form() if can_manage_network(current_user) else None,
        maximum=current_app.config["MAATWERK_MAX_MUNICIPALITIES"],
        selected=services.selected_count(),
    )


@bp.post("/add")
def add():
    if not can_manage_network(current_user):
        abort(403, "Alleen organisatoren beheren de maatwerk-intake.")
    form = _candidate_form()
    if form.validate_on_submit():
        municipality = services.get_municipality(int(form.municipality.data))
        try:
            track = services.add_candidate(municipality)
        except services.MaatwerkError as error:
            flash(str(error), "error")
        else:
            return redirect(url_for("maatwerk.detail", track_id=track.id), code=303)
    else:
        flash("Kies een gemeente uit de lijst.", "error")
    return redirect(url_for("maatwerk.index"), code=303)


def _detail_page(track, form=None, status=200):
    if form is None and can_manage_network(current_user):
        form = TrackForm(formdata=None, status=track.status.value, notes=track.notes)
        if track.intake_at:
            form.intake_at.data = clock.utc_to_local(track.intake_at)
    return render_template(
        "maatwerk/detail.html",
        track=track,
        form=form,
        can_edit_sessions=can_curate_methods(current_user),
    ), status


@bp.get("/<int:track_id>")
def detail(track_id: int):
    return _detail_page(_visible_track_or_404(track_id))


@bp.post("/<int:track_id>")
def update(track_id: int):
    track = _visible_track_or_404(track_id)
    if not can_manage_network(current_user):
        abort(403, "Alleen organisatoren beheren de maatwerk-intake.")
    form = TrackForm()
    if not form.validate():
        return _detail_page(track, form, 422)
    intake_at = clock.local_to_utc(form.intake_at.data) if form.intake_at.data else None
    try:
        services.update_track(track, MaatwerkStatus(form.status.data), intake_at, form.notes.data)
    except services.MaatwerkError as error:
        form.status.errors = [*form.status.errors, str(error)]
        return _detail_page(track, form, 422)
    flash("De maatwerk-intake is bijgewerkt.", "success")
    return redirect(url_for("maatwerk.detail", track_id=track.id), code=303)


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
def edit_session(session_id: int):
    work_session = services.get_work_session(session_id)
    if work_session is None or not can_see_maatwerk(
        current_user, work_session.track.municipality_id
    ):
        abort(404)
    if not can_curate_methods(current_user):
        abort(403, "Alleen organisatoren en experts bewerken de werksessies.")
    form = WorkSessionForm(obj=work_session) if request.method == "GET" else WorkSessionForm()
    if form.validate_on_submit():
        services.save_work_session(work_session, form.data)
        flash(f"Werksessie {work_session.number} is opgeslagen.", "success")
        return redirect(url_for("maatwerk.detail", track_id=work_session.track_id), code=303)
    status = form_status(form)
    return render_template(
        "maatwerk/session_form.html", form=form, work_session=work_session
    ), status
