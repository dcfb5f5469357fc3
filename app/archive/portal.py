"""The archive as a knowledge portal: what a visitor from another municipality browses by.

Reads published content only, through the catalogue (so the reflections shown are the ones
the catalogue publishes); the landing page and the anonymous home page share it.
"""

import re
from dataclasses import dataclass, field

import sqlalchemy as sa

from app.archive import catalogue
from app.extensions import db
from app.models import ArchivePublication, Dilemma, Method, PolarisationKind, Theme

LESSONS_PER_THEME = 3
CASES_PER_THEME = 3
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(.*\S)\s*$")

KIND_EXPLANATIONS = {
    PolarisationKind.VERTICAL: "Wantrouwen van inwoners in de overheid, vaak gevoeld aan de balie.",
    PolarisationKind.HORIZONTAL: "Wij-zij-denken tussen groepen inwoners of rond een thema.",
    PolarisationKind.BOTH: "Spanning tussen groepen die ook de verhouding met de gemeente raakt.",
}


@dataclass
class ThemeEntry:
    slug: str
    name: str
    description: str
    count: int
    lessons: list[str] = field(default_factory=list)  # Markdown, rendered by the template
    cases: list[ArchivePublication] = field(default_factory=list)


@dataclass(frozen=True)
class DilemmaEntry:
    number: int
    title: str
    question: str
    count: int


@dataclass(frozen=True)
class KindEntry:
    value: str
    label: str
    explanation: str
    count: int


def _lessons(text: str) -> list[str]:
    """The bullet points of a 'Belangrijkste lessen' text (or its first paragraph)."""
    bullets = [m.group(1) for line in text.splitlines() if (m := _BULLET.match(line))]
    if bullets:
        return bullets
    first = text.strip().split("\n\n", 1)[0].strip()
    return [first] if first else []


@dataclass(frozen=True)
class Portal:
    themes: list[ThemeEntry]
    dilemmas: list[DilemmaEntry]
    kinds: list[KindEntry]


def portal(with_lessons: bool = True) -> Portal:
    """Everything the archive can be browsed by, counted once."""
    browse = catalogue.browse()
    return Portal(_themes(browse, with_lessons), _dilemmas(browse), _kinds(browse))


def _themes(browse: dict, with_lessons: bool) -> list[ThemeEntry]:
    """Every theme in the archive with its description, its latest cases and what the network
    learned about it: the key lessons of the published reflections, then of the outcomes."""
    counted = {item.value: item.count for item in browse["theme"]}
    entries = [
        ThemeEntry(theme.slug, theme.name, theme.description, counted[theme.slug])
        for theme in db.session.scalars(
            sa.select(Theme).where(Theme.slug.in_(counted)).order_by(Theme.name)
        )
    ]
    if not with_lessons:
        return entries
    for entry in entries:
        entry.cases = catalogue.recent(CASES_PER_THEME, entry.slug)
    reflections = catalogue.reflections_by_publication(
        list({p.id: p for entry in entries for p in entry.cases}.values())
    )
    for entry in entries:
        for publication in entry.cases:
            for reflection in reflections[publication.id]:
                entry.lessons += _lessons(reflection.key_lessons)[:1]
        for publication in entry.cases:
            entry.lessons += _lessons(publication.outcome)[:1]
        entry.lessons = list(dict.fromkeys(entry.lessons))[:LESSONS_PER_THEME]
    return entries


def _dilemmas(browse: dict) -> list[DilemmaEntry]:
    counted = {int(item.value): item.count for item in browse["dilemma"]}
    return [
        DilemmaEntry(d.number, d.title, d.question, counted[d.number])
        for d in db.session.scalars(
            sa.select(Dilemma).where(Dilemma.number.in_(counted)).order_by(Dilemma.number)
        )
    ]


KIND_LABELS = {PolarisationKind.BOTH: "verticaal en horizontaal"}


def _kinds(browse: dict) -> list[KindEntry]:
    entries = []
    for item in browse["kind"]:
        kind = PolarisationKind(item.value)
        label = KIND_LABELS.get(kind, kind.label)
        entries.append(KindEntry(item.value, label, KIND_EXPLANATIONS[kind], item.count))
    return entries


def public_methods_of(publication: ArchivePublication) -> list[Method]:
    """The methods the case used that its curators made public (the rest stay in the network)."""
    return [method for method in publication.case.methods if method.is_public]
