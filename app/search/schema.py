"""The two index schemas: the network index (everything) and the archive index (published)."""

from itertools import pairwise

from whoosh.columns import CompressedBytesColumn
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.formats import Existence, Frequency
from whoosh.query import And, Phrase, Query, Term
from whoosh.system import pack_uint

from app.search.analysis import analysed, dutch_analyzer, pair_term

# Bump when a schema change needs existing indexes rebuilt: every build records the version
# it was made with (storage.py), `search check` reports older builds and
# `search rebuild --if-missing` (run by `make run`) replaces them. An older build keeps
# working meanwhile, only slower or without what the new version added.
# 2: term vectors on "body" for more-like-this.
# 3: text fields keep term frequencies only; exact phrases use word-pair fields.
# 4: Dutch lemmas before stems (morphology.py), and the parts of compounds as terms too.
# 5: "date" as one term per document instead of sixteen (nothing searches dates by range).
SCHEMA_VERSION = 5

# Fields searched by a user's words, with the weight of a match in each.
NETWORK_TEXT_FIELDS = {"title": 3.0, "body": 1.0, "meta": 1.5, "comments": 0.7, "reflections": 0.9}
ARCHIVE_TEXT_FIELDS = {"title": 3.0, "body": 1.0, "meta": 1.5, "reflections": 0.9}

PAIRS_SUFFIX = "_pairs"


def pairs_field(fieldname: str) -> str:
    """The field holding the word pairs of a text field, for exact phrases."""
    return fieldname + PAIRS_SUFFIX


def phrase_pairs(phrase: Phrase) -> Query:
    """A phrase of two words or more as the word-pair terms the index holds for it: all of
    them (they may not follow one another in a phrase of three words or more)."""
    field = pairs_field(phrase.fieldname)
    return And(
        [Term(field, pair_term(*pair)) for pair in pairwise(phrase.words)], boost=phrase.boost
    )


class EntryPhrase(Phrase):
    """A thesaurus entry of three words or more ("fluïde motieven (groep)") searched for a
    word typed: found where all its word pairs are, without checking on the stored text that
    they follow one another, as a phrase typed in quotes is (score._add_phrase).

    That check analyses the whole text of every candidate: for an entry of common words,
    thousands of cases on each search of a word with such a synonym. Pairs of an entry's
    words that are not side by side are rare, and the entry was not typed anyway.
    """


# The unstemmed words of all a document's text fields, for "Bedoelde je ...?".
WORDS_FIELD = "words"


def as_written(doc: dict, schema: Schema) -> dict:
    """The document as written: each text field's value also goes to its word-pair field,
    and all of them to the spelling words.

    The same string objects, so those fields reuse the text fields' analysis. An index built
    by schema version 2 (no word pairs, Whoosh's own spelling fields) gets the document as it is.
    """
    if WORDS_FIELD not in schema:
        return doc
    texts = {name: doc[name] for name in NETWORK_TEXT_FIELDS if doc.get(name)}
    return {
        **doc,
        **{pairs_field(name): text for name, text in texts.items()},
        WORDS_FIELD: tuple(texts.values()),
    }


def _frequencies(counts) -> list[tuple[str, int, float, bytes]]:
    # Whoosh's Frequency format: (term, frequency, weight, encoded frequency).
    return [(term, count, float(count), pack_uint(count)) for term, count in counts.items()]


def _postings(counts, fieldname: str, docnum: int, boost: float) -> tuple[list[tuple], int]:
    """What Whoosh's writer makes of index(): the pool's postings and the field's length."""
    postings = [
        (fieldname, term.encode("utf-8"), docnum, float(count) * boost, pack_uint(count))
        for term, count in counts.items()
    ]
    return postings, sum(counts.values())


class DutchText(TEXT):
    """A Dutch text field with term frequencies only, analysed once per value.

    Positions made the postings of common words (a case names "bewoners" dozens of times)
    many times larger than their document numbers and frequencies, and every search read
    and decompressed them; exact phrases use the word-pair fields instead, and snippets
    re-analyse the few texts shown. Whoosh's writer asks a field for its postings, its
    spelling words and its term vector separately: all three come from one analysis here.
    """

    def __init__(self, vector: bool = False, column: bool = False) -> None:
        # column: the text is kept in a column of its own instead of with the stored fields.
        # Whoosh reads a document's stored fields as one pickle, so every hit shown paid for
        # reading and unpickling a whole case text with its comments, for its id and title.
        super().__init__(
            analyzer=dutch_analyzer(),
            phrase=False,
            stored=not column,
            sortable=CompressedBytesColumn() if column else False,
            vector=_AnalysedFrequency() if vector else None,
        )

    def index(self, value, **kwargs):
        if not isinstance(value, str):
            return super().index(value, **kwargs)
        return [
            (term.encode("utf-8"), freq, weight, encoded)
            for term, freq, weight, encoded in _frequencies(analysed(value).counts())
        ]

    def postings(self, value, fieldname: str, docnum: int, boost: float):
        """index() as the pool's postings, with the length (posting_lists.add_document)."""
        if not isinstance(value, str):
            return None
        return _postings(analysed(value).counts(), fieldname, docnum, boost)


class _AnalysedFrequency(Frequency):
    """Whoosh's Frequency format for a term vector, from the value's shared analysis."""

    def word_values(self, value, analyzer, **kwargs):
        if not isinstance(value, str):
            return super().word_values(value, analyzer, **kwargs)
        return _frequencies(analysed(value).counts())


class SpellingWords(TEXT):
    """The unstemmed words of a document's text fields, each once, for spelling suggestions.

    Whoosh's own spelling fields (TEXT(spelling=True)) record every word as found in
    document 0 of its segment: true while each case was a segment of its own, wrong after a
    rebuild or a merge, so a suggestion's count within the reader's scope was wrong. These
    postings name the document, and a word in several fields of one case is one posting.
    """

    def __init__(self) -> None:
        super().__init__(analyzer=dutch_analyzer(), phrase=False)
        self.format = Existence()
        self.scorable = False

    def index(self, value, **kwargs):
        return [(word.encode("utf-8"), 1, 1.0, b"") for word in self._words(value)]

    def postings(self, value, fieldname: str, docnum: int, boost: float):
        weight = 1.0 * boost
        words = self._words(value)
        return [(fieldname, word.encode("utf-8"), docnum, weight, b"") for word in words], 0

    @staticmethod
    def _words(value) -> set[str]:
        texts = (value,) if isinstance(value, str) else value
        return set().union(*(analysed(text).words for text in texts)) if texts else set()


class WordPairs(TEXT):
    """Every two consecutive index terms of a text as one term, "nieuw bewoner".

    An exact phrase of two words is then one term's postings, and a longer one the
    documents holding all its pairs; stop words between the words are skipped, as they are
    when a phrase is searched.
    """

    def __init__(self) -> None:
        super().__init__(analyzer=dutch_analyzer(), phrase=False)

    def index(self, value, **kwargs):
        return [
            (term.encode("utf-8"), freq, weight, encoded)
            for term, freq, weight, encoded in _frequencies(analysed(value).pair_counts())
        ]

    def postings(self, value, fieldname: str, docnum: int, boost: float):
        if not isinstance(value, str):
            return None
        return _postings(analysed(value).pair_counts(), fieldname, docnum, boost)


# Facets: field name in the index -> query-string argument.
FACET_FIELDS = ("theme", "municipality", "size", "kind", "dilemma", "status", "year")


def _text_fields(names) -> dict:
    fields = {}
    for name in names:
        # Kept, for snippets and for checking phrases of three words or more: the title with
        # the stored fields (every hit shows it), longer texts in columns (see DutchText).
        # vector: the document's own term frequencies, so more-like-this (similar cases)
        # reads its key terms instead of re-analysing the stored text of the case.
        fields[name] = DutchText(vector=name == "body", column=name != "title")
        fields[pairs_field(name)] = WordPairs()
    return fields


def text_reader(searcher, fieldname: str):
    """docnum -> a text field's value: from its column (schema 3) or the stored fields.

    Kept with the searcher (one per thread, replaced when the index changes): opening a
    column reader reads the column's table of offsets.
    """
    readers = searcher.__dict__.setdefault("_casusplein_text_readers", {})
    if fieldname not in readers:
        reader = searcher.reader()
        if reader.has_column(fieldname):
            column = reader.column_reader(fieldname)
            readers[fieldname] = lambda docnum: column[docnum] or ""
        else:
            readers[fieldname] = lambda docnum: searcher.stored_fields(docnum).get(fieldname) or ""
    return readers[fieldname]


def _common() -> dict:
    return {
        # A document is a case (case_id) or a method of the library (method_id, doc_type).
        "case_id": ID(stored=True, unique=True),
        "method_id": ID(stored=True, unique=True),
        "doc_type": ID(stored=True),
        # title, body, meta (themes, municipality, dilemma titles and the kind of
        # polarisation, as words) and reflections, each with its word pairs
        **_text_fields(("title", "body", "meta", "reflections")),
        "theme": KEYWORD(commas=True, stored=True),
        "municipality": ID(stored=True),
        "size": ID(stored=True),
        "kind": ID(stored=True),
        "dilemma": KEYWORD(commas=True, stored=True),
        "status": ID(stored=True),
        "year": ID(stored=True),
        # newest first: shared (network) or published (archive) time, as a timestamp. Only
        # its column is read (sorting); Whoosh's tiers for range queries (shift_step) made
        # 16 terms per document, 90,000 of them unique at 10,000 cases, each a term entry.
        "date": NUMERIC(int, bits=64, sortable=True, stored=True, shift_step=0),
        # a hash of the document's content, so `search check` can see stale documents
        "digest": STORED(),
    }


def network_schema() -> Schema:
    return Schema(
        **_common(),
        words=SpellingWords(),
        **_text_fields(("comments",)),
        # the read scope is a filter on these, applied inside the search
        visibility=ID(stored=True),
        author=ID(stored=True),
    )


def archive_schema() -> Schema:
    return Schema(**_common(), words=SpellingWords(), publication_id=ID(stored=True))
