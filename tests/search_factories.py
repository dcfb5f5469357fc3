"""Fixtures for search and archive tests: content written through the services (so the change
log and the indexer run as in production) and a shortcut through the publication workflow."""

import re

import pytest
import sqlalchemy as sa
from markupsafe import Markup

from app.archive import services as archive_services
from app.cases.services import create_case
from app.extensions import db
from app.models import Case, Dilemma, Role, Theme, User
from app.search.services import SearchParams, search


@pytest.fixture
def write_case(app, make_user):
    """A case created by the case service, shared with the network unless share=False."""

    def _write(author: User | None = None, share: bool = True, **fields) -> Case:
        author = author or make_user()
        themes = fields.pop("themes", ["jongerengroepen"])
        dilemmas = fields.pop("dilemmas", [])
        data = {
            "title": fields.pop("title", "Spanningen in de wijk"),
            "polarisation_kind": fields.pop("polarisation_kind", "horizontal"),
            "status": fields.pop("status", "open"),
            "themes": list(db.session.scalars(sa.select(Theme.id).where(Theme.slug.in_(themes)))),
            "dilemmas": list(
                db.session.scalars(sa.select(Dilemma.id).where(Dilemma.number.in_(dilemmas)))
            ),
            "summary": fields.pop("summary", "Een samenvatting."),
            "situation": fields.pop("situation", "Wat er speelt."),
            "question": fields.pop("question", "Wat doen anderen?"),
            **fields,
        }
        return create_case(author, data, share=share)

    return _write


@pytest.fixture
def organiser(make_user):
    return make_user(Role.ORGANISER)


@pytest.fixture
def publish(app, organiser):
    """Take a shared case through propose -> consent -> review -> publish."""

    def _publish(case: Case, participant: User | None = None):
        participant = participant or case.author
        publication = archive_services.propose(case, participant)
        archive_services.record_consent(publication, participant, "afdelingshoofd")
        ticked = [key for key, _label in archive_services.CHECKLIST]
        archive_services.publish(publication, organiser, ticked)
        return publication

    return _publish


@pytest.fixture
def find(app):
    """Search as a user; returns the SearchPage."""

    def _find(user, text: str = "", archive: bool = False, **facets):
        sort = facets.pop("sort", "relevance")
        page = facets.pop("page", 1)
        as_typed = facets.pop("as_typed", False)
        params = SearchParams(
            text=text, facets=tuple(facets.items()), sort=sort, page=page, as_typed=as_typed
        )
        return search(user, params, archive=archive)

    return _find


def titles(result) -> list[str]:
    """The plain titles of a result page (highlighting removed)."""
    return [Markup(hit.title).striptags() for hit in result.hits]


def reviewed_token(review_page: str) -> str:
    """The state token a review page carries in its form (what the organiser read)."""
    return re.search(r'name="reviewed" type="hidden" value="([^"]*)"', review_page).group(1)
