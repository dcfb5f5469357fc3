"""Turning what a user typed into a safe Whoosh query, with synonyms and the read scope."""

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

from whoosh import qparser
from whoosh.query import And, CompoundQuery, Every, NullQuery, Or, Phrase, Query, Term

from app.models import Visibility
from app.permissions import ReadScope
from app.search import morphology
from app.search.analysis import folded, pair_term
from app.search.schema import EntryPhrase, pairs_field
from app.search.score import Clauses
from app.search.thesaurus import Entry, SynonymList

MAX_QUERY_CHARS = 200
MAX_WORDS = 24
TOO_LONG = "Je zoekopdracht was erg lang; Casusplein zocht op het begin ervan."

# A `*` only counts as "word starts with" after at least two letters; elsewhere it is noise.
_STRAY_WILDCARD = re.compile(r"(?<!\w\w)\*|\*(?=\w)|\?")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class CleanQuery:
    text: str
    notice: str | None = None


def clean(raw: str | None) -> CleanQuery:
    """Plain words, quoted phrases and trailing `*`; everything else becomes spaces."""
    text = "".join(
        " " if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co") else char
        for char in (raw or "")
    )
    notice = None
    if len(text) > MAX_QUERY_CHARS:
        text, notice = text[:MAX_QUERY_CHARS], TOO_LONG
    text = _STRAY_WILDCARD.sub(" ", text)
    if text.count('"') % 2:
        # An unmatched quote: read the words as plain words instead of a broken phrase.
        head, _quote, tail = text.rpartition('"')
        text = f"{head} {tail}"
    words = _SPACES.sub(" ", text).strip().split(" ")
    if len(words) > MAX_WORDS:
        words, notice = words[:MAX_WORDS], TOO_LONG
    return CleanQuery(" ".join(words).strip(), notice)


# Parsers by schema and fields: making one (its plugins, then taking some out) cost a
# quarter of parsing a query. A schema lives as long as the searchers that read it; the
# parsers of replaced ones go when there are too many.
_parsers: dict[tuple, tuple[object, qparser.QueryParser]] = {}
_PARSERS_KEPT = 16


def _parser(schema, fields: dict[str, float]) -> qparser.QueryParser:
    key = (id(schema), tuple(fields.items()))
    kept = _parsers.get(key)
    if kept is not None and kept[0] is schema:
        return kept[1]
    parser = _new_parser(schema, fields)
    if len(_parsers) >= _PARSERS_KEPT:
        _parsers.clear()
    _parsers[key] = (schema, parser)
    return parser


def _new_parser(schema, fields: dict[str, float]) -> qparser.QueryParser:
    # All words preferred, any word still ranks: an OR that rewards documents matching more.
    parser = qparser.MultifieldParser(
        list(fields), schema, fieldboosts=fields, group=qparser.OrGroup.factory(0.9)
    )
    # No field names, ranges, groups, boosts or AND/OR/NOT operators from user input: those
    # could reach internal fields and turn ordinary Dutch words into syntax.
    for plugin in (
        qparser.SingleQuotePlugin,
        qparser.FieldsPlugin,
        qparser.RangePlugin,
        qparser.GroupPlugin,
        qparser.OperatorsPlugin,
        qparser.BoostPlugin,
        qparser.EveryPlugin,
    ):
        parser.remove_plugin_class(plugin)
    return parser


def _expanded(terms: list[Term], entries: tuple[Entry, ...]) -> Query:
    """One clause for a thesaurus entry: each of its entries in every field of the clause."""
    nodes: list[Query] = []
    for term in terms:
        for entry in entries:
            if len(entry) == 1:
                nodes.append(Term(term.fieldname, entry[0], boost=term.boost))
            else:
                nodes.append(EntryPhrase(term.fieldname, list(entry), boost=term.boost))
    return Or(nodes)


def _with_synonyms(clauses: list[Query], expansions: dict[Entry, tuple[Entry, ...]], longest: int):
    """Words typed that make a thesaurus entry ("drag queen", "windturbine") as one clause
    that also finds the entry's synonyms; the longest entry at each place wins."""
    result = []
    start = 0
    while start < len(clauses):
        for size in range(min(longest, len(clauses) - start), 0, -1):
            words = [_word_terms(clause) for clause in clauses[start : start + size]]
            if any(terms is None for terms in words):
                continue
            entry = tuple(terms[0].text for terms in words)
            if entry in expansions:
                result.append(_expanded(words[0], expansions[entry]))
                start += size
                break
        else:
            result.append(clauses[start])
            start += 1
    return result


def _tidy(node: Query) -> Query:
    """A quoted single word is that word (stop words drop out of phrases); nothing is dropped."""
    if type(node) is Phrase:
        if not node.words:
            return NullQuery
        if len(node.words) == 1:
            return Term(node.fieldname, node.words[0], boost=node.boost)
    if isinstance(node, CompoundQuery):
        subqueries = [child for child in node.subqueries if child is not NullQuery]
        if not subqueries:
            return NullQuery
        node.subqueries = subqueries
    return node


# Words that only shape a question ("hoe ga je om met ...", "wat kun je doen als ..."): left
# out of what is searched, on top of the stop words the index leaves out itself, unless
# nothing else was typed. Inside "quotes" they stay.
QUESTION_WORDS = frozenset(
    " ".join(
        (
            "waar wanneer waarom welke welk wiens hoezo hoeveel",
            "ga gaat gaan ging gingen doe doet deed deden kun kunt kon konden mag mogen mocht",
            "moeten moest moesten wilt willen wilde zullen zult word kunnen",
            "jij jou jouw jullie we wij onze mijn elkaar iemand je als om er",
        )
    ).split()
)
_HYPHEN = re.compile(r"(?<=\w)-(?=\w)")
_UNQUOTED_WORD = re.compile(r'"[^"]*"|[\w*]+')


def _without_question_words(text: str) -> str:
    kept = [
        token
        for token in _UNQUOTED_WORD.findall(text)
        if token.startswith('"') or folded(token) not in QUESTION_WORDS
    ]
    return " ".join(kept) if kept else text


_PLAIN_WORD = re.compile(r'"[^"]*"|(\w+\*?)')


def _typed_words(text: str) -> dict[str, str]:
    """Index term -> the word typed, for the plain words (not phrases or prefixes)."""
    words = [word for word in _PLAIN_WORD.findall(folded(text)) if word and word[-1] != "*"]
    return {morphology.stem(word): word for word in words}


def _word_terms(clause: Query) -> list[Term] | None:
    """The terms of a clause made from one typed word (the same term in every field)."""
    terms = [clause] if type(clause) is Term else list(clause.subqueries)
    if type(clause) not in (Term, Or) or not all(type(term) is Term for term in terms):
        return None
    return terms if len({term.text for term in terms}) == 1 else None


def in_index(searcher, fields) -> Callable[[str], bool]:
    """Whether any of the text fields holds a typed word (by its index term)."""
    reader = searcher.reader()
    schema = searcher.schema
    names = [name for name in fields if name in schema]

    def holds(word: str) -> bool:
        term = morphology.stem(word)
        return any((name, schema[name].to_bytes(term)) in reader for name in names)

    return holds


def _decompounded(clauses: list[Query], text: str, in_index: Callable[[str], bool], expansions):
    """A typed compound that no text holds ("jeugdoverlast") as a clause per part, and a
    derivation as itself or its base ("boosheid": also "boos"). A word with synonyms is
    searched by them instead."""
    typed = _typed_words(text)
    result = []
    for clause in clauses:
        terms = _word_terms(clause)
        word = typed.get(terms[0].text) if terms and (terms[0].text,) not in expansions else None
        base = morphology.derived_from(word) if word else None
        if base:
            stem = morphology.stem(base)
            result.append(Or([*terms, *(Term(t.fieldname, stem, boost=t.boost) for t in terms)]))
            continue
        pieces = morphology.split(word, force=True) if word and not in_index(word) else ()
        if not pieces:
            result.append(clause)
            continue
        for piece in pieces:
            stem = morphology.stem(piece)
            result.append(Or([Term(term.fieldname, stem, boost=term.boost) for term in terms]))
    return result


# The fields where words standing together earn the bonus: the case's own title and text
# (each pair is a term to look up; the comments are the largest field and the least apt).
NEAR_FIELDS = frozenset({"title", "body"})


def _near(clauses: list[Query]) -> tuple[Query, ...]:
    """Word-pair queries for each two words typed side by side, in either order."""
    near = []
    for first, second in pairwise(clauses):
        a, b = _word_terms(first), _word_terms(second)
        if not a or not b:
            continue
        pairs = []
        for term in a:
            if term.fieldname not in NEAR_FIELDS:
                continue
            field = pairs_field(term.fieldname)
            for pair in (pair_term(term.text, b[0].text), pair_term(b[0].text, term.text)):
                pairs.append(Term(field, pair, boost=term.boost))
        near.append(Or(pairs))
    return tuple(near)


def parse(
    text: str,
    schema,
    fields: dict[str, float],
    synonyms: SynonymList,
    in_index: Callable[[str], bool] = lambda word: True,
) -> Query | None:
    """The user's words as a query over the text fields, or None for an empty search.

    The result is a `Clauses` node with one child per word, phrase or prefix typed (each
    over every text field), which the scorer uses to prefer documents matching them all.
    `in_index(word)` tells whether any text holds the word; a compound none holds is
    searched by its parts.
    """
    if not text:
        return None
    # "oost-europese": two words, as the index reads them (the parser would make them one).
    text = _without_question_words(_HYPHEN.sub(" ", text))
    # Unnormalised, the parser's tree keeps each typed clause as one group of fields.
    query = _parser(schema, fields).parse(text, normalize=False)
    if query is None or query is NullQuery:
        return None
    query = query.accept(_tidy)
    if query is NullQuery:
        return None
    clauses = query.subqueries if type(query) is Or else [query]
    expansions = synonyms.expansions()
    # Synonyms first: a word of a thesaurus entry is searched by the entry, not by its parts.
    expanded = _with_synonyms(list(clauses), expansions, synonyms.longest_entry())
    query = Clauses(_decompounded(expanded, text, in_index, expansions))
    query.near = _near(list(clauses))
    return query


def scope_query(scope: ReadScope) -> Query:
    """The network documents a user may read, as a Whoosh query used as the search filter."""
    if scope.everything:
        return Every()
    levels = [Term("visibility", level.value) for level in scope.visibilities]
    own = [
        Term(fieldname, str(value))
        for fieldname, value in (
            ("municipality", scope.draft_municipality_id),
            ("author", scope.draft_author_id),
        )
        if value is not None
    ]
    if own:
        levels.append(And([Term("visibility", Visibility.DRAFT.value), Or(own)]))
    return Or(levels) if levels else Term("visibility", "-none-")
