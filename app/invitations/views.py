from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from app.auth import signin
from app.forms import form_status
from app.invitations import bp, services
from app.invitations.forms import AcceptInvitationForm
from app.permissions import can_manage_network


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept(token: str):
    """Public: the invitee sets a password. The token in the URL is the credential."""
    try:
        invitation = services.usable(token)
    except services.InvitationError as error:
        return render_template("invitations/unusable.html", message=str(error)), 410
    form = AcceptInvitationForm(display_name=invitation.display_name)
    form.owner_email = invitation.email  # the password must not be their own address
    if form.validate_on_submit():
        try:
            user = services.accept(token, form.display_name.data, form.password.data)
        except services.InvitationError as error:
            return render_template("invitations/unusable.html", message=str(error)), 410
        flash(
            f"Welkom bij Casusplein, {user.display_name}. Je account voor gemeente "
            f"{invitation.municipality.name} is klaar.",
            "success",
        )
        # The normal sign-in path: a fresh session, and two-factor enrolment where required.
        return signin.after_password(user, None)
    status = form_status(form)
    return render_template("invitations/accept.html", form=form, invitation=invitation), status


def _managed_invitation(invitation_id: int):
    if not can_manage_network(current_user):
        abort(403, "Alleen organisatoren beheren uitnodigingen.")
    invitation = services.get_invitation(invitation_id)
    if invitation is None:
        abort(404)
    return invitation


def _back(invitation):
    if invitation.application_id:
        return redirect(url_for("intake.detail", application_id=invitation.application_id), 303)
    return redirect(url_for("intake.board"), code=303)


@bp.post("/invitations/<int:invitation_id>/resend")
@login_required
def resend(invitation_id: int):
    invitation = _managed_invitation(invitation_id)
    try:
        services.resend(invitation)
    except services.InvitationError as error:
        flash(str(error), "error")
    else:
        flash(f"Nieuwe uitnodiging gestuurd naar {invitation.email}.", "success")
    return _back(invitation)


@bp.post("/invitations/<int:invitation_id>/revoke")
@login_required
def revoke(invitation_id: int):
    invitation = _managed_invitation(invitation_id)
    try:
        services.revoke(invitation)
    except services.InvitationError as error:
        flash(str(error), "error")
    else:
        flash(f"De uitnodiging van {invitation.email} is ingetrokken.", "success")
    return _back(invitation)
