"""The demo tells one current story, relative to the day it is loaded (issue 14)."""

from datetime import timedelta

import sqlalchemy as sa

from app import clock
from app.archive import catalogue
from app.assignments import services as assignment_services
from app.extensions import db
from app.intake import services as intake_services
from app.models import (
    Application,
    ApplicationStatus,
    Assignment,
    Case,
    Comment,
    Meeting,
    Notification,
    Role,
    Theme,
    User,
)
from app.models.base import utcnow


def _one_session_behind_one_in_about_three_weeks_one_later(demo):
    meetings = list(db.session.scalars(sa.select(Meeting).order_by(Meeting.date)))
    past = [m for m in meetings if m.date < demo]
    future = [m for m in meetings if m.date >= demo]
    assert len(past) == 1 and len(future) == 2
    assert past[0].report and past[0].key_insights
    assert any(a.attended for a in past[0].attendances)
    assert "volgt nog" not in past[0].place
    assert timedelta(days=14) <= future[0].date - demo <= timedelta(days=28)
    assert future[1].date - future[0].date >= timedelta(weeks=4)
    assert all(m.date.weekday() == 3 for m in meetings)  # the network meets on Thursdays


def _open_assignments_lie_ahead_and_one_is_handed_in(demo):
    open_now = list(db.session.scalars(sa.select(Assignment).where(Assignment.due_date >= demo)))
    assert len(open_now) >= 2
    assert any(assignment.responses for assignment in open_now)
    dorrestad = db.session.scalar(
        sa.select(User).where(User.email == "sanne.verhoeven@dorrestad.example.nl")
    )
    assert assignment_services.open_for(dorrestad.municipality_id, demo)


def _one_place_free_and_two_applications_waiting(demo):
    mix = intake_services.network_mix()
    assert (mix.total, mix.maximum) == (11, 12)
    waiting = db.session.scalars(
        sa.select(Application.status).where(
            Application.status.in_([ApplicationStatus.NEW, ApplicationStatus.PLANNED])
        )
    ).all()
    assert len(waiting) == 2


def _admitting_a_waiting_municipality_works_in_the_demo(demo, client, login):
    organiser = db.session.scalar(sa.select(User).where(User.role == Role.ORGANISER))
    application = db.session.scalar(
        sa.select(Application).where(Application.status == ApplicationStatus.NEW)
    )
    login(organiser)
    response = client.post(f"/intake/{application.id}/decide", data={"status": "admitted"})
    assert response.status_code == 303
    db.session.refresh(application)
    assert application.status == ApplicationStatus.ADMITTED


def _everyone_in_the_network_has_unread_notifications(demo):
    people = db.session.scalars(
        sa.select(User).where(User.active.is_(True), User.role != Role.READER)
    ).all()
    for person in people:
        unread = db.session.scalar(
            sa.select(sa.func.count(Notification.id)).where(
                Notification.user_id == person.id, Notification.read_at.is_(None)
            )
        )
        assert unread >= 1, person.email
    assert db.session.scalar(sa.select(sa.func.max(Notification.created_at))) <= utcnow()


def _experts_are_asked_for_a_view(demo):
    asked = db.session.scalar(
        sa.select(sa.func.count(Case.id)).where(Case.expert_view_requested.is_(True))
    )
    assert asked >= 2


def _a_rich_archive_over_every_theme_with_consented_reflections(demo):
    published = catalogue.all_published()
    with_reflections = [p for p in published if catalogue.published_reflections(p)]
    assert len(with_reflections) >= 12
    themes = {theme.slug for p in published for theme in p.case.themes}
    assert themes == set(db.session.scalars(sa.select(Theme.slug)))
    days = {p.published_at.date() for p in published}
    assert len(days) == len(published)  # spread out, not all published on seeding day


def _reactions_are_written_in_office_hours(demo):
    for moment in db.session.scalars(sa.select(Comment.created_at)):
        local = clock.utc_to_local(moment)
        assert 9 <= local.hour < 17 and local.weekday() < 5, local


def test_the_demo_tells_one_current_story(runner, client, login):
    """One seeding (it takes a while), every part of the story checked on it."""
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    demo = clock.today()
    _one_session_behind_one_in_about_three_weeks_one_later(demo)
    _open_assignments_lie_ahead_and_one_is_handed_in(demo)
    _one_place_free_and_two_applications_waiting(demo)
    _everyone_in_the_network_has_unread_notifications(demo)
    _experts_are_asked_for_a_view(demo)
    _a_rich_archive_over_every_theme_with_consented_reflections(demo)
    _reactions_are_written_in_office_hours(demo)
    _admitting_a_waiting_municipality_works_in_the_demo(demo, client, login)
