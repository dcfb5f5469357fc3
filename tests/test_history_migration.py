"""The edit-history migration on a database that already has publications: what the archive
shows stays the reviewed copy, and a reflection nobody reviewed leaves the public copy."""

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app.archive import services as archive_services
from app.archive import snapshots
from app.auth.services import hash_password
from app.cases.services import create_case
from app.extensions import db
from app.models import (
    ArchivePublication,
    CaseVersion,
    Municipality,
    PublishedReflection,
    Reflection,
    ReflectionConsent,
    Role,
    SearchChange,
    SizeClass,
    Theme,
    User,
)
from app.reflections.services import add_reflection
from tests.conftest import _app_for

BEFORE = "e5a7c9b1d3f2"  # the head before the edit history


def _people():
    town = Municipality(name="Oudestad", size_class=SizeClass.SMALL, province="Utrecht")
    password = hash_password("geheim-wachtwoord-123")
    author = User(
        email="a@oudestad.nl", display_name="A", role=Role.PARTICIPANT, municipality=town,
        password_hash=password,
    )  # fmt: skip
    expert = User(
        email="e@movisie.nl", display_name="E", role=Role.EXPERT, organisation="Movisie",
        password_hash=password,
    )  # fmt: skip
    organiser = User(
        email="o@net.nl", display_name="O", role=Role.ORGANISER, password_hash=password
    )
    db.session.add_all([town, author, expert, organiser])
    db.session.commit()
    return author, expert, organiser


def test_existing_publications_keep_their_reviewed_copy_and_lose_unreviewed_reflections(
    tmp_path,
):
    app = _app_for(tmp_path / "old")
    with app.app_context():
        upgrade()
        author, expert, organiser = _people()
        theme = db.session.scalar(sa.select(Theme.id))
        case = create_case(
            author,
            {"title": "Een gepubliceerde casus", "polarisation_kind": "both", "status": "open",
             "themes": [theme], "summary": "Zoals gecontroleerd.", "situation": "s",
             "question": "q"},
            share=True,
        )  # fmt: skip
        reviewed = add_reflection(case, expert, "Gecontroleerde reflectie.", "")
        archive_services.set_reflection_consent(reviewed, expert, True)
        publication = archive_services.propose(case, author)
        archive_services.record_consent(publication, author, "wethouder")
        archive_services.publish(
            publication, organiser, [key for key, _label in archive_services.CHECKLIST]
        )
        case_id, publication_id, reviewed_id = case.id, publication.id, reviewed.id
        expert_id = expert.id
        db.session.remove()

        # Back to before the history, and what the old code let happen after publication.
        downgrade(revision=BEFORE)
        with db.engine.begin() as connection:
            connection.execute(
                sa.text("UPDATE cases SET summary = 'Later in het netwerk.' WHERE id = :id"),
                {"id": case_id},
            )
            connection.execute(
                sa.text(
                    "INSERT INTO reflections (case_id, author_id, body, key_lessons, created_at,"
                    " updated_at) VALUES (:case, :expert, 'Nooit gecontroleerd.', '',"
                    " '2999-01-01', '2999-01-01')"
                ),
                {"case": case_id, "expert": expert_id},
            )
            late_id = connection.execute(sa.text("SELECT max(id) FROM reflections")).scalar()
            connection.execute(
                sa.text(
                    "INSERT INTO reflection_consents (reflection_id, given_at) "
                    "VALUES (:id, '2999-01-01')"
                ),
                {"id": late_id},
            )
        upgrade()

        publication = db.session.get(ArchivePublication, publication_id)
        versions = db.session.scalars(
            sa.select(CaseVersion)
            .where(CaseVersion.case_id == case_id)
            .order_by(CaseVersion.number)
        ).all()
        assert [v.summary for v in versions] == ["Zoals gecontroleerd.", "Later in het netwerk."]
        assert publication.published_version_id == versions[0].id
        assert publication.consent_version_id == versions[0].id
        assert publication.summary == "Zoals gecontroleerd."
        shown = db.session.scalars(sa.select(PublishedReflection.reflection_id)).all()
        assert shown == [reviewed_id]
        assert db.session.get(Reflection, late_id) is not None
        assert db.session.get(ReflectionConsent, late_id) is not None
        assert db.session.scalar(
            sa.select(SearchChange).where(
                SearchChange.entity == "publication", SearchChange.action == "migrated"
            )
        )
        # The network's edit now waits for consent and review as an update.
        assert snapshots.phase(publication) == snapshots.Phase.UPDATE_WAITING_FOR_CONSENT
        db.session.remove()
        db.engine.dispose()
