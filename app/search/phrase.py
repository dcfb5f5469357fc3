"""Exact phrases ("nieuwe bewoners") matched on positions alone, stopping at the first hit.

Whoosh's Phrase builds a Span object for every occurrence of every word of the phrase in every
candidate document and pairs them all up, although a phrase's score is that of its words and
the spans only decide whether the document matches. In a long case that names "nieuwe
bewoners" fifty times that is most of a query's time. For the exact phrase (slop 1, the only
kind users type) a document matches when the words occur at consecutive positions, which sets
of positions answer directly; other slops keep Whoosh's own matcher.
"""

from whoosh import matching
from whoosh.query import Phrase, Query, SpanNear2, Term
from whoosh.query.spans import Span


class _AdjacentMatcher(SpanNear2.SpanNear2Matcher):
    """The intersection of the words' postings, kept where they occur one after another."""

    def _get_spans(self) -> list[Span]:
        ends: set[int] | None = None
        for matcher in self.ms:
            positions = matcher.value_as("positions")
            if ends is None:
                ends = set(positions)
            else:
                ends = {position for position in positions if position - 1 in ends}
            if not ends:
                return []
        end = min(ends)
        # One span is enough: callers test for a match; the score comes from the words.
        return [Span(end - len(self.ms) + 1, end)]


class AdjacentPhrase(Phrase):
    def matcher(self, searcher, context=None):
        if self.slop != 1 or len(self.words) < 2:
            return super().matcher(searcher, context)
        fieldname = self.fieldname
        if fieldname not in searcher.schema:
            return matching.NullMatcher()
        field = searcher.schema[fieldname]
        if not field.format or not field.format.supports("positions"):
            return super().matcher(searcher, context)  # raises Whoosh's QueryError
        reader = searcher.reader()
        matchers = []
        for word in self.words:
            try:
                word = field.to_bytes(word)
            except ValueError:
                return matching.NullMatcher()
            if (fieldname, word) not in reader:
                return matching.NullMatcher()
            matchers.append(Term(fieldname, word).matcher(searcher, context))
        matcher = _AdjacentMatcher(matchers)
        if self.boost != 1.0:
            matcher = matching.WrappingMatcher(matcher, boost=self.boost)
        return matcher


def adjacent_phrases(query: Query) -> Query:
    """The query with every Whoosh Phrase replaced by an AdjacentPhrase."""

    def swap(node: Query) -> Query:
        if type(node) is Phrase:
            return AdjacentPhrase(
                node.fieldname,
                node.words,
                slop=node.slop,
                boost=node.boost,
                char_ranges=node.char_ranges,
            )
        return node

    return query.accept(swap)
