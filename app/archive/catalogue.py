"""Reading the published archive: pages, browsing, exports and feeds. Published content only."""

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import (
    CASE_SECTIONS,
    ArchivePublication,
    Case,
    Dilemma,
    Method,
    PolarisationKind,
    PublishedReflection,
    Reflection,
    Theme,
    User,
    case_dilemmas,
    case_themes,
)
from app.permissions import published_clause

SECTION_FIELDS = tuple(name for name, _label in CASE_SECTIONS)


def _published() -> sa.Select[tuple[ArchivePublication]]:
    return (
        sa.select(ArchivePublication)
        .join(ArchivePublication.case)
        .where(published_clause())
        .options(
            selectinload(ArchivePublication.case).selectinload(Case.themes),
            selectinload(ArchivePublication.case).selectinload(Case.dilemmas),
            selectinload(ArchivePublication.case).selectinload(Case.municipality),
        )
    )


def published(publication_id: int) -> ArchivePublication | None:
    return db.session.scalar(_published().where(ArchivePublication.id == publication_id))


def recent(limit: int = 10, theme_slug: str | None = None) -> list[ArchivePublication]:
    query = _published()
    if theme_slug:
        query = query.where(Case.themes.any(Theme.slug == theme_slug))
    return list(
        db.session.scalars(
            query.order_by(
                ArchivePublication.published_at.desc(), ArchivePublication.id.desc()
            ).limit(limit)
        )
    )


def all_published() -> list[ArchivePublication]:
    return list(db.session.scalars(_published().order_by(ArchivePublication.id)))


def published_reflections(publication: ArchivePublication) -> list[PublishedReflection]:
    """The reflections of the public copy, each in the version the organiser reviewed; their
    authors are shown by organisation only."""
    return reflections_by_publication([publication])[publication.id]


def reflections_by_publication(
    publications: list[ArchivePublication],
) -> dict[int, list[PublishedReflection]]:
    """`published_reflections` for several publications in one query (exports, the portal)."""
    found: dict[int, list[PublishedReflection]] = {p.id: [] for p in publications}
    if not found:
        return found
    for row in db.session.scalars(
        sa.select(PublishedReflection)
        .join(PublishedReflection.reflection)
        .where(PublishedReflection.publication_id.in_(found))
        .order_by(Reflection.created_at, Reflection.id)
        .options(
            selectinload(PublishedReflection.version),
            selectinload(PublishedReflection.reflection)
            .selectinload(Reflection.author)
            .load_only(User.organisation),
        )
    ):
        found[row.publication_id].append(row)
    return found


@dataclass(frozen=True)
class BrowseItem:
    value: str
    label: str
    count: int


def browse() -> dict[str, list[BrowseItem]]:
    """Themes, dilemmas and kinds of polarisation that occur in the archive, with counts."""
    themes = db.session.execute(
        sa.select(Theme.slug, Theme.name, sa.func.count(ArchivePublication.id))
        .select_from(ArchivePublication)
        .join(Case, Case.id == ArchivePublication.case_id)
        .join(case_themes, case_themes.c.case_id == Case.id)
        .join(Theme, Theme.id == case_themes.c.theme_id)
        .where(published_clause())
        .group_by(Theme.slug, Theme.name)
        .order_by(Theme.name)
    ).all()
    dilemmas = db.session.execute(
        sa.select(Dilemma.number, Dilemma.title, sa.func.count(ArchivePublication.id))
        .select_from(ArchivePublication)
        .join(Case, Case.id == ArchivePublication.case_id)
        .join(case_dilemmas, case_dilemmas.c.case_id == Case.id)
        .join(Dilemma, Dilemma.id == case_dilemmas.c.dilemma_id)
        .where(published_clause())
        .group_by(Dilemma.number, Dilemma.title)
        .order_by(Dilemma.number)
    ).all()
    kinds = dict(
        db.session.execute(
            sa.select(Case.polarisation_kind, sa.func.count(ArchivePublication.id))
            .join(ArchivePublication, ArchivePublication.case_id == Case.id)
            .where(published_clause())
            .group_by(Case.polarisation_kind)
        ).all()
    )
    return {
        "theme": [BrowseItem(slug, name, count) for slug, name, count in themes],
        "dilemma": [
            BrowseItem(str(number), f"{number}. {title}", count)
            for number, title, count in dilemmas
        ],
        "kind": [
            BrowseItem(kind.value, kind.label, kinds[kind])
            for kind in PolarisationKind
            if kinds.get(kind)
        ],
    }


def public_methods() -> list[Method]:
    """Methods of the library that their curators marked public."""
    return list(
        db.session.scalars(
            sa.select(Method)
            .where(Method.is_public.is_(True))
            .order_by(Method.name)
            .options(selectinload(Method.themes))
        )
    )


def public_method(method_id: int) -> Method | None:
    return db.session.scalar(
        sa.select(Method).where(Method.id == method_id, Method.is_public.is_(True))
    )


def publications_using(method: Method) -> list[ArchivePublication]:
    """Published cases that linked this method (the network's links stay in the network)."""
    return list(
        db.session.scalars(
            _published()
            .where(Case.methods.any(Method.id == method.id))
            .order_by(ArchivePublication.title)
        )
    )


def theme_by_slug(slug: str) -> Theme | None:
    return db.session.scalar(sa.select(Theme).where(Theme.slug == slug))


def export_records(url_for_publication) -> list[dict]:
    """The open-data export: published text and facts, no authors, with the licence."""
    licence = current_app.config["ARCHIVE_LICENCE"]
    licence_url = current_app.config["ARCHIVE_LICENCE_URL"]
    records = []
    publications = all_published()
    reflections = reflections_by_publication(publications)
    for publication in publications:
        case = publication.case
        records.append(
            {
                "id": publication.id,
                "url": url_for_publication(publication),
                "title": publication.title,
                "municipality": case.municipality.name,
                "province": case.municipality.province,
                "municipality_size": case.municipality.size_class.value,
                "themes": [theme.name for theme in case.themes],
                "dilemmas": [dilemma.number for dilemma in case.dilemmas],
                "polarisation_kind": case.polarisation_kind.value,
                "status": case.status.value,
                "published_at": publication.published_at.isoformat(timespec="seconds") + "Z",
                **{name: getattr(publication, name) for name in SECTION_FIELDS},
                "reflections": [
                    {
                        "organisation": reflection.author.organisation or "",
                        "body": reflection.body,
                        "key_lessons": reflection.key_lessons,
                    }
                    for reflection in reflections[publication.id]
                ],
                "licence": licence,
                "licence_url": licence_url,
            }
        )
    return records
