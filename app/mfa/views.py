from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from app.admin.services import get_user
from app.audit.services import client_address, record_now
from app.auth import signin
from app.auth.views import throttled_message
from app.mfa import bp, services
from app.mfa.forms import CodeForm, RecoveryForm
from app.permissions import is_organiser
from app.security import services as throttle

EXPIRED = "Het inloggen duurde te lang of is niet begonnen. Log opnieuw in."
WRONG_CODE = "Deze code klopt niet of is al gebruikt. Probeer de nieuwe code uit je app."


def _pending_or_restart():
    user = signin.pending_user()
    if user is None:
        session.pop("mfa_user_id", None)
        flash(EXPIRED, "info")
    return user


def _second_step(form, field, check, method: str, template: str):
    """Shared by code and recovery-code sign-in: throttled like the password step."""
    user = _pending_or_restart()
    if user is None or not user.mfa_enabled:
        return redirect(url_for("auth.login"), code=303)
    status = 200
    if form.validate_on_submit():
        known = signin.is_known_device(user.email)
        wait = throttle.lockout_seconds(user.email, client_address(), known_device=known)
        if wait:
            field.errors.append(throttled_message(wait))
            return render_template(template, form=form), 429
        if check(user, field.data):
            return signin.finish(user, None, method)
        throttle.register_failure(user.email, client_address())
        record_now("mfa.failed", user, user, method=method)
        field.errors.append(WRONG_CODE if method == "totp" else "Deze herstelcode klopt niet.")
        field.data = ""
    if form.is_submitted():
        status = 422
    return render_template(template, form=form), status


@bp.route("/login/code", methods=["GET", "POST"])
def verify():
    form = CodeForm()
    return _second_step(form, form.code, services.verify_code, "totp", "mfa/verify.html")


@bp.route("/login/recovery", methods=["GET", "POST"])
def recovery():
    form = RecoveryForm()
    return _second_step(
        form, form.recovery_code, services.use_recovery_code, "recovery", "mfa/recovery.html"
    )


def _enrolment(user, pending: bool):
    # The secret waits on the server, sealed, until a first code proves the app has it. It is
    # made when the page is shown; a code sent before that cannot be right, and changes nothing.
    secret = services.pending_secret(user, create=request.method == "GET")
    if secret is None:
        flash("Scan eerst de QR-code hieronder met je app en vul dan de code in.", "info")
        return redirect(request.path, code=303)
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        step = services.enrolment_step(secret, form.code.data)
        if step is not None:
            codes = services.enrol(user, secret, step)
            next_url = signin.complete(user, "totp-enrolment") if pending else None
            return render_template("mfa/recovery_codes.html", codes=codes, next_url=next_url)
        form.code.errors.append("Deze code klopt niet. Kijk of je de juiste QR-code hebt gescand.")
        form.code.data = ""
    if form.is_submitted():
        status = 422
    uri = services.provisioning_uri(user, secret)
    return render_template(
        "mfa/enrol.html",
        form=form,
        qr=services.qr_svg(uri),
        secret=secret,
        pending=pending,
    ), status


@bp.route("/login/enrol", methods=["GET", "POST"])
def enrol():
    """Required second factor, not set up yet: set it up before the first sign-in completes."""
    user = _pending_or_restart()
    if user is None or user.mfa_enabled:
        return redirect(url_for("auth.login"), code=303)
    return _enrolment(user, pending=True)


@bp.get("/account/security")
@login_required
def account():
    return render_template(
        "mfa/account.html",
        remaining=services.remaining_recovery_codes(current_user),
    )


@bp.route("/account/security/enrol", methods=["GET", "POST"])
@login_required
def enrol_voluntarily():
    if current_user.mfa_enabled:
        return redirect(url_for("mfa.account"), code=303)
    return _enrolment(current_user, pending=False)


@bp.post("/admin/users/<int:user_id>/mfa/reset")
@login_required
def reset(user_id: int):
    if not is_organiser(current_user):
        abort(403, "Alleen organisatoren kunnen tweestapsverificatie resetten.")
    user = get_user(user_id)
    if user is None:
        abort(404)
    services.reset(user, current_user)
    flash(
        f"De tweestapsverificatie van {user.display_name} is gereset. "
        "Bij de volgende keer inloggen stelt die persoon een nieuwe app in.",
        "success",
    )
    return redirect(url_for("admin.edit_user", user_id=user.id), code=303)
