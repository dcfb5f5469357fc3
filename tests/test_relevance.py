"""A floor under search relevance on the judged queries (tests/relevance/), so a change that
makes search find worse fails the suite. `make relevance` prints the full figures."""

import json

import pytest

from app.seed import DEMO_FILE, load_demo
from tests.relevance import measure

# The figures on the judged set when these floors were set were 0.94 / 0 % / 0.97; the
# floors are the targets of issue 12, so noise in a tie between two cases cannot fail them.
FLOOR_NDCG = 0.90
FLOOR_MISSPELLINGS = 0.85
MAX_ZERO_RESULTS = 0.03


@pytest.fixture
def figures(app):
    load_demo()
    ours, theirs, _rows = measure.evaluate()
    return ours, theirs


def test_relevance_stays_above_its_floor(figures):
    ours, theirs = figures
    overall = ours.means()
    assert overall["n"] >= 60
    assert overall["ndcg"] >= FLOOR_NDCG, measure.report(ours, theirs)
    assert overall["zero"] <= MAX_ZERO_RESULTS, measure.report(ours, theirs)
    assert ours.means("misspelling")["ndcg"] >= FLOOR_MISSPELLINGS, measure.report(ours, theirs)
    # The plain BM25 baseline ran on the same cases: the app must do clearly better.
    assert overall["ndcg"] > theirs.means()["ndcg"] + 0.1


def test_scores_follow_the_judgments():
    judged = {"Exact": 2, "Verwant": 1}
    assert measure.score(["Exact", "Verwant"], judged).ndcg == pytest.approx(1.0)
    swapped = measure.score(["Verwant", "Exact"], judged)
    assert 0 < swapped.ndcg < 1 and swapped.rr == 1.0
    missing = measure.score(["Anders"], judged)
    assert (missing.ndcg, missing.rr, missing.recall, missing.empty) == (0.0, 0.0, 0.0, False)
    assert measure.score([], judged).empty


def test_the_judged_set_names_only_demo_cases_an_expert_reads():
    cases = {case["title"]: case for case in json.loads(DEMO_FILE.read_text())["cases"]}
    judged = measure.load()
    assert len(judged) >= 60
    for query in judged:
        assert query.kind == measure.NO_ANSWER or query.relevant, query.text
        for title, grade in query.relevant.items():
            assert grade in (1, 2)
            assert cases[title]["visibility"] != "draft", title
