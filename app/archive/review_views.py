"""The organiser's side of publication: the review queue, the review page, publishing,
sending back, unpublishing, and closing the network."""

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup, escape

from app import confirm, htmx
from app.archive import bp, detection, services, snapshots
from app.archive.forms import ReviewForm
from app.forms import form_status
from app.markdown import render_markdown
from app.models import CASE_SECTIONS
from app.permissions import is_organiser, network_is_closed

UNPUBLISH_CONSEQUENCE = (
    "De casus en de reflecties die meegingen verdwijnen meteen uit het openbare archief, uit "
    "het zoeken in het archief, uit de feeds en uit de open-data-exports. In het netwerk blijft "
    "de casus gewoon staan. Opnieuw publiceren kan pas na een nieuw voorstel, nieuwe "
    "toestemming van de gemeente en een nieuwe controle."
)
CLOSE_CONSEQUENCE = (
    "Alle deelnemers en experts van alle gemeenten kunnen daarna alleen nog lezen: geen "
    "casussen, reacties, reflecties, opdrachten of aanmeldingen voor bijeenkomsten meer. Het "
    "archief en het zoeken blijven werken. Je kunt het netwerk later weer openen."
)
REOPEN_CONSEQUENCE = "Deelnemers en experts kunnen daarna weer schrijven, reageren en reflecteren."


def _require_organiser() -> None:
    if not is_organiser(current_user):
        abort(403, "Alleen organisatoren beoordelen publicaties voor het archief.")


@bp.get("/archive/review")
@login_required
def review_queue():
    _require_organiser()
    return htmx.render(
        "archive/review_queue.html",
        "archive/_queue.html",
        queue=services.review_queue(),
        groups=services.QUEUE_GROUPS,
        phase_labels=snapshots.PHASE_LABELS,
        closed=network_is_closed(),
        history=services.closure_history(),
    )


def _published_texts(state: snapshots.ReviewState, case) -> list[tuple[str, str, str]]:
    """(key, label, Markdown) of what the state would publish, in the public page's order."""
    version = snapshots.case_version(state.case_version)
    texts = version.texts if version else {}
    found = [("title", "Titel", texts.get("title", case.title))]
    found += [(name, label, texts.get(name, "")) for name, label in CASE_SECTIONS]
    for number, version in enumerate(snapshots.reflection_versions(state), start=1):
        label = f"Reflectie {number} ({version.organisation or 'expert'})"
        found.append((f"reflection-{version.reflection_id}", label, version.body))
        found.append((f"reflection-{version.reflection_id}-lessons", "Belangrijkste lessen",
                      version.key_lessons))  # fmt: skip
    return [(key, label, text) for key, label, text in found if text.strip()]


def _review_context(
    publication, form: ReviewForm, reviewed: snapshots.ReviewState | None = None
) -> dict[str, Any]:
    case = publication.case
    state = snapshots.current_state(publication)
    form.reviewed.data = state.token
    texts = _published_texts(state, case)
    # The title is plain text on the public page; the sections and reflections Markdown.
    rendered = {
        key: Markup(escape(text)) if key == "title" else render_markdown(text)
        for key, _label, text in texts
    }
    visible = [detection.visible_text(html) for html in rendered.values()]
    places = detection.places_in(*visible)
    public = snapshots.public_state(publication)
    return {
        "publication": publication,
        "case": case,
        "form": form,
        "phase": snapshots.phase(publication, state),
        "phase_labels": snapshots.PHASE_LABELS,
        "consent_current": snapshots.consent_is_current(publication, state),
        "consent_version": publication.consent_version,
        "current_version": snapshots.case_version(state.case_version),
        "marked": [
            (key, label, detection.marked_html(rendered[key], places))
            for key, label, _text in texts
        ],
        "findings": detection.findings(*visible),
        "places": detection.mentioned_places(*visible),
        "public_changes": snapshots.changes_between(public, state) if public.case_version else [],
        "changed_since_opened": (
            snapshots.changes_between(reviewed, state) if reviewed is not None else []
        ),
        "outdated": reviewed is not None or (form.is_submitted() and not form.reviewed.data),
        "event_labels": services.EVENT_LABELS,
    }


@bp.route("/archive/review/<int:publication_id>", methods=["GET", "POST"])
@login_required
def review(publication_id: int):
    _require_organiser()
    publication = services.get_publication(publication_id) or abort(404)
    form = ReviewForm()
    reviewed = None
    if form.validate_on_submit():
        action = request.form.get("action")
        try:
            if action == "publish":
                services.publish(
                    publication,
                    current_user,
                    form.checklist.data,
                    form.remarks.data or "",
                    reviewed=form.reviewed.data or "",
                )
                flash("De casus staat nu in het archief.", "success")
            elif action == "return":
                services.send_back(publication, current_user, form.remarks.data or "")
                flash("De casus is teruggestuurd naar de gemeente.", "success")
            else:
                abort(400, "Kies publiceren of terugsturen.")
            return redirect(url_for("archive.review_queue"), code=303)
        except services.ReviewOutdated as error:
            # The ticks were for the text as it was: they are asked for again.
            reviewed = error.reviewed or snapshots.ReviewState(None)
            form.checklist.data = []
            form.form_errors.append(str(error))
        except services.ArchiveError as error:
            form.form_errors.append(str(error))
    status = form_status(form)
    return htmx.render(
        "archive/review.html",
        "archive/_review.html",
        status=status,
        **_review_context(publication, form, reviewed),
    )


@bp.route("/archive/review/<int:publication_id>/unpublish", methods=["GET", "POST"])
@login_required
def unpublish(publication_id: int):
    _require_organiser()
    publication = services.get_publication(publication_id) or abort(404)
    confirmation = confirm.Confirmation(
        title=f"“{publication.title or publication.case.title}” uit het archief halen?",
        consequence=UNPUBLISH_CONSEQUENCE,
        button="Uit het archief halen",
        cancel_url=url_for("archive.review", publication_id=publication.id),
    )
    form = confirm.reason_form()
    if confirm.confirmed(form, confirmation):
        try:
            services.unpublish(publication, current_user, confirm.reason(form))
        except services.ArchiveError as error:
            return confirm.render(confirmation, form, error=str(error))
        flash("De casus is uit het archief gehaald.", "success")
        return htmx.client_redirect(url_for("archive.review_queue"))
    return confirm.render(confirmation, form)


@bp.route("/archive/network", methods=["GET", "POST"])
@login_required
def network_state():
    """Closing the network (or opening it again) after a confirmation page."""
    _require_organiser()
    closing = not network_is_closed()
    action = "close" if closing else "reopen"
    confirmation = confirm.Confirmation(
        title="Het netwerk afsluiten?" if closing else "Het netwerk weer openen?",
        consequence=CLOSE_CONSEQUENCE if closing else REOPEN_CONSEQUENCE,
        button="Netwerk afsluiten" if closing else "Netwerk heropenen",
        cancel_url=url_for("archive.review_queue"),
        reason_required=closing,
        danger=closing,
        fields=(("action", action),),
    )
    form = confirm.reason_form()
    if request.method == "POST" and request.form.get("action") != action:
        # A page opened before someone else changed the state must not undo that change.
        if request.form.get("action") not in ("close", "reopen"):
            abort(400, "Kies afsluiten of heropenen.")
        message = "Het netwerk is al gesloten." if not closing else "Het netwerk is al open."
        return confirm.render(confirmation, form, error=message)
    if confirm.confirmed(form, confirmation):
        services.set_network_closed(current_user, closing, confirm.reason(form))
        flash(
            "Het netwerk is gesloten: deelnemers lezen nog, maar schrijven niet meer."
            if closing
            else "Het netwerk is weer open.",
            "success",
        )
        return htmx.client_redirect(url_for("archive.review_queue"))
    return confirm.render(confirmation, form)
