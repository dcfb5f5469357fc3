from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app import clock
from app.cases.services import all_themes
from app.extensions import login_manager
from app.forms import options
from app.intake import bp, services
from app.intake.forms import ApplicationForm, DecisionForm, NotesForm, PlanIntakeForm
from app.models import ApplicationStatus
from app.models.base import utcnow
from app.permissions import can_manage_network

RATE_LIMITED = (
    "Er zijn vanaf dit adres te veel aanmeldingen verstuurd. Probeer het over een uur opnieuw, "
    "of mail de organisatie."
)


@bp.route("/apply", methods=["GET", "POST"])
def apply():
    """Public: a municipality applies with its duo. No account needed."""
    form = ApplicationForm()
    form.themes.choices = options((theme.id, theme.name) for theme in all_themes())
    if not form.is_submitted():
        return render_template("intake/apply.html", form=form)
    address = request.remote_addr or "unknown"
    if services.rate_limited(address):
        flash(RATE_LIMITED, "error")
        return render_template("intake/apply.html", form=form), 429
    services.record_attempt(address)
    if form.validate():
        # A filled honeypot is a bot: it sees the same thank-you page, nothing is stored or sent.
        if not form.website.data:
            services.submit_application(form.data)
        return redirect(url_for("intake.thanks"), code=303)
    return render_template("intake/apply.html", form=form), 422


@bp.get("/apply/thanks")
def thanks():
    return render_template("intake/thanks.html")


@bp.before_request
def _organisers_only():
    if request.endpoint in ("intake.apply", "intake.thanks"):
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not can_manage_network(current_user):
        abort(403, "De intake is alleen voor organisatoren.")
    return None


@bp.get("")
def board():
    return render_template(
        "intake/board.html",
        columns=services.board(),
        mix=services.network_mix(),
    )


def _application_or_404(application_id: int):
    application = services.get_application(application_id)
    if application is None:
        abort(404)
    return application


def _detail_page(application, plan_form=None, notes_form=None, decision_form=None, status=200):
    if plan_form is None:
        plan_form = PlanIntakeForm(formdata=None)
        if application.intake_at:
            plan_form.intake_at.data = clock.utc_to_local(application.intake_at)
        plan_form.meeting_url.data = application.meeting_url
    return render_template(
        "intake/detail.html",
        application=application,
        plan_form=plan_form,
        notes_form=notes_form or NotesForm(formdata=None, notes=application.notes),
        decision_form=decision_form or DecisionForm(formdata=None),
        invitations=services.invitations_for(application),
        mix=services.network_mix(),
        now=utcnow(),
    ), status


@bp.get("/<int:application_id>")
def detail(application_id: int):
    return _detail_page(_application_or_404(application_id))


@bp.post("/<int:application_id>/plan")
def plan(application_id: int):
    application = _application_or_404(application_id)
    form = PlanIntakeForm()
    if not form.validate():
        return _detail_page(application, plan_form=form, status=422)
    services.plan_intake(
        application, clock.local_to_utc(form.intake_at.data), form.meeting_url.data
    )
    flash("Het intakegesprek is ingepland.", "success")
    return redirect(url_for("intake.detail", application_id=application.id), code=303)


@bp.post("/<int:application_id>/notes")
def notes(application_id: int):
    application = _application_or_404(application_id)
    form = NotesForm()
    if not form.validate():
        return _detail_page(application, notes_form=form, status=422)
    services.save_notes(application, form.notes.data)
    flash("De aantekeningen zijn opgeslagen.", "success")
    return redirect(url_for("intake.detail", application_id=application.id), code=303)


@bp.post("/<int:application_id>/decide")
def decide(application_id: int):
    application = _application_or_404(application_id)
    form = DecisionForm()
    if not form.validate():
        return _detail_page(application, decision_form=form, status=422)
    status = ApplicationStatus(form.status.data)
    try:
        invitations = services.decide(application, status)
    except services.IntakeError as error:
        form.status.errors = [*form.status.errors, str(error)]
        return _detail_page(application, decision_form=form, status=422)
    if status == ApplicationStatus.ADMITTED:
        sent = (
            ", ".join(invitation.email for invitation in invitations) or "niemand (al een account)"
        )
        flash(
            f"{application.municipality_name} is toegelaten. Uitnodiging gestuurd naar: {sent}.",
            "success",
        )
    else:
        flash(
            f"De aanmelding van {application.municipality_name} staat nu op '{status.label}'.",
            "success",
        )
    return redirect(url_for("intake.detail", application_id=application.id), code=303)
