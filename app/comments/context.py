"""What the comment thread fragment shows; the case page includes the same fragment."""

from typing import Any

from app.comments import services
from app.comments.forms import CommentForm
from app.history import services as history


def thread_context(
    case,
    form: CommentForm | None = None,
    reply_form: CommentForm | None = None,
    mark_edited: bool = True,
) -> dict[str, Any]:
    """Everything the comment thread fragment needs; a failed form is shown with its input.

    The case page asks which items were edited for all its parts at once (mark_edited=False).
    """
    comments = services.thread(case)
    return {
        "case": case,
        "comments": comments,
        "comment_form": form or CommentForm(formdata=None),
        "reply_form": reply_form,
        "comment_count": services.visible_count(comments),
        "edited_comments": (
            history.edited_ids("comment", comment_ids(comments)) if mark_edited else set()
        ),
    }


def comment_ids(comments: list) -> list[int]:
    """The ids of a thread's comments and their replies."""
    return [c.id for top in comments for c in (top, *top.replies)]
