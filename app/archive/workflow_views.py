"""The publication workflow pages: propose, consent, review, publish, send back, unpublish."""

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app import htmx
from app.archive import bp, detection, services
from app.archive.context import archive_panel_context
from app.archive.forms import (
    ConsentForm,
    ReflectionConsentForm,
    RemarksForm,
    ReviewForm,
    StepForm,
)
from app.cases.services import get_readable_case
from app.forms import form_status
from app.models import CASE_SECTIONS
from app.permissions import (
    can_consent_reflection,
    can_propose_for_archive,
    can_record_consent,
    can_withdraw_consent,
    is_organiser,
    network_is_closed,
)
from app.reflections.services import for_case, get_reflection


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
        # Without htmx there is no panel to show the error in: back to the case page.
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


def _require_organiser() -> None:
    if not is_organiser(current_user):
        abort(403, "Alleen organisatoren beoordelen publicaties voor het archief.")


@bp.get("/archive/review")
@login_required
def review_queue():
    _require_organiser()
    return render_template(
        "archive/review_queue.html",
        publications=services.review_queue(),
        closed=network_is_closed(),
        history=services.closure_history(),
        form=RemarksForm(formdata=None),
    )


def _review_context(publication, form: ReviewForm) -> dict[str, Any]:
    case = publication.case
    consented = services.consented_reflection_ids(case)
    reflections = [r for r in for_case(case) if r.id in consented]
    texts = [("title", "Titel", case.title)] + [
        (name, label, getattr(case, name)) for name, label in CASE_SECTIONS
    ]
    texts += [
        (f"reflection-{r.id}", "Reflectie (met toestemming)", f"{r.body}\n\n{r.key_lessons}")
        for r in reflections
    ]
    return {
        "publication": publication,
        "case": case,
        "form": form,
        "unpublish_form": RemarksForm(formdata=None),
        "marked": [
            (key, label, detection.marked(text)) for key, label, text in texts if text.strip()
        ],
        "findings": [
            finding for _key, _label, text in texts for finding in detection.findings(text)
        ],
        "event_labels": services.EVENT_LABELS,
    }


@bp.route("/archive/review/<int:publication_id>", methods=["GET", "POST"])
@login_required
def review(publication_id: int):
    _require_organiser()
    publication = services.get_publication(publication_id) or abort(404)
    form = ReviewForm()
    if form.validate_on_submit():
        action = request.form.get("action")
        try:
            if action == "publish":
                services.publish(
                    publication, current_user, form.checklist.data, form.remarks.data or ""
                )
                flash("De casus staat nu in het archief.", "success")
            elif action == "return":
                services.send_back(publication, current_user, form.remarks.data or "")
                flash("De casus is teruggestuurd naar de gemeente.", "success")
            else:
                abort(400, "Kies publiceren of terugsturen.")
            return redirect(url_for("archive.review_queue"), code=303)
        except services.ArchiveError as error:
            form.form_errors.append(str(error))
    status = form_status(form)
    return render_template("archive/review.html", **_review_context(publication, form)), status


@bp.post("/archive/review/<int:publication_id>/unpublish")
@login_required
def unpublish(publication_id: int):
    _require_organiser()
    publication = services.get_publication(publication_id) or abort(404)
    form = RemarksForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.unpublish(publication, current_user, form.remarks.data or "")
        flash("De casus is uit het archief gehaald.", "success")
    except services.ArchiveError as error:
        flash(str(error), "error")
    return redirect(url_for("archive.review_queue"), code=303)


@bp.post("/archive/network")
@login_required
def network_state():
    _require_organiser()
    form = RemarksForm()
    if not form.validate_on_submit():
        abort(400)
    closing = request.form.get("action") == "close"
    services.set_network_closed(current_user, closing, form.remarks.data or "")
    flash(
        "Het netwerk is gesloten: deelnemers lezen nog, maar schrijven niet meer."
        if closing
        else "Het netwerk is weer open.",
        "success",
    )
    return redirect(url_for("archive.review_queue"), code=303)
