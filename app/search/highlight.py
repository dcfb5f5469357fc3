"""Snippets and titles with the searched words marked, escaped so a text cannot inject markup.

A snippet is the sentence of a hit's text that holds most of the words searched for (and a
second one when it holds others), so it starts and ends where a sentence does; where a long
sentence has to be cut, the cut shows as "…", as does a gap between two sentences. List
markers that open a line ("- ", "1. ") are left out.

The words are found in the hit's own stored text by the analysis the index uses
(analysis.matches), for the hits shown only: the query's words are looked up once per
search (prefixes expanded to the index terms they stand for), not per hit through Whoosh's
matchers, and no Whoosh highlighter runs.
"""

import re
from bisect import bisect_left
from collections.abc import Callable
from itertools import islice

from markupsafe import Markup, escape
from whoosh.query import Query

from app.search.analysis import matches

# Characters a snippet aims at; a second sentence may add up to EXTRA_CHARS more.
MAX_CHARS = 220
EXTRA_CHARS = 80
# Context kept before the first marked word when a long sentence is cut.
LEAD_CHARS = 40
# Matches looked for in a field's text (the first ones): a long case can name a searched
# word a hundred times, and every match would be a candidate for the snippet.
MAX_MATCHES = 16
# A long text is first searched for the words in its start only: the analysis lower-cases and
# folds all of what it is given, and the first matches are what a snippet shows.
SCAN_CHARS = 3000
# Index terms a prefix ("bewoner*") is expanded to, per field, for marking.
MAX_EXPANSIONS = 100

# Where a snippet comes from, and the label shown with it.
SNIPPET_FIELDS = (("body", ""), ("comments", "in een reactie"), ("reflections", "in een reflectie"))

# A sentence ends after . ! ? or … (and any closing quote or bracket) before white space,
# and at every line break: the stored text keeps the lines of its Markdown source.
# The end of a sentence (its mark, closing quotes or brackets and a space) or a line break,
# as it reads backwards: white space first.
_BREAK_BACKWARDS = re.compile("\n|\\s[\"'\u201d\u2019)\\]]*[.!?\u2026]")
_SENTENCE_STOP = re.compile("[.!?\u2026]+[\"'\u201d\u2019)\\]]*(?=\\s|$)|(?=\n)")
_NOT_SPACE = re.compile(r"\S")
# How far back the start of a sentence is looked for; a longer one is cut anyway.
LOOK_BACK = 2 * MAX_CHARS
_LIST_MARKER = re.compile(r"(?:[-*+•]|\d{1,3}[.)])[ \t]+")
_WORD_START = re.compile(r"\s\S")

Span = tuple[int, int, str]  # (start, end, term) of one marked word in a text
ELLIPSIS = " … "


def query_terms(query: Query | None, reader) -> dict[str, frozenset[str]]:
    """Field -> the index terms of the query in it (words, phrase words, expanded prefixes)."""
    found: dict[str, set[str]] = {}
    if query is None:
        return {}
    for leaf in query.leaves():
        if not leaf.has_terms():
            continue
        for fieldname, text in islice(leaf.expanded_terms(reader, phrases=True), MAX_EXPANSIONS):
            if isinstance(text, bytes):
                text = text.decode("utf-8")
            found.setdefault(fieldname, set()).add(text)
    return {fieldname: frozenset(terms) for fieldname, terms in found.items()}


def _spans(text: str, terms: frozenset[str], limit: int = MAX_MATCHES) -> list[Span]:
    """The first `limit` words of `text` that are `terms`; a long text is read from its
    start, and only when that holds none of them, whole."""
    if not terms or not text:
        return []
    head = text
    if len(text) > SCAN_CHARS:
        cut = text.rfind(" ", 0, SCAN_CHARS)  # between words: a cut word could match
        head = text[: cut if cut > 0 else SCAN_CHARS]
    found = matches(head, terms, limit)
    if head is not text and not any(found.values()):
        found = matches(text, terms, limit)
    return sorted((start, end, term) for term, places in found.items() for _, start, end in places)


def _marked(text: str, first: int, stop: int, spans: list[Span]) -> Markup:
    """text[first:stop] escaped, with the words of `spans` in it marked."""
    pieces, at = [], first
    for start, end, _term in spans:
        if first <= start and end <= stop:
            pieces += (escape(text[at:start]), "<mark>", escape(text[start:end]), "</mark>")
            at = end
    pieces.append(escape(text[at:stop]))
    return Markup("".join(pieces))


def title(text: str, terms: dict[str, frozenset[str]]) -> Markup:
    """The whole title, every searched word in it marked."""
    return _marked(text, 0, len(text), _spans(text, terms.get("title"), limit=len(text)))


def _sentence_start(text: str, position: int, marker_ends: int | None = None) -> int:
    """Where the sentence holding `position` starts: after the end of the one before it or a
    line break, past white space and a list marker that opens the line (which may reach up
    to `marker_ends`, when `position` is where a line starts)."""
    floor = max(0, position - LOOK_BACK)
    # The nearest break before `position`, found in the text read backwards.
    found = _BREAK_BACKWARDS.search(text[floor:position][::-1])
    if found is None:
        start, opens_line = floor, floor == 0
    else:
        start, opens_line = position - found.start(), found.group().startswith("\n")
    while start < position and text[start] in " \t\n":
        opens_line = opens_line or text[start] == "\n"
        start += 1
    if opens_line and (marker := _LIST_MARKER.match(text, start, marker_ends or position)):
        start = marker.end()
    return start


def _sentence_end(text: str, position: int) -> int:
    """Where the sentence holding `position` ends (its closing mark included)."""
    match = _SENTENCE_STOP.search(text, position)
    return len(text) if match is None else match.end()


def _sentence(text: str, position: int, marker_ends: int | None = None) -> tuple[int, int]:
    start = _sentence_start(text, position, marker_ends)
    return start, _sentence_end(text, max(start, position))


def _next_sentence(text: str, end: int) -> tuple[int, int] | None:
    """The sentence after the one ending at `end`, if the text has one."""
    following = _NOT_SPACE.search(text, end)
    return None if following is None else _sentence(text, following.start(), len(text))


def _window(text: str, start: int, end: int, spans: list[Span]) -> tuple[int, int]:
    """At most MAX_CHARS of the sentence text[start:end], around most of the words in it."""
    if end - start <= MAX_CHARS:
        return start, end

    def covered(first: int) -> int:
        stop = first + MAX_CHARS
        return len({term for s, e, term in spans if first <= s and e <= stop})

    candidates = [max(start, s - LEAD_CHARS) for s, _e, _t in spans] or [start]
    first = max(candidates, key=lambda candidate: (covered(candidate), -candidate))
    if first > start and (space := _WORD_START.search(text, first - 1, end)):
        first = space.start() + 1
    stop = min(end, first + MAX_CHARS)
    if stop < end:
        stop = text.rfind(" ", first, stop + 1)
        stop = stop if stop > first else min(end, first + MAX_CHARS)
    return first, stop


def _piece(text: str, span: tuple[int, int], spans: list[Span]) -> tuple[Markup, bool, bool]:
    """One sentence marked, cut to MAX_CHARS; and whether it was cut at its start and end."""
    start, end = span
    first, stop = _window(text, start, end, [s for s in spans if start <= s[0] < end])
    return _marked(text, first, stop, spans), first > start, stop < end


def _joined(text: str, chosen: list[tuple[int, int]], spans: list[Span]) -> Markup:
    """The chosen sentences in text order: " " between neighbours, " … " over a gap or a cut."""
    parts: list[str] = []
    previous_end, previous_cut = -1, False
    for sentence in chosen:
        marked, cut_before, cut_after = _piece(text, sentence, spans)
        if not parts:
            parts.append("… " if cut_before else "")
        elif cut_before or previous_cut or text[previous_end : sentence[0]].strip():
            parts.append(ELLIPSIS)
        else:
            parts.append(" ")
        parts.append(marked)
        previous_end, previous_cut = sentence[1], cut_after
    if previous_cut:
        parts.append(" …")
    return Markup("".join(parts))


def fragment(text: str, terms: frozenset[str]) -> Markup | None:
    """The best one or two sentences of `text` for these terms, marked; None without a match.

    The best is the sentence around the densest run of matches (most different words within
    MAX_CHARS, then most matches); a second one is added where it holds a word the first
    lacks, or else the next sentence when the first is short.
    """
    spans = _spans(text, terms)
    if not spans:
        return None

    starts = [start for start, _end, _term in spans]
    span_terms = [term for _start, _end, term in spans]

    def density(index: int) -> tuple[int, int, int]:
        # The matches starting within MAX_CHARS of this one (spans are sorted by start).
        near = span_terms[index : bisect_left(starts, starts[index] + MAX_CHARS, index)]
        return len(set(near)), len(near), -index

    best = _sentence(text, spans[max(range(len(spans)), key=density)][0])
    chosen = [best]
    length = min(best[1] - best[0], MAX_CHARS)
    seen = {term for s, _e, term in spans if best[0] <= s < best[1]}
    others = [
        index
        for index, (start, _end, term) in enumerate(spans)
        if term not in seen and not best[0] <= start < best[1]
    ]
    if others:
        second = _sentence(text, spans[max(others, key=density)][0])
        if length + min(second[1] - second[0], MAX_CHARS) <= MAX_CHARS + EXTRA_CHARS:
            chosen.append(second)
    elif (after := _next_sentence(text, best[1])) and length + after[1] - after[0] <= MAX_CHARS:
        chosen.append(after)  # a short sentence with the one after it, for context
    return _joined(text, sorted(chosen), spans)


def opening(text: str) -> Markup:
    """The first sentences of a text up to MAX_CHARS: a snippet when no words were marked."""
    if not text.strip():
        return Markup("")
    first = _sentence(text, _NOT_SPACE.search(text).start(), len(text))
    chosen = [first]
    while (after := _next_sentence(text, chosen[-1][1])) and after[1] - first[0] <= MAX_CHARS:
        chosen.append(after)
    return _joined(text, chosen, [])


def snippet(text_of: Callable[[str], str], terms: dict[str, frozenset[str]]) -> tuple[Markup, str]:
    """The best fragment of the first field with a searched word, with its label."""
    for fieldname, label in SNIPPET_FIELDS:
        wanted = terms.get(fieldname)
        if wanted and (marked := fragment(text_of(fieldname), wanted)) is not None:
            return marked, label
    return opening(text_of("body")), ""
