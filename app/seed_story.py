"""The demo's present: publications spread over the past weeks and a few unread notifications
per person, so a demo shows a network that is alive today rather than one that stopped."""

from datetime import timedelta

import sqlalchemy as sa

from app import clock
from app.extensions import db
from app.models import (
    ArchivePublication,
    Assignment,
    Case,
    Comment,
    MailState,
    Meeting,
    Notification,
    NotificationKind,
    Reflection,
    ReflectionConsent,
    Role,
    User,
)
from app.models.base import utcnow
from app.notifications import services as notification_services
from app.seed_network import office_hours
from app.templating import format_short_date
from app.urls import path_for


def backdate_publication(publication: ArchivePublication, days_ago: int) -> None:
    """Date a publication the seed just took through the archive services back in time.

    The services stamp every step with the current moment; a demo archive in which all
    cases were proposed, consented and published in the same second looks made up.
    """
    published = office_hours(clock.today() - timedelta(days=days_ago), days_ago)
    steps = {"proposed": 9, "consented": 6, "reflection-consent": 5, "published": 0}
    publication.proposed_at = published - timedelta(days=steps["proposed"])
    if publication.consent_at:
        publication.consent_at = published - timedelta(days=steps["consented"])
    if publication.published_at:
        publication.published_at = published
    # Publishing changed the case's visibility, which stamped it as updated today.
    publication.case.updated_at = min(publication.case.updated_at, published)
    for event in publication.events:
        event.at = published - timedelta(days=steps.get(event.action, 0))
    for consent in db.session.scalars(
        sa.select(ReflectionConsent)
        .join(Reflection)
        .where(Reflection.case_id == publication.case_id)
    ):
        consent.given_at = published - timedelta(days=steps["reflection-consent"])
        # A reflection is written before its expert consents to it (a migration that reads
        # the dates, like the one that bound publications to reviewed versions, relies on it).
        reflection = consent.reflection
        reflection.updated_at = min(reflection.updated_at, consent.given_at)
        reflection.created_at = min(reflection.created_at, reflection.updated_at)
    # The decision's notification to the duo went out then too, and was read long ago.
    url = path_for("cases.detail", case_id=publication.case_id, _anchor="archive-panel")
    for notification in db.session.scalars(
        sa.select(Notification).where(
            Notification.kind == NotificationKind.PUBLICATION, Notification.url == url
        )
    ):
        notification.created_at = published
        notification.read_at = published + timedelta(hours=20)
        notification.mail_state = MailState.SKIPPED
    db.session.commit()


def _latest(model, *where):
    return db.session.scalar(sa.select(model).where(*where).order_by(model.id.desc()).limit(1))


def demo_notifications(users: dict[str, User]) -> None:
    """A few unread notifications for every active person, about things that exist."""
    today = clock.today()
    upcoming = db.session.scalars(
        sa.select(Meeting).where(Meeting.date >= today).order_by(Meeting.date)
    ).first()
    open_assignment = db.session.scalars(
        sa.select(Assignment).where(Assignment.due_date >= today).order_by(Assignment.due_date)
    ).first()
    created: list[tuple[Notification, int]] = []

    def add(user: User, kind: NotificationKind, title: str, url: str, days_ago: int, body=""):
        notification = notification_services.notify(user, kind, title, url, body, mail_it=False)
        created.append((notification, days_ago))

    waiting = db.session.scalars(
        sa.select(ArchivePublication).where(ArchivePublication.published_at.is_(None))
    ).first()
    for user in users.values():
        if not user.active or user.role == Role.READER:
            continue
        if user.role == Role.EXPERT:
            reaction = _latest(
                Comment, Comment.case.has(Case.reflections.any(Reflection.author_id == user.id))
            )
            if reaction:
                add(
                    user,
                    NotificationKind.COMMENT_REPLY,
                    f"{reaction.author.display_name} reageerde bij '{reaction.case.title}', "
                    "waarop je reflecteerde",
                    path_for(
                        "cases.detail", case_id=reaction.case_id, _anchor=f"comment-{reaction.id}"
                    ),
                    3,
                )
        if user.role == Role.ORGANISER and waiting:
            add(
                user,
                NotificationKind.PUBLICATION,
                f"Wacht op controle voor het archief: '{waiting.case.title}'",
                path_for("archive.review", publication_id=waiting.id),
                2,
            )
        if user.municipality_id is not None:
            if open_assignment:
                add(
                    user,
                    NotificationKind.NEW_ASSIGNMENT,
                    f"Nieuwe opdracht: {open_assignment.title}",
                    path_for("assignments.detail", assignment_id=open_assignment.id),
                    9,
                    f"Inleveren uiterlijk {format_short_date(open_assignment.due_date)}.",
                )
            own_comment = _latest(
                Comment,
                Comment.case.has(Case.municipality_id == user.municipality_id),
                Comment.author.has(User.municipality_id != user.municipality_id),
            )
            if own_comment:
                add(
                    user,
                    NotificationKind.CASE_COMMENT,
                    f"{own_comment.author.display_name} reageerde op '{own_comment.case.title}'",
                    path_for(
                        "cases.detail",
                        case_id=own_comment.case_id,
                        _anchor=f"comment-{own_comment.id}",
                    ),
                    4,
                )
        if upcoming:
            add(
                user,
                NotificationKind.MEETING_SOON,
                f"Over drie weken: {upcoming.title}",
                path_for("meetings.detail", meeting_id=upcoming.id),
                1,
                "Geef door of je komt, dan kan de organisatie de casustafels indelen.",
            )
    db.session.flush()
    now = utcnow()
    for notification, days_ago in created:
        notification.created_at = min(
            office_hours(today - timedelta(days=days_ago), notification.id), now
        )
    db.session.commit()
