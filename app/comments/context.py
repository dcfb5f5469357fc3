"""What the comment thread fragment shows; the case page includes the same fragment."""

from typing import Any

from flask_login import current_user

from app.comments import services
from app.comments.forms import CommentForm
from app.permissions import can_change_comment, can_comment, is_organiser


def thread_context(
    case,
    form: CommentForm | None = None,
    reply_form: CommentForm | None = None,
) -> dict[str, Any]:
    """Everything the comment thread fragment needs; a failed form is shown with its input."""
    comments, edited = services.thread(case)
    # The user itself, not the proxy, for the checks per comment: each proxy access looks it up.
    user = current_user._get_current_object()
    may_comment = can_comment(user)
    return {
        "case": case,
        "comments": comments,
        # Only those who may comment see the form: nobody else needs one built.
        "comment_form": form or (CommentForm(formdata=None) if may_comment else None),
        "reply_form": reply_form,
        "comment_count": services.visible_count(comments),
        "edited_comments": edited,
        # What the user may do, asked here once instead of by the template for every comment.
        "may_comment": may_comment,
        "moderating": is_organiser(user),
        "changeable_comments": {
            c.id for top in comments for c in (top, *top.replies) if can_change_comment(user, c)
        },
    }
