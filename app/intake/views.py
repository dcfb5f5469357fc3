from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app import clock, confirm, htmx
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
    if decision_form is None:
        # After a refused decision the typed name comes back in the address (see decide).
        decision_form = DecisionForm(formdata=None, new_name=request.args.get("new_name", ""))
    existing = None
    if application.status != ApplicationStatus.ADMITTED:
        existing = services.existing_municipality(application.municipality_name)
    return render_template(
        "intake/detail.html",
        application=application,
        plan_form=plan_form,
        notes_form=notes_form or NotesForm(formdata=None, notes=application.notes),
        decision_form=decision_form,
        existing=existing,
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


def _refused(application, message: str, new_name: str = ""):
    """Back to the application page with the reason: a refresh must not post again."""
    flash(message, "error")
    args = {"new_name": new_name} if new_name else {}
    return redirect(
        url_for("intake.detail", application_id=application.id, _anchor="decision", **args),
        code=303,
    )


@bp.post("/<int:application_id>/decide")
def decide(application_id: int):
    application = _application_or_404(application_id)
    form = DecisionForm()
    if not form.validate():
        errors = [error for field in form for error in field.errors]
        return _refused(application, " ".join(errors) or "Kies een besluit.")
    status = ApplicationStatus(form.status.data)
    new_name = (form.new_name.data or "").strip()
    try:
        invitations = services.decide(application, status, current_user, new_name)
    except services.IntakeError as error:
        return _refused(application, str(error), new_name)
    if status == ApplicationStatus.ADMITTED:
        sent = (
            ", ".join(invitation.email for invitation in invitations) or "niemand (al een account)"
        )
        flash(
            f"{application.municipality.name} is toegelaten. Uitnodiging gestuurd naar: {sent}.",
            "success",
        )
    else:
        flash(
            f"De aanmelding van {application.municipality_name} staat nu op '{status.label}'.",
            "success",
        )
    return redirect(url_for("intake.detail", application_id=application.id), code=303)


@bp.route("/<int:application_id>/join", methods=["GET", "POST"])
def join(application_id: int):
    """Adding the applicants to the municipality that already goes by their name, only after
    a confirmation that names who is in it now."""
    application = _application_or_404(application_id)
    existing = services.existing_municipality(application.municipality_name)
    if existing is None or application.status == ApplicationStatus.ADMITTED:
        return _refused(
            application, "Er is geen bestaande gemeente om deze aanmelding bij te voegen."
        )
    members = ", ".join(member.display_name for member in existing.members) or "nog niemand"
    confirmation = confirm.Confirmation(
        title=f"De aanmelders toevoegen aan de bestaande gemeente {existing.name}?",
        consequence=(
            f"Gemeente {existing.name} doet al mee, met: {members}. De twee aanmelders "
            f"({application.first_name} en {application.second_name}) krijgen een "
            f"uitnodiging voor die gemeente en zien en bewerken daarna haar concepten en "
            "casussen. Doe dit alleen als je hebt nagegaan dat zij echt bij deze gemeente "
            "horen, bijvoorbeeld bij het huidige duo."
        ),
        button=f"Toevoegen aan {existing.name}",
        cancel_url=url_for("intake.detail", application_id=application.id),
        reason_hint="Bijvoorbeeld: nagevraagd bij het duo. De reden komt in het logboek.",
    )
    form = confirm.reason_form()
    if not confirm.confirmed(form, confirmation):
        return confirm.render(confirmation, form)
    try:
        invitations = services.join_existing(
            application, existing, current_user, confirm.reason(form)
        )
    except services.IntakeError as error:
        return _refused(application, str(error))
    sent = ", ".join(invitation.email for invitation in invitations) or "niemand (al een account)"
    flash(
        f"De aanmelders zijn toegevoegd aan {existing.name}. Uitnodiging gestuurd naar: {sent}.",
        "success",
    )
    return htmx.client_redirect(url_for("intake.detail", application_id=application.id))
