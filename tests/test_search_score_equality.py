"""score.py gives Whoosh's own BM25F scores on the index as production writes it.

score.py reads posting blocks through Whoosh's internals (whoosh_internals.py). These tests
pin it to Whoosh's scorer on the production schema (DutchText fields with text columns and
word pairs) and codec (separate files, rare terms inlined), with postings of several blocks
(more than the codec's block of 1,024 per term in a segment), several segments, and deleted
documents.
"""

import random

import pytest
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec
from whoosh.query import And, Or, Term

from app.search import score
from app.search.analysis import analyse, pair_term
from app.search.schema import NETWORK_TEXT_FIELDS, as_written, network_schema, pairs_field
from app.search.storage import WRITER_OPTIONS

# Zipf-like: the first words are in nearly every document, the last in a handful.
VOCABULARY = [
    "gemeente", "bewoners", "wijk", "gesprek", "jongeren", "vertrouwen", "overlast", "azc",
    "windpark", "noodopvang", "sporthal", "statushouders", "keukentafel", "buurtbemiddelaar",
    "dorpsraad", "stikstof", "woningcorporatie", "burgerberaad", "desinformatie", "appgroep",
    "kermis",
]  # fmt: skip
# Words in a few documents only: every 401st (inlined, under 8 per segment) and every 41st.
RARE = {"schaapskooi": 401, "zeilvereniging": 41}
BLOCK = WRITER_OPTIONS["codec"]._blocklimit  # postings per block in production


def _text(rng: random.Random, words: int) -> str:
    weights = [1 / (rank + 1) ** 1.1 for rank in range(len(VOCABULARY))]
    return " ".join(rng.choices(VOCABULARY, weights=weights, k=words))


def _document(rng: random.Random, key: int) -> dict:
    rare = " ".join(word for word, every in RARE.items() if key % every == 0)
    return {
        "case_id": str(key),
        "title": _text(rng, rng.randint(2, 6)),
        "body": f"{_text(rng, rng.randint(20, 160))} {rare}",
        "meta": _text(rng, 3),
        "comments": _text(rng, rng.randint(0, 40)),
        "reflections": _text(rng, rng.choice([0, 0, 15])),
        "visibility": "network",
    }


LAYOUTS = {
    # documents per commit; then (key, kind) changes: "update" re-adds, "delete" removes
    "one segment": ([2200], []),
    "several segments, with deletions": (
        [2200, 40, 6],
        [(3, "update"), (17, "delete"), (2210, "update"), (2244, "delete"), (200, "update")],
    ),
}
CODECS = {
    "production codec": WRITER_OPTIONS,
    "rare terms not inlined": {"compound": False, "codec": W3Codec(inlinelimit=1)},
}


@pytest.fixture(
    scope="module", params=[(layout, codec) for layout in LAYOUTS for codec in CODECS], ids=str
)
def searcher(request, tmp_path_factory):
    layout, codec = request.param
    commits, changes = LAYOUTS[layout]
    options = CODECS[codec]
    rng = random.Random(11)
    index = whoosh_index.create_in(str(tmp_path_factory.mktemp("index")), network_schema())
    key = 0
    for size in commits:
        writer = index.writer(**options)
        for _ in range(size):
            writer.add_document(**as_written(_document(rng, key), index.schema))
            key += 1
        writer.commit(merge=False)
    for changed, kind in changes:
        writer = index.writer(**options)
        if kind == "update":
            writer.update_document(**as_written(_document(rng, changed), index.schema))
        else:
            writer.delete_by_term("case_id", str(changed))
        writer.commit(merge=False)
    with index.searcher() as searcher:
        yield searcher


def _whoosh(searcher, query) -> dict[int, float]:
    return {hit.docnum: hit.score for hit in searcher.search(query, limit=None)}


def _assert_same(searcher, query) -> int:
    theirs = _whoosh(searcher, query)
    ours = score.scores(searcher, query, {})
    live = {docnum for docnum in ours if not searcher.reader().is_deleted(docnum)}
    assert live == set(theirs)
    for docnum, value in theirs.items():
        assert ours[docnum] == pytest.approx(value, rel=1e-9), docnum
    return len(theirs)


def _words(*words: str) -> Or:
    """Each word over every text field with the parser's field weights, as the app asks."""
    return Or(
        [
            Or([Term(field, term, boost=boost) for field, boost in NETWORK_TEXT_FIELDS.items()])
            for word in words
            for term in analyse(word)
        ]
    )


def test_the_index_has_what_these_tests_are_for(searcher):
    reader = searcher.reader()
    (common,) = analyse("gemeente")
    (rare,) = analyse("schaapskooi")
    leaves = [leaf for leaf, _offset in reader.leaf_readers()]
    assert any(leaf.doc_frequency("body", common) > 2 * BLOCK for leaf in leaves)
    assert 0 < reader.doc_frequency("body", rare) < 8  # inlined by the production codec
    if len(leaves) > 1:
        assert any(leaf.has_deletions() for leaf in leaves)


@pytest.mark.parametrize(
    "words",
    [
        ("gemeente",),  # in nearly every document: postings of several blocks
        ("schaapskooi",),  # in a few: inlined postings
        ("gemeente", "azc", "zeilvereniging"),
        ("bewoners", "keukentafel", "ontbreekt"),
    ],
)
def test_word_scores_are_whooshs(searcher, words):
    assert _assert_same(searcher, _words(*words))


def test_word_pair_scores_are_whooshs(searcher):
    first, second = analyse("gemeente bewoners")
    pairs = pairs_field("body")
    assert _assert_same(searcher, Term(pairs, pair_term(first, second)))
    third = analyse("wijk")[0]
    both = And([Term(pairs, pair_term(first, second)), Term(pairs, pair_term(second, third))])
    theirs = _whoosh(searcher, both)
    ours = score.scores(searcher, Or([Term(pairs, pair_term(first, second)),
                                      Term(pairs, pair_term(second, third))]), {})  # fmt: skip
    # A document holding both pairs scores their sum, as Whoosh's And does.
    assert theirs
    for docnum, value in theirs.items():
        assert ours[docnum] == pytest.approx(value, rel=1e-9)
