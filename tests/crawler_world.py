"""The planted world of the crawler test: one user per role and a canary in every restricted object.

A canary is a random word of letters only, so it survives the Dutch analyser and the search
highlighting (which wraps whole words). Each object carries it in the text a leak would show: a
title, a body, notes, an e-mail address. Searchable texts carry a second random word right after
it, which the crawler searches for: a search page repeats its query, so the canary itself is
never in a URL.
"""

import hashlib
import secrets
import string
import time
from dataclasses import dataclass, field
from datetime import time as wall_time
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask

from app import clock
from app.archive import services as archive_services
from app.auth.services import hash_password
from app.comments import services as comment_services
from app.extensions import db
from app.history import services as history
from app.models import (
    Application,
    ApplicationStatus,
    Assignment,
    AssignmentResponse,
    AuditEvent,
    Case,
    Comment,
    Invitation,
    MaatwerkStatus,
    MaatwerkTrack,
    MailState,
    Meeting,
    Method,
    Municipality,
    Notification,
    NotificationKind,
    PasswordReset,
    PolarisationKind,
    Reflection,
    Role,
    SizeClass,
    Theme,
    User,
    Visibility,
    WorkSession,
)
from app.models.base import utcnow
from app.reflections import services as reflection_services
from app.search.rebuild import rebuild as rebuild_index

PASSWORD = "geheim-wachtwoord-123"
# Shared words, so that the planted cases count as similar to each other.
SHARED_TEXT = "Overlast van een jongerengroep bij het winkelcentrum zorgt voor spanning in de wijk."


def _word() -> str:
    return "".join(secrets.choice(string.ascii_lowercase) for _ in range(14))


@dataclass
class World:
    canaries: dict[str, str] = field(default_factory=dict)  # name -> the word to look for
    # name -> a second word beside it to search for (a search page echoes its query)
    search_words: dict[str, str] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)  # role name -> user
    ids: dict[str, int] = field(default_factory=dict)  # object name -> id
    tokens: dict[str, str] = field(default_factory=dict)  # capability tokens for URLs
    theme_slug: str = "jongerengroepen"

    def canary(self, name: str) -> str:
        """A new canary: the word the test looks for, inside a readable marker."""
        word = self.canaries.setdefault(name, _word())
        search_word = self.search_words.setdefault(name, _word())
        return f"CANARY-{name}-{word} {search_word}"


def _user(name: str, role: Role, municipality: Municipality | None, password_hash: str, **fields):
    return User(
        email=fields.pop("email", f"{name}@crawler.example.nl"),
        display_name=fields.pop("display_name", name.replace("_", " ").title()),
        role=role,
        municipality=municipality,
        password_hash=password_hash,
        **fields,
    )


def _case(world: World, name: str, author: User, visibility: Visibility, theme: Theme) -> Case:
    marker = world.canary(name)
    case = Case(
        title=f"Jongerengroep {marker}",
        author=author,
        municipality_id=author.municipality_id,
        polarisation_kind=PolarisationKind.HORIZONTAL,
        visibility=visibility,
        summary=f"{SHARED_TEXT} {marker}",
        situation=SHARED_TEXT,
        question="Hoe gaan andere gemeenten met jongerengroepen om?",
        themes=[theme],
        shared_at=None if visibility == Visibility.DRAFT else utcnow(),
    )
    db.session.add(case)
    return case


def plant(app: Flask) -> World:
    """Build the world in the app's database and index it; returns names, ids and canaries."""
    world = World()
    password_hash = hash_password(PASSWORD)
    theme = db.session.scalar(sa.select(Theme).where(Theme.slug == world.theme_slug))
    town_a = Municipality(name="Kanaaldorp", size_class=SizeClass.SMALL, province="Utrecht")
    town_b = Municipality(name="Beekstad", size_class=SizeClass.LARGE, province="Limburg")
    db.session.add_all([town_a, town_b])

    users = world.users
    users["participant_a"] = _user(
        "participant_a",
        Role.PARTICIPANT,
        town_a,
        password_hash,
        email=f"{world.canaries.setdefault('email_a', _word())}@crawler.example.nl",
    )
    users["colleague_a"] = _user("colleague_a", Role.PARTICIPANT, town_a, password_hash)
    users["participant_b"] = _user("participant_b", Role.PARTICIPANT, town_b, password_hash)
    users["expert"] = _user("expert", Role.EXPERT, None, password_hash, organisation="Movisie")
    users["organiser"] = _user("organiser", Role.ORGANISER, None, password_hash)
    users["reader"] = _user("reader", Role.READER, None, password_hash)
    # Signed in while still active (the test builds its cookie first), deactivated below.
    users["deactivated"] = _user(
        "deactivated", Role.PARTICIPANT, town_a, password_hash, calendar_token=secrets.token_hex(16)
    )
    users["participant_a"].calendar_token = secrets.token_hex(16)
    db.session.add_all(users.values())
    db.session.flush()
    part_a, part_b, expert, organiser = (
        users["participant_a"],
        users["participant_b"],
        users["expert"],
        users["organiser"],
    )

    # The ladder: drafts, a network case, a proposed case and a published one.
    draft_a = _case(world, "draft_a", part_a, Visibility.DRAFT, theme)
    draft_b = _case(world, "draft_b", part_b, Visibility.DRAFT, theme)
    network = _case(world, "network_case", part_b, Visibility.NETWORK, theme)
    proposed = _case(world, "proposed_case", part_a, Visibility.NETWORK, theme)
    published = _case(world, "published_copy", part_a, Visibility.NETWORK, theme)
    db.session.flush()
    comment = Comment(case=network, author=part_a, body=f"Herkenbaar. {world.canary('comment')}")
    consented = Reflection(
        case=published, author=expert, body=f"Gepubliceerd. {world.canary('reflection_consented')}"
    )
    unconsented = Reflection(
        case=published, author=expert, body=f"Intern. {world.canary('reflection_unconsented')}"
    )
    db.session.add_all([comment, consented, unconsented])
    db.session.commit()
    proposed_publication = archive_services.propose(proposed, part_a)
    publication = archive_services.propose(published, part_a)
    archive_services.record_consent(publication, part_a, "afdelingshoofd")
    archive_services.set_reflection_consent(consented, expert, True)
    ticked = [key for key, _label in archive_services.CHECKLIST]
    archive_services.publish(publication, organiser, ticked)
    # Edited in the network after publication: the archive keeps the reviewed copy.
    published.outcome = f"Later aangevuld. {world.canary('published_live')}"
    # A consented reflection edited after publication, and one consented after it: both wait
    # for review, so they stay in the network (security review F1).
    reflection_services.edit_reflection(
        consented,
        f"Gepubliceerd. {world.search_words['reflection_consented']} "
        f"{world.canary('reflection_edited_after_publication')}",
        "",
        editor=expert,
    )
    late = reflection_services.add_reflection(
        published, expert, f"Later. {world.canary('reflection_consented_late')}", ""
    )
    archive_services.set_reflection_consent(late, expert, True)
    # Earlier versions are as private as the item: a draft's history, a shared case's history.
    for case, name, editor in (
        (draft_a, "draft_old_version", part_a),
        (network, "network_old_version", part_b),
    ):
        history.keep_baseline(case)
        case.outcome = f"Eerst zo. {world.canary(name)}"
        history.record(case, editor)
        case.outcome = "Later anders."
        history.record(case, editor)
    # A deleted comment's old text stays in its history, for organisers only.
    deleted = comment_services.add_comment(
        network, part_a, f"Spijt van. {world.canary('deleted_comment')}"
    )
    comment_services.delete_comment(deleted, part_a)

    private_method = Method(
        name=f"Methodiek {world.canary('private_method')}",
        summary="Alleen voor het netwerk.",
        author=expert,
        is_public=False,
    )
    published.methods.append(private_method)
    network.methods.append(private_method)

    today = clock.today()
    meeting = Meeting(
        title="Leer- en reflectiesessie",
        date=today + timedelta(days=20),
        start_time=wall_time(12, 0),
        end_time=wall_time(16, 0),
        agenda=f"- Casustafels {world.canary('meeting_agenda')}",
        cases=[network],
    )
    open_assignment = Assignment(
        title="Open opdracht", instructions="Beschrijf.", due_date=today + timedelta(days=10),
        author=organiser,
    )  # fmt: skip
    closed_assignment = Assignment(
        title="Verlopen opdracht", instructions="Beschrijf.", due_date=today - timedelta(days=5),
        author=organiser,
    )  # fmt: skip
    db.session.add_all([private_method, meeting, open_assignment, closed_assignment])
    db.session.flush()
    db.session.add_all(
        [
            AssignmentResponse(
                assignment_id=open_assignment.id,
                municipality_id=town_a.id,
                body=f"Ons antwoord. {world.canary('response_open')}",
                updated_by_id=part_a.id,
            ),
            # After the due date the network reads it; the linked draft stays the town's own.
            AssignmentResponse(
                assignment_id=closed_assignment.id,
                municipality_id=town_a.id,
                body=f"Ons antwoord. {world.canary('response_closed')}",
                case_id=draft_a.id,
                updated_by_id=part_a.id,
            ),
        ]
    )

    track = MaatwerkTrack(
        municipality=town_a,
        status=MaatwerkStatus.SELECTED,
        notes=f"Intakenotitie. {world.canary('maatwerk_notes')}",
    )
    work_session = WorkSession(
        track=track, number=1, report=f"Verslag. {world.canary('work_session_a')}"
    )
    application = Application(
        municipality_name="Aanmelddorp",
        size_class=SizeClass.SMALL,
        province="Zeeland",
        first_name="Eerste Aanmelder",
        first_function="Beleidsmedewerker",
        first_email=f"{world.canaries.setdefault('applicant_email', _word())}@aanmeld.example.nl",
        second_name="Tweede Aanmelder",
        second_function="Wijkprofessional",
        second_email="tweede@aanmeld.example.nl",
        learning_questions="Hoe gaan we om met wantrouwen?",
        status=ApplicationStatus.ADMITTED,
        notes=f"Intakegesprek. {world.canary('application_notes')}",
        municipality=town_b,
    )
    db.session.add_all([track, work_session, application])
    db.session.flush()
    invitation_email = (
        f"{world.canaries.setdefault('invitation_email', _word())}@aanmeld.example.nl"
    )
    invitation = Invitation(
        email=invitation_email,
        display_name="Uitgenodigde",
        municipality_id=town_b.id,
        application_id=application.id,
        token_hash=hashlib.sha256(secrets.token_urlsafe(32).encode()).hexdigest(),
        expires_at=utcnow() + timedelta(days=7),
    )
    # A used-up link: the crawl opens it, and it must not show whom it was for.
    revoked_token = secrets.token_urlsafe(32)
    revoked = Invitation(
        email=invitation_email.replace("@", ".oud@"),
        display_name="Ingetrokken",
        municipality_id=town_b.id,
        token_hash=hashlib.sha256(revoked_token.encode()).hexdigest(),
        expires_at=utcnow() + timedelta(days=7),
        revoked_at=utcnow(),
    )
    notification = Notification(
        user_id=part_a.id,
        kind=NotificationKind.CASE_COMMENT,
        title=f"Nieuwe reactie {world.canary('notification_a')}",
        url=f"/cases/{network.id}",
        mail_state=MailState.SKIPPED,
    )
    audit = AuditEvent(
        action="login.failed", address="192.0.2.1", details={"note": world.canary("audit")}
    )
    # A password reset link of the deactivated account: it must open nothing either.
    reset_token = secrets.token_urlsafe(32)
    reset_link = PasswordReset(
        user_id=users["deactivated"].id,
        token_hash=hashlib.sha256(reset_token.encode()).hexdigest(),
        expires_at=utcnow() + timedelta(hours=1),
    )
    db.session.add_all([invitation, revoked, notification, audit, reset_link])
    db.session.commit()

    world.ids.update(
        town_a=town_a.id,
        draft_a=draft_a.id,
        draft_b=draft_b.id,
        network=network.id,
        proposed=proposed.id,
        published=published.id,
        comment=comment.id,
        deleted_comment=deleted.id,
        consented=consented.id,
        unconsented=unconsented.id,
        publication=publication.id,
        proposed_publication=proposed_publication.id,
        private_method=private_method.id,
        meeting=meeting.id,
        open_assignment=open_assignment.id,
        closed_assignment=closed_assignment.id,
        track=track.id,
        work_session=work_session.id,
        application=application.id,
        invitation=invitation.id,
        notification=notification.id,
        theme=theme.id,
    )
    world.tokens.update(
        revoked_invitation=revoked_token,
        calendar_a=part_a.calendar_token,
        calendar_deactivated=users["deactivated"].calendar_token,
        reset_deactivated=reset_token,
    )
    rebuild_index()
    return world


def session_cookie(app: Flask, user: User) -> str:
    """A signed session cookie as the login fixture makes it: user id with token, and a clock."""
    now = int(time.time())
    data = {"_user_id": user.get_id(), "_fresh": True, "auth_at": now, "seen_at": now}
    value = app.session_interface.get_signing_serializer(app).dumps(data)
    return f"{app.config['SESSION_COOKIE_NAME']}={value}"
