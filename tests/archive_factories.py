"""Publications in each phase of the review queue, built through the archive's own services."""

import pytest

from app.archive import services as archive_services
from app.archive.snapshots import Phase
from app.cases.services import update_case
from app.models import ArchivePublication, Case, Role, User
from app.reflections.services import add_reflection, edit_reflection

CHECKLIST = [key for key, _label in archive_services.CHECKLIST]


def edit_summary(case: Case, editor: User, summary: str) -> None:
    """Save the case as its edit form would, with another summary: a new case version."""
    data = {
        "title": case.title,
        "polarisation_kind": case.polarisation_kind.value,
        "status": case.status.value,
        "themes": [theme.id for theme in case.themes],
        **{name: getattr(case, name) for name in archive_services.SECTION_FIELDS},
        "summary": summary,
    }
    update_case(case, data, share=True, editor=editor)


@pytest.fixture
def make_publication(write_case, make_user, organiser):
    """A publication that is in `phase`; with a reflection its expert consented to publish,
    unless reflection=False. Updates then come from the reflections where there is one, from
    the case text where there is not."""

    def _make(phase: Phase, reflection: bool = True) -> ArchivePublication:
        author, expert = make_user(), make_user(Role.EXPERT, organisation="Movisie")
        case = write_case(author=author, title=f"Casus die {phase.value} is")
        included = add_reflection(case, expert, "Een reflectie.", "") if reflection else None
        if included is not None:
            archive_services.set_reflection_consent(included, expert, True)
        publication = archive_services.propose(case, author)
        if phase == Phase.RETURNED:
            archive_services.send_back(publication, organiser, "Haal de namen weg.")
        if phase in (Phase.WAITING_FOR_CONSENT, Phase.RETURNED):
            return publication
        archive_services.record_consent(publication, author, "afdelingshoofd")
        if phase == Phase.CONSENT_OUTDATED:
            edit_summary(case, author, "Gewijzigd na de toestemming.")
        if phase in (Phase.READY, Phase.CONSENT_OUTDATED):
            return publication
        archive_services.publish(publication, organiser, CHECKLIST)
        if phase == Phase.UNPUBLISHED:
            archive_services.unpublish(publication, organiser)
        elif phase == Phase.UPDATE_WAITING_FOR_CONSENT:
            edit_summary(case, author, "Gewijzigd na de publicatie.")
        elif phase == Phase.UPDATE_READY and included is not None:
            later = add_reflection(case, make_user(Role.EXPERT), "Een latere reflectie.", "")
            archive_services.set_reflection_consent(later, later.author, True)
        elif phase == Phase.UPDATE_READY:
            edit_summary(case, author, "Gewijzigd en opnieuw toegestemd.")
            archive_services.record_consent(publication, author, "afdelingshoofd")
        elif phase == Phase.UPDATE_RETURNED:
            if included is not None:
                edit_reflection(included, "Een bijgewerkte reflectie.", "", editor=expert)
            else:
                edit_summary(case, author, "Gewijzigd na de publicatie.")
            archive_services.send_back(publication, organiser, "Nog niet zo.")
        return publication

    return _make
