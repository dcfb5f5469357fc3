"""Searching Casusplein: the one API the views use. Everything runs inside the user's scope."""

import math
from dataclasses import dataclass, field, replace
from pathlib import Path

from flask import current_app
from markupsafe import Markup
from whoosh.query import Every, Query

from app import reference
from app.extensions import db
from app.models import CaseStatus, PolarisationKind, SizeClass
from app.permissions import AnyUser, read_scope
from app.search import background, collect, facets, guidance, highlight, similar, writer
from app.search.query import clean, in_index, parse, scope_query
from app.search.schema import ARCHIVE_TEXT_FIELDS, FACET_FIELDS, NETWORK_TEXT_FIELDS, text_reader
from app.search.spelling import suggest
from app.search.storage import ARCHIVE, NETWORK, IndexView, retry_on_fresh_searchers, store, view
from app.search.thesaurus import SynonymList

FACET_LABELS = {
    "theme": "Thema",
    "municipality": "Gemeente",
    "size": "Grootte gemeente",
    "kind": "Soort polarisatie",
    "dilemma": "Dilemma",
    "status": "Stand van zaken",
    "year": "Jaar",
}
SORTS = {"relevance": "relevantie", "newest": "nieuwste eerst"}
MAX_PAGE = 50
SIMILAR_LIMIT = 5
UNAVAILABLE = "Zoeken is tijdelijk niet beschikbaar. Probeer het over een paar minuten opnieuw."

_synonyms: dict[str, SynonymList] = {}


def synonyms() -> SynonymList:
    path = current_app.config["SEARCH_SYNONYMS_FILE"]
    if path not in _synonyms:
        _synonyms[path] = SynonymList(Path(path))
    return _synonyms[path]


@dataclass(frozen=True)
class SearchParams:
    """A search as its URL says it. `facets` holds (facet, value) pairs; several values of one
    facet mean any of them (theme A or theme B), different facets all of them."""

    text: str = ""
    facets: tuple[tuple[str, str], ...] = ()
    sort: str = "relevance"
    page: int = 1
    # Search the words as typed, not a spelling suggestion run in their place.
    as_typed: bool = False

    @property
    def heading_text(self) -> str:
        """The words for "resultaten voor …": a quoted phrase keeps one pair of quotes."""
        text = self.text
        if text.count('"') == 2 and text.startswith('"') and text.endswith('"'):
            text = text[1:-1]
        return text if '"' in text else f"“{text}”"

    def selected(self, name: str) -> list[str]:
        return [value for facet, value in self.facets if facet == name]

    def args(self, **changes) -> dict[str, str | int | list[str]]:
        """URL arguments for this search, with some changed; a changed search starts at page 1."""
        chosen: dict[str, list[str]] = {}
        for name, value in self.facets:
            chosen.setdefault(name, []).append(value)
        values = {"q": self.text, **chosen, "sort": self.sort, "page": self.page}
        if self.as_typed and "q" not in changes:
            values["as_typed"] = 1
        if "page" not in changes:
            values["page"] = 1
        values.update(changes)
        if values.get("sort") == "relevance":
            values.pop("sort")
        if values.get("page") == 1:
            values.pop("page")
        return {key: value for key, value in values.items() if value not in ("", None, [])}

    def toggled(self, name: str, value: str) -> dict[str, str | int | list[str]]:
        """The arguments with this facet value added, or taken away when it was chosen."""
        chosen = self.selected(name)
        return self.args(
            **{name: [v for v in chosen if v != value] if value in chosen else [*chosen, value]}
        )


@dataclass
class Hit:
    """A case, or a method of the library (case_id None, method_id set)."""

    case_id: int | None
    method_id: int | None
    publication_id: int | None
    title: Markup
    snippet: Markup
    snippet_label: str
    municipality: str
    themes: list[str]
    year: str
    kind: str
    status: str
    is_draft: bool


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class Facet:
    name: str
    label: str
    values: list[FacetValue]


@dataclass
class SearchPage:
    params: SearchParams
    archive: bool
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    page: int = 1
    pages: int = 1
    facets: list[Facet] = field(default_factory=list)
    suggestion: str | None = None
    notice: str | None = None
    unavailable: bool = False
    # The search as typed, when these are the results of its spelling suggestion instead.
    corrected_from: str | None = None
    # Hits, but none holds every word typed: the notice that says so (guidance.PARTIAL).
    partial: str | None = None
    # Matches holding every word typed.
    complete: int = 0
    # With nothing found: the themes the words point to.
    themes: list[guidance.ThemePointer] = field(default_factory=list)


@dataclass(frozen=True)
class SimilarCase:
    case_id: int
    publication_id: int | None
    title: str
    municipality: str


def _municipality_labels() -> dict[str, str]:
    return dict(reference.municipality_choices())


def _labels() -> dict[str, dict[str, str]]:
    # The names of themes, municipalities and dilemmas: the worker's reference lists (as the
    # case list's filters), not three statements on every results page.
    return {
        "theme": dict(reference.theme_choices()),
        "municipality": _municipality_labels(),
        "size": dict(SizeClass.choices()),
        "kind": dict(PolarisationKind.choices()),
        "dilemma": dict(reference.dilemma_choices()),
        "status": dict(CaseStatus.choices()),
        "year": {},
    }


def _target(user: AnyUser, archive: bool) -> tuple[IndexView, int, dict[str, float], bool]:
    """The index this user searches and the documents in it they may see."""
    scope = read_scope(user)
    if archive or scope.archive_only:
        # The archive index only holds what is published: everything in it is readable.
        archive_view = view(store(), ARCHIVE)
        return archive_view, facets.all_bits(archive_view), ARCHIVE_TEXT_FIELDS, True
    network_view = view(store(), NETWORK)
    if scope.everything:
        return network_view, facets.all_bits(network_view), NETWORK_TEXT_FIELDS, False
    allowed = facets.query_bits(network_view, scope_query(scope), cache_key=repr(scope))
    return network_view, allowed, NETWORK_TEXT_FIELDS, False


def _matched(index_view: IndexView, query: Query | None, allowed: int) -> int:
    if query is None:
        return allowed
    return collect.matched(index_view.searcher, query, index_view.cache) & allowed


def _id(fields: dict, fieldname: str) -> int | None:
    return int(fields[fieldname]) if fields.get(fieldname) else None


def _hit(hit, labels: dict[str, dict[str, str]], terms: dict[str, frozenset[str]]) -> Hit:
    searcher = hit.searcher
    texts: dict[str, str] = {}

    def text_of(fieldname: str) -> str:
        # Each read decompresses the text: a hit whose words are in none of the snippet
        # fields reads its body twice (for the words, then for its opening).
        if fieldname not in texts:
            texts[fieldname] = text_reader(searcher, fieldname)(hit.docnum)
        return texts[fieldname]

    snippet, label = highlight.snippet(text_of, terms)
    fields = hit.fields()  # the stored fields as a dict: Hit.get() asks for them each time
    themes = [slug for slug in (fields.get("theme") or "").split(",") if slug]
    return Hit(
        case_id=_id(fields, "case_id"),
        method_id=_id(fields, "method_id"),
        publication_id=_id(fields, "publication_id"),
        title=highlight.title(fields.get("title", ""), terms),
        snippet=snippet,
        snippet_label=label,
        municipality=labels["municipality"].get(fields.get("municipality", ""), ""),
        themes=[labels["theme"].get(slug, slug) for slug in themes],
        year=fields.get("year", ""),
        kind=labels["kind"].get(fields.get("kind", ""), ""),
        status=labels["status"].get(fields.get("status", ""), ""),
        is_draft=fields.get("visibility") == "draft",
    )


def _plain_hit(hit) -> Hit:
    fields = hit.fields()
    return Hit(
        case_id=_id(fields, "case_id"),
        method_id=_id(fields, "method_id"),
        publication_id=_id(fields, "publication_id"),
        title=Markup.escape(fields.get("title", "")),
        snippet=Markup(""),
        snippet_label="",
        municipality="",
        themes=[],
        year=fields.get("year", ""),
        kind="",
        status="",
        is_draft=fields.get("visibility") == "draft",
    )


def _facet_filters(index_view: IndexView, params: SearchParams) -> dict[str, int]:
    """Facet -> the documents with any of its chosen values, for the facets chosen."""
    filters: dict[str, int] = {}
    for name, value in params.facets:
        mask = facets.value_bits(index_view, name).get(value, 0)
        filters[name] = filters.get(name, 0) | mask
    return filters


def _narrowed(matched: int, filters: dict[str, int], leave_out: str | None = None) -> int:
    for name, mask in filters.items():
        if name != leave_out:
            matched &= mask
    return matched


def _facets(
    index_view: IndexView, matched: int, filters: dict[str, int], params: SearchParams, labels
) -> list[Facet]:
    """Counts per facet value. A facet's own choice is left out of its counts, so its other
    values show what choosing them as well would add; every other choice applies."""
    result = []
    for name in FACET_FIELDS:
        counted = facets.counts(index_view, name, _narrowed(matched, filters, leave_out=name))
        chosen = params.selected(name)
        values = [
            FacetValue(value, labels[name].get(value, value), count, value in chosen)
            for value, count in counted.items()
        ]
        order = (lambda v: -int(v.value)) if name == "year" else (lambda v: (-v.count, v.label))
        values.sort(key=order)
        if values:
            result.append(Facet(name, FACET_LABELS[name], values))
    return result


def _catch_up() -> bool:
    """Apply what the change log holds first, so a search finds every change committed before
    it (the searcher's own, other instances'); False when the index could not catch up."""
    try:
        return writer.catch_up_if_behind(wait=current_app.config["SEARCH_CATCH_UP_TIMEOUT"])
    except Exception:  # a broken or full index must not stop the search of what it holds
        current_app.logger.exception("Catching up the search index before a search failed.")
        return False


def search(
    user: AnyUser, params: SearchParams, archive: bool = False, full: bool = True
) -> SearchPage:
    """One page of results with facet counts and suggestions, all within the user's scope.

    With full=False only the hits themselves (no snippets, facets or suggestions): the cheap
    form for quick look-ups and the benchmark's "plain" mode. When the index cannot be read,
    an empty page that says so: search is down, the rest of the site is not.
    """
    _catch_up()
    try:
        result = retry_on_fresh_searchers(_search_or_correction, user, params, archive, full)
    except Exception:  # Whoosh on a damaged index raises all sorts (EOFError, struct.error, ...)
        current_app.logger.exception("Search failed; answering that search is unavailable.")
        db.session.rollback()
        return SearchPage(
            params=replace(params, text=clean(params.text).text),
            archive=archive or read_scope(user).archive_only,
            notice=UNAVAILABLE,
            unavailable=True,
        )
    return result


def _search_or_correction(
    user: AnyUser, params: SearchParams, archive: bool, full: bool
) -> SearchPage:
    result = _search(user, params, archive, full, correctable=not params.as_typed)
    if result.suggestion and not params.as_typed and not result.complete:
        # No case has all the words typed, and the suggestion is answered (suggest()
        # offers nothing else): show its results, with the words as typed one click away.
        corrected = _search(user, replace(params, text=result.suggestion), archive, full)
        corrected.corrected_from = result.params.text
        return corrected
    return result


def _search(
    user: AnyUser, params: SearchParams, archive: bool, full: bool, correctable: bool = False
) -> SearchPage:
    """One search. `correctable`: when its suggestion is to be searched instead (see
    _search_or_correction), the page is left without hits and facets, which nobody sees."""
    cleaned = clean(params.text)
    params = replace(params, text=cleaned.text)
    index_view, allowed, fields, archive = _target(user, archive)
    searcher = index_view.searcher
    query = parse(cleaned.text, searcher.schema, fields, synonyms(), in_index(searcher, fields))
    filters = _facet_filters(index_view, params)
    per_page = current_app.config["SEARCH_RESULTS_PER_PAGE"]
    wanted = min(max(params.page, 1), MAX_PAGE)
    results, matched, narrowed = None, 0, 0
    if allowed:
        # One pass gives the hits up to the wanted page (within the chosen facets) and every
        # match in the user's scope, for the total and the facet counts.
        newest = params.sort == "newest" or query is None
        everything = allowed == facets.all_bits(index_view)
        within = _narrowed(allowed, filters) if filters else None
        results, matched = collect.run(
            searcher,
            query or Every(),
            None if everything else allowed,
            limit=wanted * per_page,
            newest=newest,
            cache=index_view.cache,
            within=within,
        )
        narrowed = _narrowed(matched, filters)
    total = narrowed.bit_count()
    pages = max(1, math.ceil(total / per_page))
    page = min(wanted, pages)
    result = SearchPage(
        params=params, archive=archive, total=total, page=page, pages=min(pages, MAX_PAGE)
    )
    result.notice = cleaned.notice
    start = (page - 1) * per_page
    if not full:
        if total:
            result.hits = [_plain_hit(hit) for hit in results[start : start + per_page]]
        return result
    result.complete = guidance.complete(query, narrowed)
    result.partial = guidance.partial(query, total, result.complete)
    scope = _narrowed(allowed, filters)
    if query is not None and not result.complete:
        # Some word may be misspelled: a suggestion must find cases with all its words.
        result.suggestion = suggest(
            index_view, cleaned.text, scope, 0, lambda text: _count(index_view, text, fields, scope)
        )
        if result.suggestion and correctable:
            return result
    labels = _labels()
    if total:
        # The words to mark, looked up once for the page rather than per hit.
        terms = highlight.query_terms(query, searcher.reader())
        result.hits = [_hit(hit, labels, terms) for hit in results[start : start + per_page]]
    result.facets = _facets(index_view, matched, filters, params, labels)
    if query is not None and not total:
        result.themes = guidance.themes_for(index_view, cleaned.text, allowed, synonyms())
    return result


def _count(index_view: IndexView, text: str, fields: dict[str, float], allowed: int) -> int:
    """How many readable documents hold every word of `text`."""
    searcher = index_view.searcher
    query = parse(text, searcher.schema, fields, synonyms(), in_index(searcher, fields))
    return guidance.complete(query, _matched(index_view, query, allowed))


def similar_cases(
    user: AnyUser, case_id: int, archive: bool = False, limit: int = SIMILAR_LIMIT
) -> list[SimilarCase]:
    """The cases most like this one that the user may read; never the case itself.

    An unreadable index gives an empty list: the case page itself must still be served.
    """
    try:
        # Similar cases need not wait for the newest changes: they nudge the indexer.
        background.catch_up_soon()
    except Exception:
        current_app.logger.exception("Catching up the search index before similar cases failed.")
    try:
        return retry_on_fresh_searchers(_similar, user, case_id, archive, limit)
    except Exception:
        current_app.logger.exception("Similar cases failed; showing none.")
        db.session.rollback()
        return []


def _similar(user: AnyUser, case_id: int, archive: bool, limit: int) -> list[SimilarCase]:
    """The case's precomputed list (similar.py), within the reader's scope at this moment."""
    index_view, allowed, _fields, archive = _target(user, archive)
    searcher = index_view.searcher
    found = []
    for other_id, _score in similar.lookup(index_view.path, case_id):
        docnum = collect.document_number(searcher, "case_id", str(other_id))
        if docnum is None or not allowed >> docnum & 1:
            continue
        fields = searcher.stored_fields(docnum)
        found.append(
            SimilarCase(
                case_id=other_id,
                publication_id=_id(fields, "publication_id"),
                title=fields.get("title", ""),
                municipality=fields.get("municipality", ""),
            )
        )
        if len(found) == limit:
            break
    if found:
        municipalities = _municipality_labels()
        found = [
            replace(item, municipality=municipalities.get(item.municipality, "")) for item in found
        ]
    return found


def save_synonyms(text: str) -> None:
    """Replace the synonym list; every process picks it up at its next search."""
    synonyms().save(text)
