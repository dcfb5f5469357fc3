"""Search relevance, query handling, highlighting, facets and the search page."""

import random
from pathlib import Path

import numpy as np
import pytest
from flask import url_for
from werkzeug.datastructures import MultiDict
from whoosh.fields import ID, TEXT, Schema
from whoosh.filedb.filestore import RamStorage
from whoosh.query import Or, Term

from app.comments.services import add_comment
from app.models import Role
from app.reflections.services import add_reflection
from app.search import collect, facets
from app.search.forms import MAX_FACET_VALUES, search_params
from app.search.services import SearchParams, save_synonyms, search
from app.search.storage import WRITER_OPTIONS, IndexView
from app.search.views import search_links
from tests.search_factories import titles


@pytest.fixture
def expert(make_user):
    return make_user(Role.EXPERT, organisation="Movisie")


@pytest.mark.parametrize(
    ("written", "searched"),
    [
        ("Opvang van een vluchteling in de sporthal", "vluchtelingen"),
        ("Opvang van vluchtelingen in de sporthal", "vluchteling"),
        ("Een jongere voelt zich niet gehoord", "jongeren"),
        ("Groepen jongeren bij het station", "jongere"),
        ("De fluïditeit van motieven", "fluiditeit"),
        ("De fluiditeit van motieven", "fluïditeit"),
    ],
)
def test_dutch_stemming_and_accent_folding(write_case, find, expert, written, searched):
    # Neutral themes: a theme's name is searchable, and "Jongerengroepen" holds "jongeren".
    write_case(title="Een casus", summary=written, themes=["stikstof"])
    write_case(title="Iets anders", summary="Windmolens en stikstof.", themes=["stikstof"])
    assert titles(find(expert, searched)) == ["Een casus"]


@pytest.mark.parametrize(
    ("written", "searched"),
    [
        ("Huisvesting van vergunninghouders", "statushouder"),
        ("Huisvesting van statushouders", "vergunninghouder"),
        ("Het nieuwe asielzoekerscentrum", "azc"),
        ("Onrust rond het azc", "asielzoekerscentrum"),
        ("Een jeugdgroep bij de supermarkt", "hangjongeren"),
        ("Hangjongeren bij de supermarkt", "jongerengroep"),
        ("De tegenstelling tussen oud en nieuw", "polarisatie"),
    ],
)
def test_synonyms_apply_at_query_time(write_case, find, expert, written, searched):
    # A neutral theme: the default one (jongerengroepen) is itself a synonym of hangjongeren.
    write_case(title="Gevonden casus", situation=written, themes=["stikstof"])
    write_case(title="Andere casus", situation="Inflatie en energiearmoede.", themes=["stikstof"])
    assert titles(find(expert, searched)) == ["Gevonden casus"]


def test_organiser_extends_synonyms_without_reindexing(write_case, find, expert):
    write_case(title="Dorpshuis", situation="De buurtkamer liep vol.")
    assert find(expert, "wijkpunt").total == 0
    save_synonyms("buurtkamer, wijkpunt\n")
    assert titles(find(expert, "wijkpunt")) == ["Dorpshuis"]


def test_quoted_phrase_and_prefix(write_case, find, expert):
    write_case(title="Eerste", summary="Wij spraken met jonge mensen op het plein.")
    write_case(title="Tweede", summary="Mensen die jong zijn, en ouderen.")
    assert titles(find(expert, '"jonge mensen"')) == ["Eerste"]
    assert set(titles(find(expert, "jonge mensen"))) == {"Eerste", "Tweede"}
    write_case(title="Derde", summary="Over windturbines.")
    assert titles(find(expert, "windturb*")) == ["Derde"]


def test_all_words_rank_above_any_word(write_case, find, expert):
    write_case(title="Een", summary="Gesprek over woningkrapte.")
    write_case(title="Twee", summary="Gesprek over woningkrapte en inflatie in de wijk.")
    write_case(title="Drie", summary="Alleen inflatie.")
    result = find(expert, "woningkrapte inflatie")
    assert titles(result)[0] == "Twee"
    assert result.total == 3


def test_title_matches_rank_first(write_case, find, expert):
    write_case(title="Over iets anders", summary="Een keer windmolens genoemd.")
    write_case(title="Windmolens in de polder", summary="Een verhaal.")
    assert titles(find(expert, "windmolens"))[0] == "Windmolens in de polder"


def test_comment_and_reflection_hits_are_labelled(
    write_case, find, expert, make_comment, make_user
):
    commented = write_case(title="Met reactie", summary="Niets bijzonders.")
    reflected = write_case(title="Met reflectie", summary="Ook niets bijzonders.")
    add_comment(commented, make_user(), "Wij gebruikten een buurtbemiddelaar.")
    add_reflection(reflected, expert, "Denk aan het kantelpunt in het gesprek.", "")
    hit = find(expert, "buurtbemiddelaar").hits[0]
    assert (hit.title.striptags(), hit.snippet_label) == ("Met reactie", "in een reactie")
    assert "<mark>buurtbemiddelaar</mark>" in hit.snippet
    hit = find(expert, "kantelpunt").hits[0]
    assert (hit.title.striptags(), hit.snippet_label) == ("Met reflectie", "in een reflectie")


def test_snippets_and_titles_are_escaped(write_case, find, expert):
    write_case(
        title="Script <b>vet</b> titel",
        summary='Gevaarlijk <script>alert("x")</script> woord onrust <img src=x onerror=1>.',
    )
    hit = find(expert, "onrust").hits[0]
    assert "<script>" not in hit.snippet and "<img" not in hit.snippet
    assert "&lt;script&gt;" in hit.snippet
    assert "<mark>onrust</mark>" in hit.snippet
    hit = find(expert, "script vet").hits[0]
    assert "<b>" not in hit.title and "&lt;b&gt;" in hit.title and "<mark>" in hit.title


def test_facets_combine_and_count(write_case, find, expert, make_user, make_municipality):
    town = make_municipality(name="Facetdorp")
    author = make_user(municipality=town)
    write_case(author=author, title="A", themes=["woningkrapte"], dilemmas=[1], summary="huur")
    write_case(title="B", themes=["woningkrapte", "inflatie"], summary="huur")
    write_case(title="C", themes=["inflatie"], polarisation_kind="vertical", summary="huur")
    result = find(expert, "huur")
    facets = {facet.name: {v.value: v.count for v in facet.values} for facet in result.facets}
    assert facets["theme"] == {"woningkrapte": 2, "inflatie": 2}
    assert facets["kind"] == {"horizontal": 2, "vertical": 1}
    assert facets["dilemma"] == {"1": 1}
    narrowed = find(expert, "huur", theme="woningkrapte", municipality=str(town.id))
    assert titles(narrowed) == ["A"] and narrowed.total == 1
    assert titles(find(expert, "", theme="inflatie", kind="vertical")) == ["C"]


def test_several_values_of_one_facet_mean_any_of_them(write_case, expert, client, login, make_user):
    write_case(title="A", themes=["woningkrapte"], summary="huur", status="open")
    write_case(title="B", themes=["inflatie"], summary="huur", status="completed")
    write_case(title="C", themes=["jongerengroepen"], summary="huur", status="open")
    two_themes = (("theme", "woningkrapte"), ("theme", "inflatie"))
    result = search(expert, SearchParams(text="huur", facets=two_themes))
    assert sorted(titles(result)) == ["A", "B"] and result.total == 2
    counts = {facet.name: {v.value: v.count for v in facet.values} for facet in result.facets}
    # A facet's own choice is left out of its counts: they say what choosing more would add.
    assert counts["theme"] == {"woningkrapte": 1, "inflatie": 1, "jongerengroepen": 1}
    # Every other facet counts within the choice.
    assert counts["status"] == {"open": 1, "completed": 1}
    chosen = {
        v.value
        for facet in result.facets
        if facet.name == "theme"
        for v in facet.values
        if v.selected
    }
    assert chosen == {"woningkrapte", "inflatie"}
    # Different facets: all of them.
    both = search(expert, SearchParams(text="huur", facets=(*two_themes, ("status", "open"))))
    assert titles(both) == ["A"]
    theme_counts = {v.value: v.count for v in both.facets[0].values}
    assert theme_counts == {"woningkrapte": 1, "jongerengroepen": 1}
    # Through the page: both values stay in the form, and each link adds or removes one.
    login(make_user(Role.EXPERT))
    html = client.get("/search?q=huur&theme=woningkrapte&theme=inflatie").get_data(as_text=True)
    assert html.count('<input type="hidden" name="theme"') == 2
    assert "2 resultaten" in html
    assert 'href="/search?q=huur&amp;theme=woningkrapte"' in html  # inflatie taken away
    assert (
        'href="/search?q=huur&amp;theme=woningkrapte&amp;theme=inflatie&amp;theme=jongerengroepen"'
        in html
    )


def test_sort_newest_and_pagination_totals(write_case, find, expert, app):
    app.config["SEARCH_RESULTS_PER_PAGE"] = 4
    for number in range(10):
        write_case(title=f"Casus nummer {number}", summary="Gemeenschappelijk woord.")
    first = find(expert, "gemeenschappelijk", sort="newest")
    assert (first.total, first.pages, len(first.hits)) == (10, 3, 4)
    assert titles(first)[0] == "Casus nummer 9"
    last = find(expert, "gemeenschappelijk", sort="newest", page=3)
    assert titles(last) == ["Casus nummer 1", "Casus nummer 0"]
    beyond = find(expert, "gemeenschappelijk", page=99)
    assert beyond.page == 3


@pytest.mark.parametrize("matcher", [Or.AUTO_MATCHER, Or.DEFAULT_MATCHER])
def test_totals_and_facets_count_every_match_not_only_the_top(
    write_case, expert, app, monkeypatch, matcher
):
    # Strong hits fill the first page early and one more comes last: totals, pages, facet
    # counts and the last page still count the weak hits in between (see the test below).
    # DEFAULT_MATCHER: the tree of unions Whoosh uses for an index of over 5,000 documents.
    monkeypatch.setattr(Or, "matcher_type", matcher)
    app.config["SEARCH_RESULTS_PER_PAGE"] = 2
    for number in range(3):
        write_case(
            title=f"Sterk {number}", summary="Zeldzaam. " * (number + 1), themes=["inflatie"]
        )
    for number in range(20):
        write_case(title=f"Zwak {number}", summary="Een gewoon verhaal.", themes=["woningkrapte"])
    write_case(title="Sterk 3", summary="Zeldzaam.", themes=["inflatie"])
    for full in (True, False):
        result = search(expert, SearchParams(text="zeldzaam gewoon"), full=full)
        assert (result.total, result.pages) == (24, 12)
        assert titles(result) == ["Sterk 2", "Sterk 1"]
    result = search(expert, SearchParams(text="zeldzaam gewoon"))
    counts = {value.value: value.count for value in result.facets[0].values}
    assert (result.facets[0].name, counts) == ("theme", {"inflatie": 4, "woningkrapte": 20})
    last = search(expert, SearchParams(text="zeldzaam gewoon", page=12), full=False)
    assert [title[:4] for title in titles(last)] == ["Zwak", "Zwak"]


def test_one_pass_search_counts_what_a_top_n_search_would_skip():
    # Once the page is full, Whoosh's top-N search turns "zeldzaam OR gewoon" into "zeldzaam,
    # and gewoon if present" while a zeldzaam document is still to come: the weak hits in
    # between are never seen. Totals and facet counts are taken from this pass, so it must not.
    index = RamStorage().create_index(Schema(key=ID(stored=True), body=TEXT))
    writer = index.writer()
    for number in range(3):
        writer.add_document(key=f"sterk{number}", body="zeldzaam " * (number + 1))
    for number in range(20):
        writer.add_document(key=f"zwak{number}", body="een gewoon verhaal")
    writer.add_document(key="sterk3", body="zeldzaam")
    writer.commit()
    query = Or([Term("body", "zeldzaam"), Term("body", "gewoon")])
    with index.searcher() as searcher:
        results, matched = collect.run(searcher, query, None, limit=2, newest=False, cache={})
        assert matched.bit_count() == 24
        assert [hit["key"] for hit in results] == ["sterk2", "sterk1"]
        allowed = sum(1 << docnum for docnum in (0, 1, 5, 23))
        results, matched = collect.run(searcher, query, allowed, limit=2, newest=False, cache={})
        assert matched == allowed


@pytest.mark.parametrize("limit", [1, 3, 20, 500])
def test_best_hits_are_the_highest_values_with_ties_by_lowest_docnum(limit):
    rng = random.Random(limit)
    value = np.array([rng.choice([0.5, 1.0, 1.5, rng.random()]) for _ in range(400)])
    docnums = np.array(sorted(rng.sample(range(400), 300)))
    expected = sorted(docnums.tolist(), key=lambda docnum: (-value[docnum], docnum))[:limit]
    assert collect._best(docnums, limit, value).tolist() == expected


# Whoosh's default codec keeps postings in blocks; the app's inlines a rare term's postings.
@pytest.mark.parametrize("codec", [{}, {"codec": WRITER_OPTIONS["codec"]}], ids=["whoosh", "app"])
def test_document_number_is_whooshs_across_segments_with_updates(codec):
    index = RamStorage().create_index(Schema(key=ID(stored=True, unique=True), body=TEXT))
    rng = random.Random(4)
    for batch in range(5):  # five segments; each updates some keys of the ones before
        writer = index.writer(**codec)
        for key in rng.sample(range(30), 12):
            writer.update_document(key=str(key), body=f"versie {batch}")
        writer.commit(merge=False)
    writer = index.writer(**codec)
    writer.delete_by_term("key", "3")
    for _ in range(3):  # a value held by several documents of one segment: the first counts
        writer.add_document(key="40", body="dubbel")
    writer.commit(merge=False)
    with index.searcher() as searcher:
        assert len(searcher.leaf_searchers()) > 1
        for key in [*map(str, range(32)), "40", "geen"]:
            expected = searcher.document_number(key=key)
            assert collect.document_number(searcher, "key", key) == expected, key
        assert collect.document_number(searcher, "missing_field", "1") is None


def test_live_documents_leave_out_deleted_ones_in_every_segment():
    index = RamStorage().create_index(Schema(key=ID(stored=True, unique=True), body=TEXT))
    for batch in range(2):  # two segments
        writer = index.writer()
        for number in range(5):
            writer.add_document(key=f"{batch}-{number}", body="tekst")
        writer.commit(merge=False)
    writer = index.writer()
    writer.delete_by_term("key", "0-1")
    writer.delete_by_term("key", "1-3")
    writer.commit(merge=False)
    with index.searcher() as searcher:
        live = facets.all_bits(IndexView(Path("."), index, searcher))
        assert {searcher.stored_fields(d)["key"] for d in facets.docnums(live)} == {
            f"{batch}-{number}" for batch in range(2) for number in range(5)
        } - {"0-1", "1-3"}
        assert facets.docnums(live) == set(searcher.reader().all_doc_ids())


def test_a_misspelled_search_shows_the_results_of_its_suggestion(write_case, find, expert):
    write_case(title="Opvang", summary="Huisvesting van vluchtelingen in het dorp.")
    result = find(expert, "vluchtelingn")
    assert titles(result) == ["Opvang"]
    assert (result.params.text, result.corrected_from) == ("vluchtelingen", "vluchtelingn")
    # The words as typed, on request: nothing found, and the suggestion offered.
    as_typed = search(expert, SearchParams(text="vluchtelingn", as_typed=True))
    assert (as_typed.total, as_typed.suggestion, as_typed.corrected_from) == (
        0,
        "vluchtelingen",
        None,
    )
    assert find(expert, "vluchtelingen").suggestion is None


HOSTILE = [
    '"',
    "(",
    ")",
    "AND OR",
    "NOT AND",
    "*",
    "**",
    "?",
    "a*b*c",
    "title:geheim",
    "visibility:draft",
    "[a TO z]",
    "x^99",
    "'",
    "\x00\x01\x1b[31m",
    "😀 👍",
    "%00",
    "<script>alert(1)</script>",
    "a" * 5000,
    " ".join(["woord"] * 500),
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_fail(client, login, make_user, write_case, query):
    write_case(title="Iets", summary="woord geheim")
    login(make_user(Role.EXPERT))
    response = client.get("/search", query_string={"q": query})
    assert response.status_code == 200
    assert b"<script>alert(1)</script>" not in response.data
    anonymous = client.application.test_client()
    assert anonymous.get("/archive/search", query_string={"q": query}).status_code == 200


def test_very_long_query_gets_a_dutch_notice(client, login, make_user):
    login(make_user(Role.EXPERT))
    response = client.get("/search", query_string={"q": "opvang " * 1000})
    assert "Je zoekopdracht was erg lang" in response.get_data(as_text=True)


def test_search_page_and_fragment_share_one_url(client, login, make_user, write_case):
    write_case(title="Noodopvang in de sporthal", summary="Onrust over de opvang.")
    login(make_user(Role.EXPERT))
    page = client.get("/search?q=opvang")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<html" in html and 'id="search-results"' in html
    assert "Noodopvang" in html and 'hx-push-url="true"' in html
    assert 'hx-trigger="input changed delay:300ms, search"' in html
    fragment = client.get("/search?q=opvang", headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and body.lstrip().startswith('<div id="search-results"')
    assert "Noodopvang" in body
    assert "HX-Request" in fragment.headers["Vary"]


@pytest.mark.parametrize("endpoint", ["search.index", "archive.search"])
@pytest.mark.parametrize(
    "args",
    [
        {},
        {"q": "opvang"},
        {"q": '"nieuwe bewoners" jonger*', "theme": ["a-b", "c d"], "page": 2},
        {"q": "fluïditeit & co/+?=#%", "as_typed": 1, "sort": "newest", "year": "2025"},
        {"q": "!$'()*,/:;?@ ~ \u00e9\u20ac", "municipality": ["7"], "kind": []},
    ],
)
def test_search_links_are_the_urls_url_for_builds(app, endpoint, args):
    """The results page builds its ~90 links without url_for's rule, to the same hrefs."""
    with app.test_request_context("/search", base_url="http://localhost/root"):
        wanted = url_for(endpoint, **args)
        assert search_links(endpoint)(args) == wanted
        assert wanted.startswith("/root/")


def test_search_page_keeps_facets_in_the_form(client, login, make_user, write_case):
    write_case(title="Huurders", themes=["woningkrapte"], summary="huur")
    login(make_user(Role.EXPERT))
    html = client.get("/search?q=huur&theme=woningkrapte&sort=newest").get_data(as_text=True)
    assert '<input type="hidden" name="theme" value="woningkrapte">' in html
    assert '<input type="hidden" name="sort" value="newest">' in html


def test_similar_cases_on_the_case_page(client, login, make_user, write_case):
    author = make_user()
    cases = [
        write_case(
            author=author,
            title=f"Opvang {number}",
            summary="Noodopvang van vluchtelingen in de sporthal, onrust bij omwonenden.",
        )
        for number in range(7)
    ]
    write_case(author=author, title="Los", summary="Stikstof en boeren.")
    login(author)
    html = client.get(f"/cases/{cases[0].id}").get_data(as_text=True)
    section = html.split('id="similar-cases"')[1].split("</section>")[0]
    assert section.count("<li>") == 5
    assert f'href="/cases/{cases[0].id}"' not in section
    assert "Los" not in section


def test_similar_cases_follow_the_index_despite_caching(client, login, make_user, write_case):
    author = make_user()
    first = write_case(author=author, title="Windpark A", summary="Windmolens en geluidshinder.")
    login(author)
    page = client.get(f"/cases/{first.id}").get_data(as_text=True)
    assert "Windpark B" not in page.split('id="similar-cases"')[1].split("</section>")[0]
    # A new similar case changes the index, so the cached list must not be served again.
    write_case(author=author, title="Windpark B", summary="Windmolens, geluidshinder en onrust.")
    page = client.get(f"/cases/{first.id}").get_data(as_text=True)
    assert "Windpark B" in page.split('id="similar-cases"')[1].split("</section>")[0]


def test_synonyms_page_for_organisers_only(client, login, make_user):
    login(make_user(Role.PARTICIPANT))
    assert client.get("/search/synonyms").status_code == 403
    login(make_user(Role.ORGANISER))
    page = client.get("/search/synonyms").get_data(as_text=True)
    assert "statushouder, vergunninghouder" in page
    failed = client.post("/search/synonyms", data={"text": "alleenééngroepwoord"})
    assert failed.status_code == 422
    assert "alleenééngroepwoord" in failed.get_data(as_text=True)
    saved = client.post("/search/synonyms", data={"text": "buurthuis, wijkcentrum"})
    assert saved.status_code == 303
    assert "buurthuis, wijkcentrum" in client.get("/search/synonyms").get_data(as_text=True)


def test_synonyms_form_without_its_field_is_refused_not_a_crash(client, login, make_user):
    login(make_user(Role.ORGANISER))
    response = client.post("/search/synonyms", data={})
    assert response.status_code == 422
    assert "Geef minstens één groep synoniemen." in response.get_data(as_text=True)


def test_many_facet_values_are_cut_not_an_error(client, login, make_user):
    login(make_user(Role.EXPERT))
    values = "&".join(f"theme=onbekend{number}" for number in range(200))
    response = client.get(f"/search?q=huur&{values}&status=" + "x" * 5000)
    assert response.status_code == 200
    params = search_params(MultiDict([("theme", f"t{n}") for n in range(200)] + [("theme", "t1")]))
    assert len(params.selected("theme")) == MAX_FACET_VALUES
