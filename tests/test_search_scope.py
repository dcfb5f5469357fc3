"""Search is scoped inside the query: nobody learns a case exists that they may not read.

Not from a result, a total, a facet value or count, a spelling suggestion or a similar case.
"""

import pytest
from flask_login import AnonymousUserMixin

from app.models import Role, SizeClass
from app.search.services import similar_cases
from tests.search_factories import titles

SECRET = "Zwijgplicht"  # a word that only occurs in the hidden case


@pytest.fixture
def world(make_user, make_municipality, write_case, publish):
    """A published case, a network-only case and a draft, in three municipalities."""
    public_town = make_municipality(name="Openstad", size_class=SizeClass.LARGE)
    network_town = make_municipality(name="Geheimdorp", size_class=SizeClass.SMALL)
    draft_town = make_municipality(name="Conceptveen", size_class=SizeClass.MEDIUM)
    people = {
        "public_author": make_user(municipality=public_town),
        "network_author": make_user(municipality=network_town),
        "draft_author": make_user(municipality=draft_town),
        "colleague": make_user(municipality=draft_town),
        "outsider": make_user(),
        "expert": make_user(Role.EXPERT),
        "organiser": make_user(Role.ORGANISER),
        "reader": make_user(Role.READER),
    }
    body = "Noodopvang van vluchtelingen in de sporthal, onrust bij omwonenden."
    published = write_case(
        author=people["public_author"], title="Openbare opvang", summary=body, themes=["inflatie"]
    )
    publish(published)
    network = write_case(
        author=people["network_author"],
        title=f"{SECRET} in de raad",
        summary=f"{body} {SECRET}.",
        themes=["stikstof"],
        dilemmas=[5],
        polarisation_kind="vertical",
    )
    draft = write_case(
        author=people["draft_author"],
        title=f"Concept over {SECRET}",
        summary=f"{body} {SECRET}.",
        themes=["windmolens"],
        share=False,
    )
    return people, {"published": published, "network": network, "draft": draft}


def _facet_values(result) -> dict[str, set[str]]:
    return {facet.name: {value.label for value in facet.values} for facet in result.facets}


@pytest.mark.parametrize("as_anonymous", [True, False])
def test_reader_learns_nothing_about_network_cases(world, find, app, as_anonymous):
    people, cases = world
    user = AnonymousUserMixin() if as_anonymous else people["reader"]
    for text in ("opvang vluchtelingen", "", SECRET, "raad"):
        result = find(user, text)
        assert result.archive
        assert set(titles(result)) <= {"Openbare opvang"}
        assert result.total == len(result.hits)
        facets = _facet_values(result)
        assert "Geheimdorp" not in facets.get("municipality", set())
        assert "Conceptveen" not in facets.get("municipality", set())
        assert "Stikstof" not in facets.get("theme", set())
        assert "klein" not in facets.get("size", set())
        assert "verticaal" not in facets.get("kind", set())
        assert not any(value.startswith("5.") for value in facets.get("dilemma", set()))
    # The hidden word is one edit away: no suggestion may reveal it.
    assert find(user, "Zwijgplich").suggestion is None
    assert find(user, "Zwijgplicht").total == 0
    similar = similar_cases(user, cases["published"].id, archive=True)
    assert {item.case_id for item in similar}.isdisjoint({cases["network"].id, cases["draft"].id})


def test_reader_pages_do_not_mention_network_cases(world, client, login):
    people, cases = world
    login(people["reader"])
    for url in ("/search?q=opvang", f"/search?q={SECRET}", "/search?q=Zwijgplich", "/archive"):
        html = client.get(url).get_data(as_text=True)
        # (The query itself is echoed in the search box; the cases' titles must not appear.)
        assert "in de raad" not in html and "Concept over" not in html
        assert "Geheimdorp" not in html and "Conceptveen" not in html
        assert "zwijgplicht" not in html
    publication_page = client.get("/archive").get_data(as_text=True)
    assert "Openbare opvang" in publication_page
    assert client.get(f"/cases/{cases['network'].id}").status_code == 404


def test_participant_sees_network_and_own_municipality_drafts(world, find):
    people, _cases = world
    colleague = find(people["colleague"], SECRET)
    assert set(titles(colleague)) == {f"{SECRET} in de raad", f"Concept over {SECRET}"}
    outsider = find(people["outsider"], SECRET)
    assert titles(outsider) == [f"{SECRET} in de raad"]
    assert outsider.total == 1
    facets = _facet_values(find(people["outsider"], "opvang"))
    assert "Conceptveen" not in facets["municipality"]
    assert "Windmolens" not in facets["theme"]


def test_expert_and_organiser_scopes(world, find):
    people, _cases = world
    assert titles(find(people["expert"], SECRET)) == [f"{SECRET} in de raad"]
    assert len(titles(find(people["organiser"], SECRET))) == 2


def test_suggestions_only_come_from_readable_words(world, find, write_case, make_user):
    people, _cases = world
    write_case(
        author=people["draft_author"], title="Ander concept", summary="Kwartiermaker", share=False
    )
    # The outsider cannot read the draft, so its word is never offered, nor searched instead.
    _assert_corrected_only_for_the_colleague(find, people)


def _assert_corrected_only_for_the_colleague(find, people):
    outsider = find(people["outsider"], "Kwartiermakr")
    assert (outsider.suggestion, outsider.corrected_from, outsider.total) == (None, None, 0)
    assert "kwartiermaker" not in repr(outsider)
    colleague = find(people["colleague"], "Kwartiermakr")
    assert (colleague.params.text, colleague.corrected_from) == ("kwartiermaker", "Kwartiermakr")
    assert titles(colleague) == ["Ander concept"]
    as_typed = find(people["colleague"], "Kwartiermakr", as_typed=True)
    assert as_typed.suggestion == "kwartiermaker"


def test_suggestions_stay_in_scope_after_a_rebuild(world, find, write_case, runner):
    # Whoosh's own spelling postings all name document 0 of their segment: true enough while
    # every case is written as a segment of its own, wrong once a rebuild (or a merge) puts
    # many cases in one. The outsider can read the first case; the draft must stay unseen.
    people, _cases = world
    write_case(
        author=people["draft_author"], title="Ander concept", summary="Kwartiermaker", share=False
    )
    assert runner.invoke(args=["search", "rebuild"]).exit_code == 0
    _assert_corrected_only_for_the_colleague(find, people)


def test_similar_cases_respect_the_scope(world):
    people, cases = world
    outsider_sees = {c.case_id for c in similar_cases(people["outsider"], cases["network"].id)}
    assert cases["draft"].id not in outsider_sees
    assert cases["network"].id not in outsider_sees
    colleague_sees = {c.case_id for c in similar_cases(people["colleague"], cases["network"].id)}
    assert cases["draft"].id in colleague_sees
    archive_similar = similar_cases(people["reader"], cases["published"].id, archive=True)
    assert {c.case_id for c in archive_similar}.isdisjoint({cases["network"].id, cases["draft"].id})


def test_scope_bitmasks_match_whoosh_on_segments_with_deletions(
    world, write_case, app, monkeypatch
):
    # Each write is a segment of its own and an update deletes the old document: the
    # bitmask evaluator must give what Whoosh's own document walk gives, for every scope.
    from app.comments.services import add_comment
    from app.permissions import read_scope
    from app.search import facets, merging, writer
    from app.search.query import scope_query
    from app.search.storage import NETWORK, store, view

    # No merges: they would drop the segments whose one document an update deleted.
    monkeypatch.setattr(merging, "plan", lambda segments: [])
    people, cases = world
    extra = write_case(author=people["colleague"], title="Nog een concept", share=False)
    add_comment(cases["network"], people["expert"], "Een reactie.")
    add_comment(extra, people["colleague"], "Nog een reactie.")
    writer.apply_pending()
    network = view(store(), NETWORK)
    leaves = list(network.searcher.reader().leaf_readers())
    assert len(leaves) > 1 and any(leaf.has_deletions() for leaf, _offset in leaves)
    for person in people.values():
        query = scope_query(read_scope(person))
        expected = facets.bits(network.searcher.docs_for_query(query))
        assert facets.query_bits(network, query) == expected, person
    assert facets.docnums(facets.all_bits(network)) == set(network.searcher.reader().all_doc_ids())
