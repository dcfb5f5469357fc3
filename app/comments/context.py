"""What the comment thread fragment shows; the case page includes the same fragment."""

from typing import Any

from app.comments import services
from app.comments.forms import CommentForm


def thread_context(
    case, form: CommentForm | None = None, reply_form: CommentForm | None = None
) -> dict[str, Any]:
    """Everything the comment thread fragment needs; a failed form is shown with its input."""
    comments = services.thread(case)
    return {
        "case": case,
        "comments": comments,
        "comment_form": form or CommentForm(formdata=None),
        "reply_form": reply_form,
        "comment_count": services.visible_count(comments),
    }
