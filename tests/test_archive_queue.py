"""The review queue tells the phase of every publication at once, exactly as `phase` tells it
for one, and groups and orders them by it."""

import pytest

from app.archive import services as archive_services
from app.archive import snapshots
from app.archive.snapshots import Phase
from app.extensions import db


@pytest.fixture
def publications(make_publication):
    """Two publications in every phase, by (phase, with a reflection), in the order proposed."""
    return {
        (phase, reflection): make_publication(phase, reflection)
        for phase in Phase
        for reflection in (True, False)
    }


def test_each_publication_is_in_the_phase_it_was_built_for(publications):
    db.session.expire_all()
    for (phase, _reflection), publication in publications.items():
        assert snapshots.phase(publication) == phase, publication.case.title


def test_the_phases_told_at_once_are_the_phases_told_one_by_one(
    publications, make_publication, make_user
):
    # And one more: published with its reflection, whose expert then withdrew her consent.
    withdrawn = make_publication(Phase.PUBLISHED)
    reflection = withdrawn.case.reflections[0]
    archive_services.set_reflection_consent(reflection, reflection.author, False)
    everyone = [*publications.values(), withdrawn]
    db.session.expire_all()
    together = snapshots.phases(everyone)
    db.session.expire_all()
    one_by_one = {publication.id: snapshots.phase(publication) for publication in everyone}
    assert together == one_by_one
    assert together[withdrawn.id] == Phase.PUBLISHED


def test_the_queue_puts_what_waits_for_the_organiser_first_then_the_oldest(publications):
    def both(phase: Phase) -> list[tuple[int, Phase]]:
        return [(publications[phase, reflection].id, phase) for reflection in (True, False)]

    db.session.expire_all()
    queue = archive_services.review_queue()
    shown = {key: [(p.id, phase) for p, phase in rows] for key, rows in queue.items()}
    assert shown == {
        "new": [
            *both(Phase.READY),
            *both(Phase.WAITING_FOR_CONSENT),
            *both(Phase.CONSENT_OUTDATED),
            *both(Phase.RETURNED),
        ],
        "update": [
            *both(Phase.UPDATE_READY),
            *both(Phase.UPDATE_WAITING_FOR_CONSENT),
            *both(Phase.UPDATE_RETURNED),
        ],
        "published": both(Phase.PUBLISHED),
        "unpublished": both(Phase.UNPUBLISHED),
    }
