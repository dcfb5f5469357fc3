"""Plain rows that the busiest pages read instead of entities: the few attributes they show.

A case list, a dashboard or a thread changes nothing it shows, and loading Case, User or
Municipality entities (every column, the identity map) cost several times the statement.
These small values stand in for the related objects a template reads (`case.municipality.name`,
`item.author.display_name`); the page's own row classes live beside the query that fills them.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Named:
    """A municipality or theme, shown by its name."""

    name: str


@dataclass(frozen=True)
class CaseLink:
    """A case shown as a link to it."""

    id: int
    title: str


@dataclass(frozen=True)
class Writer:
    """Who wrote a comment or reflection, as a line names them."""

    display_name: str
    organisation: str | None = None
