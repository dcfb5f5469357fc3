import json

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from app import confirm, htmx
from app.admin.services import get_user
from app.permissions import is_organiser
from app.privacy import bp, services


@bp.get("/privacy")
def statement():
    """The privacyverklaring: public, for everyone who wonders what Casusplein keeps."""
    return render_template("privacy/statement.html")


@bp.get("/account/data")
@login_required
def mine():
    return render_template("privacy/mine.html", data=services.export(current_user))


@bp.get("/account/data.json")
@login_required
def download():
    data = services.export(current_user)
    services.record_export(current_user)
    response = Response(json.dumps(data, ensure_ascii=False, indent=2), mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="mijn-gegevens.json"'
    return response


@bp.post("/account/data/erasure-request")
@login_required
def request_erasure():
    services.request_erasure(current_user)
    flash(
        "Je verzoek om je gegevens te verwijderen is ontvangen. Een organisator voert het uit; "
        "je casussen en reacties blijven staan als die van een voormalig deelnemer.",
        "success",
    )
    return redirect(url_for("privacy.mine"), code=303)


def _organisers_only() -> None:
    if not is_organiser(current_user):
        abort(403, "Dit deel is alleen voor organisatoren.")


@bp.get("/admin/erasures")
@login_required
def erasure_requests():
    _organisers_only()
    return render_template("privacy/erasures.html", requests=services.pending_requests())


@bp.route("/admin/erasures/<int:user_id>", methods=["GET", "POST"])
@login_required
def erase(user_id: int):
    """Carrying out an erasure, after a confirmation page that asks why."""
    _organisers_only()
    user = get_user(user_id)
    if user is None:
        abort(404)
    confirmation = confirm.Confirmation(
        title=f"De persoonsgegevens van {user.display_name} verwijderen?",
        consequence=(
            "Naam, e-mailadres, functie en organisatie verdwijnen, ook uit de aanmelding, de "
            "uitnodigingen, meldingen en de verstuurde e-mail; het account kan niet meer "
            "inloggen. Casussen, reacties en reflecties blijven staan als die van een "
            "“voormalig deelnemer”. Dit kan niet ongedaan worden gemaakt."
        ),
        button="Gegevens verwijderen",
        cancel_url=url_for("privacy.erasure_requests"),
        reason_hint=(
            "Bijvoorbeeld: op eigen verzoek. De reden komt in het logboek; de naam van de "
            "persoon wordt eruit gehaald."
        ),
    )
    form = confirm.reason_form()
    if not confirm.confirmed(form, confirmation):
        return confirm.render(confirmation, form)
    try:
        services.erase(user, current_user, confirm.reason(form))
    except services.PrivacyError as error:
        flash(str(error), "error")
    else:
        flash("De persoonsgegevens zijn verwijderd en de verwijdering is vastgelegd.", "success")
    return htmx.client_redirect(url_for("privacy.erasure_requests"))
