"""Confirmation pages for deliberate actions: what will happen, and why it is done.

Unpublishing, closing the network, deleting, restoring a version and carrying out an erasure
first show a page that states the consequence and asks for a reason, which the action stores
in its audit trail. The page works without JavaScript; for htmx the same URL answers with the
fragment, which app.js shows as a dialog. The action itself is the POST to the same URL.
"""

from dataclasses import dataclass

from flask import Response, request

from app import htmx
from app.forms import ReasonForm

REASON_MISSING = "Geef een reden op; die komt in het logboek."


@dataclass(frozen=True)
class Confirmation:
    title: str  # a question: "Deze casus uit het archief halen?"
    consequence: str  # what happens, in plain Dutch
    button: str  # the action's own words: "Uit het archief halen"
    cancel_url: str
    reason_required: bool = True
    ask_reason: bool = True
    reason_hint: str = "De reden komt in het logboek. Noem geen namen van personen."
    danger: bool = True
    # Hidden (name, value) pairs the POST carries, e.g. which action the page confirms.
    fields: tuple[tuple[str, str], ...] = ()
    # In the dialog, the part of the page the action's answer replaces (e.g. "#comments"),
    # for actions that answer htmx with a fragment; the others answer with a redirect.
    swap_target: str = "#confirm-dialog"


def deletion(
    is_author: bool, what: str, consequence: str, cancel_url: str, swap_target: str
) -> Confirmation:
    """Deleting a comment or reflection.

    The author is not asked why: it is their own text, and taking back what you wrote (often
    something too personal) should cost nothing; their own deletion is not moderation and is
    not audited. An organiser removing someone else's words moderates, and says why in the
    audit log.
    """
    return Confirmation(
        swap_target=swap_target,
        title=f"Deze {what} verwijderen?",
        consequence=consequence,
        button="Verwijderen",
        cancel_url=cancel_url,
        reason_required=not is_author,
        ask_reason=not is_author,
        reason_hint="Waarom haal je deze tekst weg? De reden komt in het logboek.",
    )


def direct_or_confirmed(form: ReasonForm, confirmation: Confirmation) -> bool:
    """A POST that may go ahead: confirmed, or one that needs no reason (the author's own
    deletion, which the in-place htmx button sends straight away)."""
    if request.method == "POST" and not confirmation.ask_reason:
        return True
    return confirmed(form, confirmation)


def reason_form() -> ReasonForm:
    """The form as posted, or an empty one for the GET that shows the page."""
    return ReasonForm() if request.method == "POST" else ReasonForm(formdata=None)


def confirmed(form: ReasonForm, confirmation: Confirmation) -> bool:
    """A valid POST of the confirmation, with a reason where one is required."""
    if request.method != "POST" or not form.validate_on_submit():
        return False
    if confirmation.reason_required and not (form.reason.data or "").strip():
        form.reason.errors = [*form.reason.errors, REASON_MISSING]
        return False
    return True


def reason(form: ReasonForm) -> str:
    return (form.reason.data or "").strip()


def render(confirmation: Confirmation, form: ReasonForm, error: str | None = None) -> Response:
    """The confirmation page (or fragment); 422 after a POST that was not confirmed."""
    status = 422 if request.method == "POST" else 200
    form.reason.description = confirmation.reason_hint
    response = htmx.render(
        "confirm/page.html",
        "confirm/_confirm.html",
        status=status,
        confirmation=confirmation,
        form=form,
        action_url=request.path,
        error=error,
    )
    if status == 422:
        htmx.retarget(response, "#confirm-dialog")
    return response
