from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user

from app.audit.services import client_address, record_now
from app.auth import bp, reset, services, signin
from app.auth.forms import ChangePasswordForm, LoginForm, ResetPasswordForm, ResetRequestForm
from app.extensions import login_manager
from app.security import services as throttle


@login_manager.user_loader
def _load_user(user_id: str):
    return services.load_active_user(user_id, session.get(signin.SESSION_KEY))


def safe_next(target: str | None) -> str | None:
    """Only a path on this site is a valid redirect target after login."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(char) < 32 for char in target):
        return None
    return target


def throttled_message(seconds: int, reason: str = "Te veel mislukte inlogpogingen.") -> str:
    minutes = max(1, -(-seconds // 60))
    unit = "minuut" if minutes == 1 else "minuten"
    return (
        f"{reason} "
        f"Probeer het over {minutes} {unit} opnieuw, of neem contact op met de organisatie."
    )


RESET_THROTTLED = "Er zijn vanaf dit netwerk veel nieuwe wachtwoorden aangevraagd."


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm(next=request.args.get("next", ""))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("home.index"))
    status = 200
    if form.validate_on_submit():
        address = client_address()
        # Checked before the password, so a locked account cannot be probed at all.
        known = signin.is_known_device(form.email.data)
        wait = throttle.lockout_seconds(form.email.data, address, known_device=known)
        if wait:
            form.password.errors.append(throttled_message(wait))
            return render_template("auth/login.html", form=form), 429
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            return signin.after_password(user, safe_next(form.next.data))
        locked = throttle.register_failure(form.email.data, address)
        known = services.find_user_by_email(form.email.data)
        record_now("login.failed", None, known, step="password", locked_seconds=locked)
        form.password.errors.append(
            "Onjuist e-mailadres of wachtwoord, of je account is niet actief."
        )
        status = 422
    elif form.is_submitted():
        status = 422
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        services.sign_out(current_user, session.get(signin.SESSION_KEY))
    logout_user()
    session.clear()
    flash("Je bent uitgelogd.", "info")
    return redirect(url_for("auth.login"), code=303)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    form.owner_email, form.owner_name = current_user.email, current_user.display_name
    status = 200
    if form.validate_on_submit():
        if services.password_matches(current_user, form.current_password.data):
            services.change_password(current_user, form.new_password.data)
            signin.refresh(current_user)
            flash("Je wachtwoord is gewijzigd.", "success")
            return redirect(url_for("home.index"), code=303)
        form.current_password.errors.append("Je huidige wachtwoord klopt niet.")
    if form.is_submitted():
        status = 422
    return render_template("auth/change_password.html", form=form), status


@bp.route("/login/forgot", methods=["GET", "POST"])
def forgot_password():
    """Ask for a reset link. The answer never says whether the address has an account."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        address = client_address()
        # Per address, whatever the account, so a refusal says nothing about who has one.
        wait = throttle.reset_request_wait(address) or throttle.count_reset_request(address)
        if wait:
            form.email.errors.append(throttled_message(wait, RESET_THROTTLED))
            return render_template("auth/forgot.html", form=form), 429
        reset.request_link(form.email.data)
        return redirect(url_for("auth.forgot_sent"), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template("auth/forgot.html", form=form), status


@bp.get("/login/forgot/sent")
def forgot_sent():
    return render_template("auth/forgot_sent.html", valid_for=reset.valid_for())


@bp.route("/login/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Public: the link from the mail. The token in the URL is the credential."""
    try:
        link = reset.usable(token)
    except reset.ResetError as error:
        return render_template("auth/reset_unusable.html", message=str(error)), 410
    form = ResetPasswordForm()
    owner = reset.user_of(link)
    form.owner_email, form.owner_name = owner.email, owner.display_name
    if form.validate_on_submit():
        try:
            user = reset.choose_password(token, form.new_password.data)
        except reset.ResetError as error:
            return render_template("auth/reset_unusable.html", message=str(error)), 410
        # The normal sign-in path: a fresh session, and the second factor where it applies.
        response = signin.after_password(user, None)
        # Flashed after it: signing in starts a new session, which drops earlier messages.
        flash(
            "Je nieuwe wachtwoord is ingesteld; op je andere apparaten ben je uitgelogd.", "success"
        )
        return response
    status = 422 if form.is_submitted() else 200
    return render_template("auth/reset.html", form=form, token=token), status
