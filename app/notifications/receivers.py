"""Domain events -> notifications. Receivers run inside the sender's transaction and never
commit: a notification exists exactly when the change that caused it was committed."""

from app import events
from app.models import (
    ArchivePublication,
    Assignment,
    Case,
    Comment,
    Invitation,
    NotificationKind,
    Reflection,
    User,
)
from app.notifications import services
from app.templating import format_short_date
from app.urls import path_for


def _case_url(case: Case, anchor: str) -> str:
    return path_for("cases.detail", case_id=case.id, _anchor=anchor)


@events.comment_changed.connect
def _on_comment(comment: Comment, action: str) -> None:
    if action != "created":
        return
    case = comment.case
    notified = {comment.author_id}
    parent = comment.parent
    if parent is not None and parent.author_id not in notified and not parent.is_deleted:
        services.notify(
            parent.author,
            NotificationKind.COMMENT_REPLY,
            f"{comment.author.display_name} antwoordde op je reactie bij '{case.title}'",
            _case_url(case, f"comment-{comment.id}"),
        )
        notified.add(parent.author_id)
    services.notify_all(
        services.participants_of(case.municipality_id, exclude=notified),
        NotificationKind.CASE_COMMENT,
        f"Nieuwe reactie van {comment.author.display_name} op '{case.title}'",
        _case_url(case, f"comment-{comment.id}"),
    )


@events.reflection_changed.connect
def _on_reflection(reflection: Reflection, action: str) -> None:
    if action != "created":
        return
    case = reflection.case
    services.notify_all(
        services.participants_of(case.municipality_id, exclude={reflection.author_id}),
        NotificationKind.CASE_REFLECTION,
        f"{reflection.author.display_name} schreef een reflectie op '{case.title}'",
        _case_url(case, f"reflection-{reflection.id}"),
    )


@events.assignment_changed.connect
def _on_assignment(assignment: Assignment, action: str) -> None:
    if action != "created":
        return
    services.notify_all(
        services.all_participants(),
        NotificationKind.NEW_ASSIGNMENT,
        f"Nieuwe opdracht: {assignment.title}",
        path_for("assignments.detail", assignment_id=assignment.id),
        f"Inleveren uiterlijk {format_short_date(assignment.due_date)}.",
    )


# The organiser's decisions on a proposal; the municipality's own steps need no notice.
_DECISIONS = {
    "published": "staat nu in het openbare archief",
    "returned": "is teruggestuurd met opmerkingen",
    "update-published": "is bijgewerkt in het openbare archief",
    "update-returned": "blijft in het archief zoals hij was: de wijziging is teruggestuurd",
}


@events.publication_changed.connect
def _on_publication(publication: ArchivePublication, action: str) -> None:
    if action not in _DECISIONS:
        return
    case = publication.case
    services.notify_all(
        services.participants_of(case.municipality_id),
        NotificationKind.PUBLICATION,
        f"Publicatiebesluit: '{case.title}' {_DECISIONS[action]}",
        _case_url(case, "archive-panel"),
        publication.remarks,
    )


@events.invitation_accepted.connect
def _on_invitation_accepted(user: User, invitation: Invitation) -> None:
    # The invitation itself reached them by mail; in the app it is their first notification.
    services.notify(
        user,
        NotificationKind.INVITATION,
        f"Welkom in het leernetwerk namens gemeente {invitation.municipality.name}",
        path_for("meetings.index"),
        "Bekijk de bijeenkomsten en zet ze in je agenda.",
        mail_it=False,
    )
