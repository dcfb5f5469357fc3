"""Snippets with the matched words marked, escaped so a case text cannot inject markup."""

from markupsafe import Markup, escape
from whoosh.highlight import Formatter, Highlighter, PinpointFragmenter, WholeFragmenter, get_text

from app.search.analysis import matches
from app.search.schema import text_reader

# Fragments are built around this many matches at most (the first ones in the text): a long
# case can name a searched word a hundred times, and every match became a candidate fragment
# to build and score, for the two that are shown.
MAX_MATCHES = 16

# Where a snippet comes from, and the label shown with it.
SNIPPET_FIELDS = (("body", ""), ("comments", "in een reactie"), ("reflections", "in een reflectie"))


class EscapingFormatter(Formatter):
    """Whoosh's formatter contract, producing escaped HTML with <mark> around matches."""

    between = " … "

    def _text(self, text: str) -> str:
        return str(escape(text))

    def format_token(self, text: str, token, replace: bool = False) -> str:
        return f"<mark>{escape(get_text(text, token, replace))}</mark>"


class FirstMatchesFragmenter(PinpointFragmenter):
    """Whoosh's pinpoint fragments, from the first MAX_MATCHES matches of a field."""

    def fragment_matches(self, text, tokens):
        return super().fragment_matches(text, tokens[:MAX_MATCHES])


class _Spans(dict):
    """docnum -> {term: [(position, start, end)]} in one stored field, found when asked for."""

    def __init__(self, results, fieldname: str, terms: frozenset[str]) -> None:
        super().__init__()
        self.text_of = text_reader(results.searcher, fieldname)
        self.terms = terms

    def __missing__(self, docnum: int) -> dict:
        self[docnum] = found = matches(self.text_of(docnum), self.terms, MAX_MATCHES)
        return found


class SpanHighlighter(Highlighter):
    """Whoosh's "pinpoint" highlighting, with the matches found in the hit's own text.

    The index keeps no character offsets (schema.DutchText), so Whoosh would re-analyse the
    whole text of a hit through its analyzer chain; here the stored text is read only up to
    the first MAX_MATCHES matches, and only for the hits shown.
    """

    def can_load_chars(self, results, fieldname):
        return results.has_matched_terms() and not self.fragmenter.must_retokenize()

    @staticmethod
    def _load_chars(results, fieldname, texts, to_bytes):
        results._char_cache[fieldname] = _Spans(results, fieldname, frozenset(texts))


_WHOLE = SpanHighlighter(fragmenter=WholeFragmenter(), formatter=EscapingFormatter())


def configure(results) -> None:
    results.highlighter = SpanHighlighter(
        fragmenter=FirstMatchesFragmenter(maxchars=220, surround=60, autotrim=True),
        formatter=EscapingFormatter(),
    )


def _matched_fields(hit) -> set[str]:
    if not hit.results.has_matched_terms():
        return set()
    return {fieldname for fieldname, _text in hit.matched_terms()}


def title(hit) -> Markup:
    stored = hit.get("title", "")
    if "title" in _matched_fields(hit):
        marked = _WHOLE.highlight_hit(hit, "title", top=1)
        if marked:
            return Markup(marked)
    return Markup(escape(stored))


def snippet(hit) -> tuple[Markup, str]:
    """The best fragment of the first field that matched, with its label."""
    matched = _matched_fields(hit)
    searcher = hit.results.searcher
    for fieldname, label in SNIPPET_FIELDS:
        if fieldname in matched:
            text = text_reader(searcher, fieldname)(hit.docnum)
            marked = hit.highlights(fieldname, text=text, top=2)
            if marked:
                return Markup(marked), label
    body = text_reader(searcher, "body")(hit.docnum)
    return Markup(escape(body[:220] + ("…" if len(body) > 220 else ""))), ""
