"""What a results page says besides its hits, all within the reader's scope.

- A misspelled search ("statushouers") that no case answers with all its words is run as
  its spelling suggestion instead, when that one is answered; the page says so and keeps
  the search as typed one click away (services.search).
- When no case holds all the words, the page says the hits are partial matches.
- When nothing is found at all, the themes the words point to, with a way to browse by
  theme.
"""

import re
from dataclasses import dataclass

import sqlalchemy as sa
from whoosh.query import Query, Term

from app.extensions import db
from app.models import Theme
from app.search import facets, morphology
from app.search.analysis import analyse, folded
from app.search.score import Clauses
from app.search.storage import IndexView
from app.search.thesaurus import SynonymList

PARTIAL = "Geen casus bevat alle woorden; dit zijn de beste gedeeltelijke treffers."
MAX_THEMES = 3


@dataclass(frozen=True)
class ThemePointer:
    slug: str
    name: str
    count: int


def complete(query: Query | None, matched: int) -> int:
    """How many of the matched documents (a bitmask) hold every word of the query."""
    if isinstance(query, Clauses) and len(query.subqueries) > 1:
        if query.complete is None:  # not scored: nothing was searched
            return 0
        return (facets.mask_bits(query.complete) & matched).bit_count()
    return matched.bit_count()


def partial(query: Query | None, total: int, complete_count: int) -> str | None:
    """The notice for hits of which none holds every word typed, else None."""
    if total and not complete_count and isinstance(query, Clauses):
        return PARTIAL
    return None


def _terms(text: str, synonyms: SynonymList) -> set[str]:
    """The index terms of a text with their compound parts and synonyms."""
    expansions = synonyms.expansions()
    terms = set()
    for word in re.findall(r"\w+", folded(text)):
        for term in analyse(word):
            terms.add(term)
            for entry in expansions.get((term,), ()):
                terms.update(entry)
        terms.update(morphology.parts(word))
    return terms


def themes_for(
    index_view: IndexView, text: str, allowed: int, synonyms: SynonymList
) -> list[ThemePointer]:
    """The themes whose name or description shares a word (or synonym) with the search,
    most readable cases first; only themes with cases the reader may read."""
    wanted = _terms(text, synonyms)
    if not wanted:
        return []
    by_theme = facets.value_bits(index_view, "theme")
    # Cases only: the library's methods have themes too.
    allowed &= ~facets.query_bits(index_view, Term("doc_type", "method"), cache_key="methods")
    found = []
    for slug, name, description in db.session.execute(
        sa.select(Theme.slug, Theme.name, Theme.description)
    ):
        count = (by_theme.get(slug, 0) & allowed).bit_count()
        if count and wanted & _terms(f"{name} {description or ''}", synonyms):
            found.append(ThemePointer(slug, name, count))
    found.sort(key=lambda pointer: (-pointer.count, pointer.name))
    return found[:MAX_THEMES]
