"""Exact phrases find exactly the documents Whoosh's own Phrase finds: from word pairs
(schema version 3) and from positions (indexes built by version 2, until rebuilt)."""

import pytest
from whoosh.fields import ID, TEXT, Schema
from whoosh.filedb.filestore import RamStorage
from whoosh.query import Phrase

from app.search import score
from app.search.analysis import analyse, dutch_analyzer
from app.search.schema import DutchText, SpellingWords, WordPairs, as_written

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


def _index(schema: Schema, with_pairs_of=None):
    index = RamStorage().create_index(schema)
    writer = index.writer()
    for number, text in enumerate(TEXTS):
        writer.add_document(**_doc(str(number), text, with_pairs_of))
    writer.commit()
    # A second segment, so phrases are also looked up across segments.
    writer = index.writer()
    for number, text in enumerate(TEXTS):
        writer.add_document(**_doc(f"b{number}", text.upper(), with_pairs_of))
    writer.commit(merge=False)
    return index


def _doc(key: str, text: str, schema) -> dict:
    doc = {"key": key, "body": text}
    return as_written(doc, schema) if schema is not None else doc


@pytest.fixture(scope="module")
def positional():
    """An index as schema version 2 made them: positions in the text field."""
    schema = Schema(key=ID(stored=True), body=TEXT(analyzer=dutch_analyzer(), chars=True))
    with _index(schema).searcher() as searcher:
        yield searcher


@pytest.fixture(scope="module")
def paired():
    """An index as schema version 3 makes them: frequencies and word pairs."""
    schema = Schema(
        key=ID(stored=True), body=DutchText(), body_pairs=WordPairs(), words=SpellingWords()
    )
    with _index(schema, schema).searcher() as searcher:
        yield searcher


def _keys(searcher, found) -> list[str]:
    return sorted(searcher.stored_fields(docnum)["key"] for docnum in found)


@pytest.mark.parametrize("phrase", PHRASES)
def test_positions_give_whoosh_phrase_documents_and_scores(positional, phrase):
    words = analyse(phrase)
    ours = score.scores(positional, Phrase("body", words, boost=2.0), {})
    theirs = {
        hit.docnum: hit.score
        for hit in positional.search(Phrase("body", words, boost=2.0), limit=None)
    }
    assert set(ours) == set(theirs)
    for docnum, value in theirs.items():
        assert ours[docnum] == pytest.approx(value, rel=1e-9)


@pytest.mark.parametrize("phrase", PHRASES)
def test_word_pairs_find_the_documents_whoosh_phrase_finds(positional, paired, phrase):
    words = analyse(phrase)
    theirs = [hit.docnum for hit in positional.search(Phrase("body", words), limit=None)]
    assert _keys(paired, score.scores(paired, Phrase("body", words), {})) == _keys(
        positional, theirs
    )


def test_expected_matches(paired):
    found = score.scores(paired, Phrase("body", analyse("nieuwe bewoners")), {})
    assert _keys(paired, found) == sorted(["0", "2", "3", "b0", "b2", "b3"])
