"""The position-set phrase matcher finds exactly the documents Whoosh's own Phrase finds."""

import pytest
from whoosh.fields import ID, TEXT, Schema
from whoosh.filedb.filestore import RamStorage
from whoosh.query import Phrase

from app.search.analysis import analyse, dutch_analyzer
from app.search.phrase import AdjacentPhrase, adjacent_phrases

TEXTS = [
    "Nieuwe bewoners in de wijk.",
    "De bewoners zijn nieuw, zeggen nieuwe buren.",
    "Bewoners nieuwe bewoners nieuwe.",
    "Oude en nieuwe bewoners, en nog eens nieuwe bewoners.",
    "Nieuwe, oude bewoners.",
    "De noodopvang in de sporthal liep vol.",
    "De noodopvang en de sporthal.",
    "Een informatieavond over de noodopvang in de sporthal van het dorp.",
    "Het vertrouwen in de overheid daalt.",
    "Vertrouwen in de overheid.",
    "Niets van dat alles.",
]
PHRASES = [
    "nieuwe bewoners",
    "bewoners nieuwe",
    "oude bewoners",
    "noodopvang in de sporthal",
    "noodopvang sporthal",
    "vertrouwen in de overheid",
    "de overheid daalt",
    "nieuwe bewoners nieuwe",
    "sporthal noodopvang",
    "onbekend woord",
]


@pytest.fixture(scope="module")
def searcher():
    index = RamStorage().create_index(
        Schema(key=ID(stored=True), body=TEXT(analyzer=dutch_analyzer(), chars=True))
    )
    writer = index.writer()
    for number, text in enumerate(TEXTS):
        writer.add_document(key=str(number), body=text)
    writer.commit()
    # A second segment, so matchers also run across segments.
    writer = index.writer()
    for number, text in enumerate(TEXTS):
        writer.add_document(key=f"b{number}", body=text.upper())
    writer.commit(merge=False)
    with index.searcher() as searcher:
        yield searcher


def _keys(searcher, query) -> list[str]:
    return sorted(hit["key"] for hit in searcher.search(query, limit=None))


@pytest.mark.parametrize("phrase", PHRASES)
def test_same_documents_and_scores_as_whoosh_phrase(searcher, phrase):
    words = analyse(phrase)
    ours = searcher.search(AdjacentPhrase("body", words, boost=2.0), limit=None)
    theirs = searcher.search(Phrase("body", words, boost=2.0), limit=None)
    assert [(hit["key"], hit.score) for hit in ours] == [(hit["key"], hit.score) for hit in theirs]


def test_expected_matches(searcher):
    words = analyse("nieuwe bewoners")
    assert _keys(searcher, AdjacentPhrase("body", words)) == sorted(
        ["0", "2", "3", "b0", "b2", "b3"]
    )


def test_other_slops_and_single_words_keep_whoosh_matching(searcher):
    words = analyse("nieuwe bewoners")
    loose = AdjacentPhrase("body", words, slop=3)
    assert _keys(searcher, loose) == _keys(searcher, Phrase("body", words, slop=3))
    assert _keys(searcher, AdjacentPhrase("body", ["bewoner"])) == _keys(
        searcher, Phrase("body", ["bewoner"])
    )


def test_parsed_phrases_are_swapped_everywhere_in_the_query():
    query = Phrase("body", ["a", "b"]) | Phrase("title", ["a", "b"], boost=3.0)
    swapped = adjacent_phrases(query)
    assert [type(leaf) for leaf in swapped.leaves()] == [AdjacentPhrase, AdjacentPhrase]
    assert [leaf.boost for leaf in swapped.leaves()] == [1.0, 3.0]
