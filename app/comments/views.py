import sqlalchemy as sa
from flask import abort, flash, render_template, url_for
from flask_login import current_user, login_required

from app import confirm, htmx
from app.cases.services import get_readable_case
from app.comments import bp, services
from app.comments.context import thread_context
from app.comments.forms import CommentForm
from app.forms import form_status
from app.history import services as history
from app.permissions import can_change_comment, can_comment


def _readable_comment_or_404(comment_id: int):
    comment = services.get_comment(comment_id)
    if comment is None or get_readable_case(current_user, comment.case_id) is None:
        abort(404)
    return comment


def _changeable_comment(comment_id: int):
    comment = _readable_comment_or_404(comment_id)
    if not can_change_comment(current_user, comment):
        abort(403, "Alleen de schrijver of een organisator kan deze reactie wijzigen.")
    return comment


@bp.post("/cases/<int:case_id>/comments")
@login_required
def create(case_id: int):
    case = get_readable_case(current_user, case_id)
    if case is None:
        abort(404)
    if not can_comment(current_user):
        abort(403, "Je kunt op deze casus niet reageren.")
    form = CommentForm()
    if form.validate_on_submit():
        parent = services.find_parent(case, form.parent_id.data)
        comment = services.add_comment(case, current_user, form.body.data, parent)
        # The id from the identity map: reading comment.id after the commit reloads the row.
        comment_id = sa.inspect(comment).identity[0]
        return htmx.after_write(
            url_for("cases.detail", case_id=case_id, _anchor=f"comment-{comment_id}"),
            "comments/_thread.html",
            **thread_context(case),
        )
    # Failed: show the thread again with the text kept and the error beside it.
    is_reply = bool(form.parent_id.data)
    context = thread_context(
        case, form=None if is_reply else form, reply_form=form if is_reply else None
    )
    return htmx.render("comments/page.html", "comments/_thread.html", status=422, **context)


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@login_required
def edit(comment_id: int):
    comment = _changeable_comment(comment_id)
    # A prefix keeps the field ids unique while the form sits inside the case page.
    form = CommentForm(obj=comment, prefix=f"comment-{comment.id}")
    if form.validate_on_submit():
        services.edit_comment(comment, form.body.data, editor=current_user)
        return htmx.after_write(
            url_for("cases.detail", case_id=comment.case_id, _anchor=f"comment-{comment.id}"),
            "comments/_comment.html",
            comment=comment,
            case=comment.case,
            edited_comments=history.edited_ids("comment", [comment.id]),
        )
    return htmx.render(
        "comments/edit.html",
        "comments/_edit_form.html",
        status=form_status(form),
        comment=comment,
        case=comment.case,
        form=form,
    )


@bp.get("/comments/<int:comment_id>")
@login_required
def show(comment_id: int):
    """One comment; htmx uses it to cancel an edit."""
    comment = _readable_comment_or_404(comment_id)
    if not htmx.wants_fragment():
        return htmx.client_redirect(
            url_for("cases.detail", case_id=comment.case_id, _anchor=f"comment-{comment.id}")
        )
    return render_template(
        "comments/_comment.html",
        comment=comment,
        case=comment.case,
        edited_comments=history.edited_ids("comment", [comment.id]),
    )


@bp.route("/comments/<int:comment_id>/delete", methods=["GET", "POST"])
@login_required
def delete(comment_id: int):
    comment = _changeable_comment(comment_id)
    confirmation = confirm.deletion(
        comment.author_id == current_user.id,
        "reactie",
        "De tekst verdwijnt uit de discussie; antwoorden erop blijven staan onder "
        "“Verwijderde reactie”. Organisatoren kunnen de oude tekst nog inzien in de "
        "geschiedenis.",
        url_for("cases.detail", case_id=comment.case_id, _anchor=f"comment-{comment.id}"),
        "#comments",
    )
    form = confirm.reason_form()
    if not confirm.direct_or_confirmed(form, confirmation):
        return confirm.render(confirmation, form)
    services.delete_comment(comment, current_user, confirm.reason(form))
    if not htmx.is_htmx():
        flash("De reactie is verwijderd.", "success")
    return htmx.after_write(
        url_for("cases.detail", case_id=comment.case_id, _anchor=f"comment-{comment.id}"),
        "comments/_thread.html",
        **thread_context(comment.case),
    )
