from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app import clock
from app.assignments import bp, services
from app.assignments.forms import AssignmentForm, ResponseForm
from app.auth import guards
from app.forms import form_status, options
from app.permissions import (
    can_answer_assignments,
    can_manage_network,
    can_read_response,
    can_respond_to_assignments,
)
from app.templating import format_short_date

bp.before_request(guards.network_members_only)


def _assignment_or_404(assignment_id: int):
    assignment = services.get_assignment(assignment_id)
    if assignment is None:
        abort(404)
    return assignment


@bp.get("")
def index():
    today = clock.today()
    mine = []
    if can_answer_assignments(current_user):
        mine = services.open_for(current_user.municipality_id, today)
    return render_template(
        "assignments/list.html",
        assignments=services.all_assignments(),
        mine=mine,
        today=today,
    )


@bp.route("/new", methods=["GET", "POST"])
@bp.route("/<int:assignment_id>/edit", methods=["GET", "POST"])
def edit(assignment_id: int | None = None):
    if not can_manage_network(current_user):
        abort(403, "Alleen organisatoren zetten opdrachten uit.")
    assignment = _assignment_or_404(assignment_id) if assignment_id is not None else None
    form = AssignmentForm(obj=assignment) if request.method == "GET" else AssignmentForm()
    form.meeting.choices = options(
        ((str(m.id), f"{m.title} ({format_short_date(m.date)})") for m in services.meetings()),
        empty_label="Geen bijeenkomst",
    )
    if assignment is not None and request.method == "GET":
        form.meeting.data = str(assignment.meeting_id or "")
    if form.validate_on_submit():
        saved = services.save_assignment(assignment, current_user, form.data)
        flash("De opdracht is opgeslagen.", "success")
        return redirect(url_for("assignments.detail", assignment_id=saved.id), code=303)
    status = form_status(form)
    return render_template("assignments/form.html", form=form, assignment=assignment), status


def _response_form(assignment, response, formdata=True) -> ResponseForm:
    if formdata:
        form = ResponseForm()
    else:
        form = ResponseForm(
            formdata=None,
            body=response.body if response else "",
            case=str(response.case_id or "") if response else "",
            version=response.version if response else 0,
        )
    form.case.choices = options(
        (
            (str(case.id), case.title)
            for case in services.municipality_cases(current_user.municipality_id)
        ),
        empty_label="Geen casus",
    )
    return form


def _detail_page(assignment, form=None, conflict=None, status=200):
    today = clock.today()
    closed = services.is_closed(assignment, today)
    own = None
    if can_answer_assignments(current_user):
        own = services.response_for(assignment, current_user.municipality_id)
        if form is None and not closed and can_respond_to_assignments(current_user):
            form = _response_form(assignment, own, formdata=False)
    visible = [
        response
        for response in services.responses(assignment)
        if can_read_response(current_user, response.municipality_id, closed)
        and (own is None or response.id != own.id)
    ]
    overview = services.hand_in_overview(assignment) if can_manage_network(current_user) else []
    return render_template(
        "assignments/detail.html",
        assignment=assignment,
        closed=closed,
        own=own,
        form=form,
        conflict=conflict,
        responses=visible,
        readable_cases=services.readable_linked_cases(
            current_user, [*visible, *filter(None, [own])]
        ),
        overview=overview,
    ), status


@bp.get("/<int:assignment_id>")
def detail(assignment_id: int):
    return _detail_page(_assignment_or_404(assignment_id))


@bp.post("/<int:assignment_id>/response")
def respond(assignment_id: int):
    assignment = _assignment_or_404(assignment_id)
    if not can_respond_to_assignments(current_user):
        abort(403, "Alleen deelnemers leveren een antwoord in, zolang het netwerk open is.")
    form = _response_form(assignment, None)
    if not form.validate():
        return _detail_page(assignment, form=form, status=422)
    try:
        services.save_response(
            assignment,
            current_user,
            form.body.data,
            int(form.case.data) if form.case.data else None,
            form.version.data,
            clock.today(),
        )
    except services.ResponseClosed:
        flash(
            "De inleverdatum is voorbij: jullie antwoord kan niet meer worden gewijzigd.", "error"
        )
        return _detail_page(assignment, status=409)
    except services.ResponseConflict as conflict:
        # Keep the writer's text, but base the next save on what is stored now.
        form.version.data = conflict.current.version
        form.version.raw_data = [str(conflict.current.version)]
        return _detail_page(assignment, form=form, conflict=conflict.current, status=409)
    flash("Jullie antwoord is opgeslagen.", "success")
    return redirect(url_for("assignments.detail", assignment_id=assignment.id), code=303)
