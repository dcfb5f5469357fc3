from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from app import htmx
from app.auth.views import safe_next
from app.models import MailPreference
from app.notifications import bp, services
from app.notifications.forms import PreferenceForm

CHANGED = "notifications-changed"


@bp.before_request
@login_required
def _signed_in():
    return None


@bp.app_context_processor
def _unread_count() -> dict:
    """The header's unread count on every page of a signed-in user."""
    if not getattr(current_user, "is_authenticated", False):
        return {}
    # A function the page header calls: htmx fragments, most answers to a write, have no
    # header, and would otherwise pay for the count too.
    return {"unread_notifications": lambda: services.unread_count(current_user)}


@bp.get("")
def index():
    return htmx.render(
        "notifications/list.html",
        "notifications/_list.html",
        notifications=services.for_user(current_user),
    )


@bp.get("/badge")
def badge():
    """The unread count in the header; htmx polls it and reloads it after changes."""
    return render_template("notifications/_badge.html", unread=services.unread_count(current_user))


@bp.post("/<int:notification_id>/open")
def open_notification(notification_id: int):
    notification = services.get_own(current_user, notification_id)
    if notification is None:
        abort(404)
    services.mark_read(notification)
    return htmx.client_redirect(safe_next(notification.url) or url_for("notifications.index"))


@bp.post("/read-all")
def read_all():
    services.mark_all_read(current_user)
    return htmx.after_write(
        url_for("notifications.index"),
        "notifications/_list.html",
        trigger=CHANGED,
        notifications=services.for_user(current_user),
    )


@bp.route("/preferences", methods=["GET", "POST"])
def preferences():
    form = PreferenceForm(mail_preference=current_user.mail_preference.value)
    if form.validate_on_submit():
        services.set_preference(current_user, MailPreference(form.mail_preference.data))
        flash("Je e-mailvoorkeur is opgeslagen.", "success")
        return redirect(url_for("notifications.preferences"), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template("notifications/preferences.html", form=form), status
