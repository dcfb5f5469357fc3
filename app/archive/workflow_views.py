"""The publication workflow on the case page: propose, consent, resubmit, withdraw; and the
experts' consent for their reflections. The organiser's side is in review_views.py."""

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from app import htmx
from app.archive import bp, services
from app.archive.context import archive_panel_context
from app.archive.forms import ConsentForm, ReflectionConsentForm, RemarksForm, StepForm
from app.cases.services import get_readable_case
from app.permissions import (
    can_consent_reflection,
    can_propose_for_archive,
    can_record_consent,
    can_withdraw_consent,
)
from app.reflections.services import get_reflection


def _case_or_404(case_id: int):
    case = get_readable_case(current_user, case_id)
    if case is None:
        abort(404)
    return case


def _step(case, action) -> Any:
    """Run one workflow step; a step that is not possible now is explained, not a crash."""
    try:
        action()
    except services.ArchiveError as error:
        if htmx.wants_fragment():
            context = archive_panel_context(case)
            return render_template("archive/_case_panel.html", error=str(error), **context), 422
        flash(str(error), "error")
        return redirect(url_for("cases.detail", case_id=case.id, _anchor="archive-panel"), 303)
    return htmx.after_write(
        url_for("cases.detail", case_id=case.id, _anchor="archive-panel"),
        "archive/_case_panel.html",
        **archive_panel_context(case),
    )


@bp.post("/cases/<int:case_id>/archive/propose")
@login_required
def propose(case_id: int):
    case = _case_or_404(case_id)
    if not can_propose_for_archive(current_user, case) or not StepForm().validate_on_submit():
        abort(403, "Alleen deelnemers van deze gemeente stellen de casus voor.")
    return _step(case, lambda: services.propose(case, current_user))


@bp.post("/cases/<int:case_id>/archive/consent")
@login_required
def consent(case_id: int):
    case = _case_or_404(case_id)
    if not can_record_consent(current_user, case):
        abort(403, "Alleen deelnemers van deze gemeente leggen de toestemming vast.")
    publication = services.publication_for(case)
    if publication is None:
        abort(404)
    form = ConsentForm()
    if not form.validate_on_submit():
        # Failed: the panel again, with what was typed and the errors beside it.
        context = archive_panel_context(case, consent_form=form)
        return htmx.render(
            "archive/consent.html", "archive/_case_panel.html", status=422, **context
        )
    return _step(
        case, lambda: services.record_consent(publication, current_user, form.on_behalf_of.data)
    )


@bp.post("/cases/<int:case_id>/archive/resubmit")
@login_required
def resubmit(case_id: int):
    case = _case_or_404(case_id)
    publication = services.publication_for(case)
    if publication is None or not can_propose_for_archive(current_user, case):
        abort(403, "Alleen deelnemers van deze gemeente bieden de casus opnieuw aan.")
    if not StepForm().validate_on_submit():
        abort(400)
    return _step(case, lambda: services.resubmit(publication, current_user))


@bp.post("/cases/<int:case_id>/archive/withdraw")
@login_required
def withdraw(case_id: int):
    case = _case_or_404(case_id)
    publication = services.publication_for(case)
    if publication is None or not can_withdraw_consent(current_user, case):
        abort(403, "Alleen deelnemers van deze gemeente trekken de toestemming in.")
    form = RemarksForm()
    if not form.validate_on_submit():
        abort(400)
    return _step(
        case, lambda: services.withdraw_consent(publication, current_user, form.remarks.data or "")
    )


@bp.post("/reflections/<int:reflection_id>/archive-consent")
@login_required
def reflection_consent(reflection_id: int):
    reflection = get_reflection(reflection_id)
    if reflection is None or get_readable_case(current_user, reflection.case_id) is None:
        abort(404)
    if not can_consent_reflection(current_user, reflection):
        abort(403, "Alleen de expert die de reflectie schreef, beslist over publicatie.")
    form = ReflectionConsentForm()
    if not form.validate_on_submit():
        abort(400)
    case = reflection.case
    return _step(
        case,
        lambda: services.set_reflection_consent(reflection, current_user, form.consent.data),
    )
