"""Index documents built from the database: one per case, with its comments and reflections,
and one per method (methodiek) of the library, told apart by their key field."""

import hashlib
import re
from collections.abc import Iterable, Iterator
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from app.models import (
    CASE_SECTIONS,
    ArchivePublication,
    Case,
    Method,
    PublicationStatus,
    PublishedReflection,
    Reflection,
    ReflectionVersion,
)

SECTION_FIELDS = tuple(name for name, _label in CASE_SECTIONS)
# Markdown syntax that would only clutter a snippet: emphasis, headings, quotes, link targets.
# The lookahead names every character a match can start with: the same matches, found twice
# as fast, as the regex engine need not try each alternative at every other character
# (reading every case for a rebuild spent two thirds of its time here).
_MARKDOWN = re.compile(
    r"(?=[*_`!\[\] \t>#])(?:\*\*|__|[*_`]|!?\[|\]\([^)]*\)|^[ \t]*(?:>+|#+)[ \t]*)", re.MULTILINE
)
_BLANKS = re.compile(r"[ \t]+")


def plain(text: str | None) -> str:
    """Markdown source as readable plain text for the index and its snippets."""
    if not text:
        return ""
    text = _MARKDOWN.sub("", text)
    if "  " in text or "\t" in text:  # otherwise every run of blanks is one space already
        text = _BLANKS.sub(" ", text)
    return text.strip()


def _joined(texts: Iterable[str]) -> str:
    return "\n\n".join(text for text in (plain(t) for t in texts) if text)


def _timestamp(moment: datetime | None) -> int:
    return int(moment.timestamp() * 1_000_000) if moment else 0


def _digest(doc: dict) -> str:
    material = "\x1f".join(f"{key}={doc[key]}" for key in sorted(doc))
    return hashlib.sha1(material.encode("utf-8")).hexdigest()


def _facts(case: Case) -> dict:
    """What network and archive share: themes, municipality, dilemmas and kind."""
    meta = [
        *(theme.name for theme in case.themes),
        case.municipality.name,
        case.municipality.province,
        *(dilemma.title for dilemma in case.dilemmas),
        case.polarisation_kind.label,
    ]
    return {
        "case_id": str(case.id),
        "meta": " \n".join(meta),
        "theme": ",".join(theme.slug for theme in case.themes),
        "municipality": str(case.municipality_id),
        "size": case.municipality.size_class.value,
        "kind": case.polarisation_kind.value,
        "dilemma": ",".join(str(dilemma.number) for dilemma in case.dilemmas),
        "status": case.status.value,
        "year": str(case.created_at.year),
    }


def _reflection_text(reflections: Iterable[Reflection | ReflectionVersion]) -> str:
    return _joined(f"{reflection.body}\n\n{reflection.key_lessons}" for reflection in reflections)


def network_document(case: Case) -> dict:
    doc = {
        **_facts(case),
        "title": case.title,
        "body": _joined(getattr(case, field) for field in SECTION_FIELDS),
        "comments": _joined(comment.body for comment in case.comments if not comment.is_deleted),
        "reflections": _reflection_text(case.reflections),
        "visibility": case.visibility.value,
        "author": str(case.author_id),
        "date": _timestamp(case.shared_at or case.created_at),
    }
    doc["digest"] = _digest(doc)
    return doc


def archive_document(
    publication: ArchivePublication, reflections: Iterable[ReflectionVersion]
) -> dict:
    """Only what was published: the reviewed copy and the reviewed reflection versions."""
    case = publication.case
    doc = {
        **_facts(case),
        "publication_id": str(publication.id),
        "title": publication.title,
        "body": _joined(getattr(publication, field) for field in SECTION_FIELDS),
        "reflections": _reflection_text(reflections),
        "date": _timestamp(publication.published_at),
    }
    doc["digest"] = _digest(doc)
    return doc


def _method_document(method: Method) -> dict:
    """What network and archive share of a method; facet fields only where it has a value."""
    kind = method.polarisation_kind
    doc = {
        "method_id": str(method.id),
        "doc_type": "method",
        "title": method.name,
        "body": _joined((method.summary, method.when_useful, method.how_to)),
        "meta": " \n".join(
            [
                *(theme.name for theme in method.themes),
                *(dilemma.title for dilemma in method.dilemmas),
                kind.label if kind else "",
            ]
        ),
        "theme": ",".join(theme.slug for theme in method.themes),
        "kind": kind.value if kind else "",
        "dilemma": ",".join(str(dilemma.number) for dilemma in method.dilemmas),
        "date": _timestamp(method.created_at),
    }
    return {key: value for key, value in doc.items() if value != ""}


def method_network_document(method: Method) -> dict:
    # Every network member reads the library: the same level as a shared case.
    doc = {**_method_document(method), "visibility": "network"}
    doc["digest"] = _digest(doc)
    return doc


def method_archive_document(method: Method) -> dict | None:
    """Only methods marked public go to the archive."""
    if not method.is_public:
        return None
    doc = _method_document(method)
    doc["digest"] = _digest(doc)
    return doc


def _method_query() -> sa.Select:
    return sa.select(Method).options(selectinload(Method.themes), selectinload(Method.dilemmas))


def method_documents_for(
    session: Session, method_ids: list[int]
) -> tuple[dict[int, dict], dict[int, dict]]:
    """Network and archive documents of these methods; a method missing from a map has none."""
    if not method_ids:
        return {}, {}
    methods = list(session.scalars(_method_query().where(Method.id.in_(method_ids))))
    network = {method.id: method_network_document(method) for method in methods}
    archive = {
        method.id: doc for method in methods if (doc := method_archive_document(method)) is not None
    }
    return network, archive


def doc_key(doc: dict) -> str:
    """A document's key for reports: the case id, or "method-<id>"."""
    return doc["case_id"] if doc.get("case_id") else f"method-{doc['method_id']}"


def _case_query() -> sa.Select:
    return sa.select(Case).options(
        selectinload(Case.themes),
        selectinload(Case.dilemmas),
        selectinload(Case.municipality),
        selectinload(Case.comments),
        selectinload(Case.reflections),
    )


def _published_reflections(
    session: Session, publication_ids: list[int]
) -> dict[int, list[ReflectionVersion]]:
    """Per publication, the reflection versions its public copy holds, oldest reflection first."""
    found: dict[int, list[ReflectionVersion]] = {}
    rows = session.execute(
        sa.select(PublishedReflection.publication_id, ReflectionVersion)
        .join(ReflectionVersion, ReflectionVersion.id == PublishedReflection.version_id)
        .where(PublishedReflection.publication_id.in_(publication_ids))
        .order_by(PublishedReflection.reflection_id)
    )
    for publication_id, version in rows:
        found.setdefault(publication_id, []).append(version)
    return found


def _publications(session: Session, case_ids: list[int]) -> dict[int, ArchivePublication]:
    publications = session.scalars(
        sa.select(ArchivePublication).where(
            ArchivePublication.case_id.in_(case_ids),
            ArchivePublication.status == PublicationStatus.PUBLISHED,
        )
    )
    return {publication.case_id: publication for publication in publications}


def documents_for(session: Session, case_ids: list[int]) -> tuple[dict[int, dict], dict[int, dict]]:
    """Network and archive documents of these cases; a case missing from a map has none."""
    cases = list(session.scalars(_case_query().where(Case.id.in_(case_ids))))
    network = {case.id: network_document(case) for case in cases}
    publications = _publications(session, [case.id for case in cases])
    reflections = _published_reflections(session, [p.id for p in publications.values()])
    archive = {
        case_id: archive_document(publication, reflections.get(publication.id, []))
        for case_id, publication in publications.items()
    }
    return network, archive


def all_documents(session: Session, batch: int = 500) -> Iterator[tuple[dict, dict | None]]:
    """Every case's and method's network document and, when published, its archive document."""
    ids = list(session.scalars(sa.select(Case.id).order_by(Case.id)))
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        network, archive = documents_for(session, chunk)
        for case_id in chunk:
            if case_id in network:
                yield network[case_id], archive.get(case_id)
        # Keep memory flat on large databases: the documents are built, the objects can go.
        session.expunge_all()
    for method in session.scalars(_method_query().order_by(Method.id)):
        yield method_network_document(method), method_archive_document(method)
