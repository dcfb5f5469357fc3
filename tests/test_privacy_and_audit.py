"""Mijn gegevens, erasure with the knowledge kept, the erasure register, and the audit log."""

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import events
from app.extensions import db
from app.models import AuditEvent, Case, Comment, Erasure, Role, User
from app.privacy import services as privacy


@pytest.fixture
def organiser(make_user):
    return make_user(Role.ORGANISER)


def test_download_contains_everything_about_me_and_nothing_secret(
    client, login, make_user, make_case, make_comment
):
    me = make_user(display_name="Anne Bakker", job_title="Beleidsadviseur")
    case = make_case(author=me, title="Mijn casus over de wijk")
    make_comment(case, author=me, body="Mijn eigen reactie")
    make_comment(case, body="Reactie van iemand anders")
    login(me)
    assert "Anne Bakker" in client.get("/account/data").get_data(as_text=True)
    response = client.get("/account/data.json")
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["display_name"] == "Anne Bakker"
    assert data["account"]["job_title"] == "Beleidsadviseur"
    assert [c["title"] for c in data["cases"]] == ["Mijn casus over de wijk"]
    assert [c["body"] for c in data["comments"]] == ["Mijn eigen reactie"]
    text = json.dumps(data)
    assert "argon2" not in text and "session_token" not in text and me.session_token not in text


def test_erasure_keeps_the_knowledge_and_removes_the_person(
    app, client, login, make_user, make_case, make_comment, organiser
):
    person = make_user(display_name="Piet Persoon", email="piet@example.nl", job_title="Wijkagent")
    user_id = person.id
    case = make_case(author=person, title="Casus die moet blijven")
    make_comment(case, author=person, body="Reactie die moet blijven")
    their_client = app.test_client()
    login(person, their_client)
    their_client.post("/account/data/erasure-request")
    db.session.expire_all()
    assert db.session.get(User, user_id).erasure_requested_at is not None

    received = []
    events.user_erased.connect(lambda user, **_: received.append(user.id), weak=False)
    login(organiser)
    page = client.get("/admin/erasures").get_data(as_text=True)
    assert "Piet Persoon" in page
    assert (
        client.post(f"/admin/erasures/{user_id}", data={"reason": "Op eigen verzoek"}).status_code
        == 303
    )
    assert user_id in received

    db.session.expire_all()
    erased = db.session.get(User, user_id)
    assert erased.display_name == privacy.ERASED_NAME
    assert "piet" not in erased.email and erased.job_title is None and not erased.active
    assert db.session.scalar(sa.select(Case.author_id).where(Case.id == case.id)) == user_id
    assert db.session.scalar(sa.select(Comment.body)) == "Reactie die moet blijven"
    case_page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "voormalig deelnemer" in case_page and "Piet Persoon" not in case_page
    # Their old session is gone, and their addresses are no longer in the audit log.
    assert their_client.get("/cases").status_code == 302
    assert not db.session.scalars(
        sa.select(AuditEvent.address).where(
            AuditEvent.actor_id == user_id, AuditEvent.address.is_not(None)
        )
    ).all()
    # The register holds the id and time, nothing personal.
    assert db.session.scalar(sa.select(Erasure.user_id)) == user_id
    register = Path(app.config["ERASURE_REGISTER_PATH"]).read_text()
    assert f'"user_id": {user_id}' in register and "piet" not in register.lower()
    # Nothing in the whole database still names them.
    # Every row of every table as text: portable across SQLite and PostgreSQL.
    dump = "\n".join(
        repr(tuple(row))
        for table in db.metadata.sorted_tables
        for row in db.session.execute(sa.select(table))
    )
    assert "Piet Persoon" not in dump and "piet@example.nl" not in dump and "Wijkagent" not in dump


def test_organiser_cannot_erase_themselves(client, login, organiser):
    login(organiser)
    client.post(f"/admin/erasures/{organiser.id}", data={"reason": "Op eigen verzoek"})
    assert db.session.get(User, organiser.id).erased_at is None


def test_only_organisers_carry_out_erasures(client, login, make_user):
    victim = make_user()
    login(make_user(Role.EXPERT))
    assert client.post(f"/admin/erasures/{victim.id}").status_code == 403
    assert client.get("/admin/erasures").status_code == 403


def test_reapply_erasures_after_restoring_an_older_backup(app, runner, make_user, organiser):
    person = make_user(display_name="Teruggezet Persoon")
    user_id = person.id
    privacy.erase(person, organiser)
    # Simulate restoring a backup taken before the erasure: the old row and no register row.
    db.session.execute(sa.delete(Erasure))
    db.session.execute(
        sa.update(User)
        .where(User.id == user_id)
        .values(display_name="Teruggezet Persoon", email="terug@example.nl", erased_at=None)
    )
    db.session.commit()
    result = runner.invoke(args=["privacy", "reapply-erasures"])
    assert result.exit_code == 0, result.output
    assert "Erasures re-applied: 1" in result.output
    db.session.expire_all()
    user = db.session.get(User, user_id)
    assert user.display_name == privacy.ERASED_NAME and user.email != "terug@example.nl"
    assert db.session.scalar(sa.select(Erasure.user_id)) == user_id
    again = runner.invoke(args=["privacy", "reapply-erasures"])
    assert "Erasures re-applied: 0" in again.output


def test_admin_changes_are_audited(client, login, make_user, organiser):
    person = make_user(Role.PARTICIPANT)
    login(organiser)
    response = client.post(
        f"/admin/users/{person.id}/edit",
        data={
            "email": person.email,
            "display_name": person.display_name,
            "role": "expert",
            "municipality": "",
            "active": "",
            "password": "een-nieuw-wachtwoord-1",
        },
    )
    assert response.status_code == 303
    events_ = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.target_id == person.id).order_by(AuditEvent.id)
    ).all()
    actions = {event.action for event in events_}
    assert {"user.role_changed", "user.deactivated", "user.password_reset"} <= actions
    assert all(event.actor_id == organiser.id for event in events_)
    assert "een-nieuw-wachtwoord-1" not in repr([event.details for event in events_])


def test_moderation_by_an_organiser_is_audited_but_own_deletion_is_not(
    client, login, make_user, make_case, make_comment, organiser
):
    case = make_case()
    writer = make_user()
    own = make_comment(case, author=writer)
    other = make_comment(case)
    login(writer)
    client.post(f"/comments/{own.id}/delete")
    login(organiser)
    client.post(f"/comments/{other.id}/delete", data={"reason": "Scheldwoorden"})
    moderated = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "comment.moderated")
    ).all()
    assert [(event.target_id, event.actor_id) for event in moderated] == [(other.id, organiser.id)]
    assert moderated[0].details["reason"] == "Scheldwoorden"


def test_audit_page_for_organisers_with_filters(client, login, make_user, organiser):
    from app.audit.services import record_now

    person = make_user()
    record_now("login.failed", None, person, step="password")
    record_now("logout", person, person)
    login(person)
    assert client.get("/admin/audit").status_code == 403
    login(organiser)
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "inloggen mislukt" in page and "uitgelogd" in page
    page = client.get("/admin/audit?action=logout").get_data(as_text=True)
    table = page.split('id="audit-events"')[1]  # the filter's options name every action
    assert "inloggen mislukt" not in table and "uitgelogd" in table
    page = client.get(f"/admin/audit?user={organiser.id}").get_data(as_text=True)
    assert "0 gebeurtenissen" in page
    # Unknown filter values do not break the page.
    assert client.get("/admin/audit?action=onzin&since=gisteren&user=x").status_code == 200


def test_audit_details_never_keep_secrets_or_names(app, make_user):
    from app.audit.services import record

    user = make_user()
    event = record(
        "user.created",
        user,
        user,
        {"password": "x", "email": "a@b", "role": "expert", "totp_code": 1},
    )
    assert event.details == {"role": "expert"}
