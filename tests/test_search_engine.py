"""The search engine under the services: scoring, word pairs, analysis, merging, rebuilding."""

import random

import pytest
from whoosh.fields import ID, TEXT, Schema
from whoosh.filedb.filestore import RamStorage
from whoosh.query import Or, Prefix, Term

from app.models import Role
from app.search import rebuild, score, storage
from app.search.analysis import Analysed, dutch_analyzer, matches
from app.search.score import Clauses
from app.search.services import similar_cases
from app.search.storage import NETWORK, view
from tests.search_factories import titles

WORDS = [
    "gemeente", "bewoners", "azc", "windpark", "overlast", "jongeren", "vertrouwen",
    "noodopvang", "sporthal",
]  # fmt: skip


@pytest.fixture
def expert(make_user):
    return make_user(Role.EXPERT)


def _whoosh_scores(searcher, query) -> dict[int, float]:
    return {hit.docnum: hit.score for hit in searcher.search(query, limit=None)}


def test_word_scores_are_whooshs_own_across_segments_and_deletions():
    index = RamStorage().create_index(
        Schema(key=ID(stored=True, unique=True), title=TEXT(stored=True), body=TEXT)
    )
    rng = random.Random(7)
    for batch in range(3):  # three segments
        writer = index.writer()
        for number in range(40):
            body = " ".join(rng.choices(WORDS, k=rng.randint(3, 60)))
            writer.add_document(key=f"{batch}-{number}", title=rng.choice(WORDS), body=body)
        writer.commit(merge=False)
    writer = index.writer()
    writer.delete_by_term("key", "1-3")
    writer.commit(merge=False)
    query = Or(
        [
            Or([Term("title", "azc", boost=3.0), Term("body", "azc")]),
            Or([Term("title", "overlast", boost=3.0), Term("body", "overlast")]),
            Term("body", "ontbreekt"),
        ]
    )
    with index.searcher() as searcher:
        assert len(searcher.reader().leaf_readers()) == 3
        ours = score.scores(searcher, query, {})
        deleted = searcher.document_number(key="1-3")
        assert deleted is None
        theirs = _whoosh_scores(searcher, query)
        assert theirs and set(theirs) <= set(ours)
        # Deleted documents may be scored here; the caller keeps only live ones.
        assert len(set(ours) - set(theirs)) <= 1
        for docnum, value in theirs.items():
            assert ours[docnum] == pytest.approx(value, rel=1e-9)
        # Prefixes are scored by Whoosh's matchers and added in the same way.
        prefixed = Or([Prefix("body", "jong"), Term("title", "azc")])
        ours = score.scores(searcher, prefixed, {})
        for docnum, value in _whoosh_scores(searcher, prefixed).items():
            assert ours[docnum] == pytest.approx(value, rel=1e-9)


def test_a_document_with_all_the_words_ranks_above_one_with_one_word_often():
    index = RamStorage().create_index(Schema(key=ID(stored=True), body=TEXT))
    writer = index.writer()
    writer.add_document(key="one word", body="azc " * 20)
    writer.add_document(key="all words", body="azc overlast")
    for number in range(48):  # overlast is common, so it weighs little
        writer.add_document(key=f"other {number}", body="overlast in de wijk")
    writer.commit()
    words = [Or([Term("body", "azc")]), Or([Term("body", "overlast")])]

    def ranking(query):
        with index.searcher() as searcher:
            found = score.scores(searcher, query, {})
            return [
                searcher.stored_fields(docnum)["key"]
                for docnum in sorted(found, key=lambda d: -found[d])
            ]

    # Summed alone, twenty times a rare word outweighs both words once...
    assert ranking(Or(words))[:2] == ["one word", "all words"]
    # ...but the share of the words typed that a document holds comes first.
    assert ranking(Clauses(words))[:2] == ["all words", "one word"]
    # Any word still ranks.
    assert len(ranking(Clauses(words))) == 50


def test_the_users_words_are_clauses(write_case, find, expert):
    write_case(title="Alle woorden", summary="Het azc en de overlast.")
    write_case(title="Eén woord", summary="Het azc.")
    assert titles(find(expert, "azc overlast")) == ["Alle woorden", "Eén woord"]


def test_phrases_come_from_word_pairs_and_keep_their_order(write_case, find, expert):
    write_case(title="Precies", summary="De nieuwe bewoners zoeken contact met de buurt.")
    write_case(title="Verspreid", summary="Nieuwe bewoners kwamen. Later: bewoners zoeken werk.")
    write_case(title="Omgekeerd", summary="Bewoners die nieuwe dingen zoeken.")
    assert sorted(titles(find(expert, '"nieuwe bewoners"'))) == ["Precies", "Verspreid"]
    # Three words: both pairs are in "Verspreid", but not one after the other.
    assert titles(find(expert, '"nieuwe bewoners zoeken"')) == ["Precies"]
    # Stop words between the words do not count, as before ("de", "met").
    assert titles(find(expert, '"contact buurt"')) == ["Precies"]
    page = find(expert, '"nieuwe bewoners zoeken"')
    assert "<mark>nieuwe</mark> <mark>bewoners</mark> <mark>zoeken</mark>" in page.hits[0].snippet


def test_snippets_mark_every_form_of_a_word(write_case, find, expert):
    # "huur" and "huren" share the stem "hur", which is not the start of "huur".
    write_case(title="Woonlasten", summary="De huur stijgt, en de huren dalen nooit.")
    snippet = find(expert, "huur").hits[0].snippet
    assert "<mark>huur</mark>" in snippet and "<mark>huren</mark>" in snippet
    assert "<mark>stijgt</mark>" not in snippet


def test_one_pass_analysis_is_the_analyzer_chain():
    analyzer = dutch_analyzer()
    texts = [
        "De fluïditeit van groepen; Nieuwe bewoners in het AZC_2 café 123 é.",
        "x de het een jongeren_groep ÉÉN vluchtelingen, Statushouders!",
        "Ça va? Ĳsselmonde — een straße in de gemeente 's-Hertogenbosch",
        "İstanbul en İzmir: twee steden, één İnvloed.",  # lower() makes İ two characters
        "",
    ]
    for text in texts:
        # Whoosh hands the same Token object on for every word: read it as it passes.
        tokens = [
            (token.text, token.startchar, token.endchar) for token in analyzer(text, chars=True)
        ]
        analysed = Analysed(text)
        assert analysed.terms == [term for term, _start, _end in tokens]
        words = [token.text for token in analyzer(text, no_morph=True)]
        assert analysed.words == words
        terms = frozenset(analysed.terms)
        found = matches(text, terms, limit=100)
        assert sorted(span for spans in found.values() for _p, *span in spans) == sorted(
            [start, end] for _text, start, end in tokens
        )


def _schema_doc(number: int, text: str) -> dict:
    return {
        "case_id": str(number),
        "title": f"Casus {number}",
        "body": text,
        "visibility": "network",
    }


def test_a_large_rebuild_indexes_in_parallel_processes(
    app, runner, write_case, find, expert, monkeypatch
):
    app.config.update(SEARCH_REBUILD_PARALLEL_FROM=1, SEARCH_REBUILD_PROCESSES=2)
    monkeypatch.setattr(rebuild, "REBUILD_BATCH", 2)  # documents handed to a process at once
    for number in range(8):
        write_case(title=f"Parallel {number}", summary=f"Nieuwe bewoners en windpark {number}.")
    result = runner.invoke(args=["search", "rebuild"])
    assert result.exit_code == 0, result.output
    searcher = view(storage.store(), NETWORK).searcher
    assert len(searcher.reader().leaf_readers()) >= 2  # one segment per process
    assert runner.invoke(args=["search", "check"]).exit_code == 0
    assert find(expert, "windpark").total == 8
    assert find(expert, '"nieuwe bewoners"').total == 8
    write_case(title="Daarna", summary="Windpark op zee.")
    assert find(expert, "windpark").total == 9


def test_similar_cases_are_computed_when_the_index_changes_not_per_view(
    write_case, expert, monkeypatch
):
    # More-like-this on every case page view was a third of the page's time.
    cases = [write_case(title=f"Windpark {n}", summary="Windpark bij het dorp.") for n in range(6)]

    def no_scoring(*args, **kwargs):
        raise AssertionError("similar cases scored a query while a page was shown")

    monkeypatch.setattr(score, "scores", no_scoring)
    for case in cases:
        found = [similar.case_id for similar in similar_cases(expert, case.id)]
        assert case.id not in found and len(found) == 5
