"""Similar cases: shared themes first, then dilemmas, kind and text without place names;
computed when the index changes, shown within the reader's scope."""

import pytest
import sqlalchemy as sa

from app.cases.services import update_case
from app.extensions import db
from app.models import Role, Theme
from app.search import similar
from app.search.services import similar_cases
from app.search.storage import ARCHIVE, NETWORK, store


@pytest.fixture
def expert(make_user):
    return make_user(Role.EXPERT)


def _titles(user, case, archive=False) -> list[str]:
    return [item.title for item in similar_cases(user, case.id, archive=archive)]


def test_a_case_sharing_no_theme_never_comes_before_one_that_does(write_case, expert):
    town_text = "In Dorrestad, wijk De Hoeve, bij winkelcentrum De Hoeve in Dorrestad."
    case = write_case(title="JOP", summary=f"Jongeren bij een JOP. {town_text}")
    # The same town, the same names, another theme: alike in text only.
    write_case(title="Zelfde dorp", summary=f"Een azc. {town_text}", themes=["vluchtelingenopvang"])
    # Another town and other words, but the same theme.
    write_case(title="Zelfde thema", summary="Scooters op het plein.", themes=["jongerengroepen"])
    assert _titles(expert, case) == ["Zelfde thema", "Zelfde dorp"]


def test_dilemmas_kind_and_text_order_cases_of_the_same_themes(write_case, expert):
    case = write_case(
        title="Basis", summary="Straatcoaches en jongerenwerk bij overlast.", dilemmas=[4]
    )
    write_case(title="Ander dilemma", summary="Iets over een feest.", dilemmas=[6])
    write_case(title="Zelfde dilemma", summary="Iets over een feest.", dilemmas=[4])
    write_case(title="Zelfde tekst", summary="Straatcoaches en jongerenwerk bij overlast.")
    found = _titles(expert, case)
    assert found.index("Zelfde dilemma") < found.index("Ander dilemma")
    assert found.index("Zelfde tekst") < found.index("Ander dilemma")


def test_place_names_do_not_make_cases_alike(write_case, make_municipality, make_user, expert):
    town = make_municipality(name="Brekelburg")
    author = make_user(municipality=town)
    base = "Gesprekken met omwonenden in Brekelburg-Oost en Brekelburg over Brekelburg."
    case = write_case(author=author, title="Basis", summary=f"Keukentafelgesprekken. {base}")
    write_case(author=author, title="Zelfde plaats", summary=f"Een feest. {base}")
    write_case(title="Zelfde aanpak", summary="Keukentafelgesprekken met omwonenden.")
    assert _titles(expert, case)[0] == "Zelfde aanpak"


def test_a_new_or_changed_case_joins_the_lists_of_the_cases_it_is_like(
    write_case, expert, make_user
):
    def texts(summary, situation, question):
        # Each case's own words: the factory's default sections would make them all alike.
        return {"summary": summary, "situation": situation, "question": question}

    windpark = texts("Een windpark.", "Molens.", "Geluid?")
    opvang = texts("Een azc.", "Opvang.", "Vluchtelingen?")
    first = write_case(title="Windpark", themes=["stikstof"], **windpark)
    other = write_case(title="Ander", themes=["inflatie"], **opvang)
    assert _titles(expert, first) == []  # nothing shares a theme or a word
    second = write_case(title="Nieuw", themes=["windmolens"], **windpark)
    assert _titles(expert, first) == ["Nieuw"]
    # Edited to be like the other one: it leaves the first list and joins the other's.
    inflatie = db.session.scalar(sa.select(Theme.id).where(Theme.slug == "inflatie"))
    data = {"title": "Nieuw", "polarisation_kind": "vertical", "status": "open", **opvang}
    update_case(second, {**data, "themes": [inflatie]}, share=False)
    assert _titles(expert, first) == []
    assert _titles(expert, other) == ["Nieuw"]


def test_drafts_and_network_cases_stay_out_of_reach(write_case, publish, make_user, expert):
    author = make_user()
    published = write_case(author=author, title="Openbaar", summary="Het windpark en de boeren.")
    publish(published)
    write_case(author=author, title="Netwerk", summary="Het windpark en de boeren.")
    write_case(author=author, title="Concept", summary="Het windpark en de boeren.", share=False)
    other = write_case(author=author, title="Nog een", summary="Het windpark en de boeren.")
    assert "Concept" not in _titles(expert, other)
    assert "Concept" in _titles(author, other)  # the author reads their own draft
    publish(other)
    # The archive page lists archived cases only.
    assert _titles(expert, other, archive=True) == ["Openbaar"]


def test_the_lists_are_rebuilt_with_the_index(write_case, expert, runner):
    first = write_case(title="Eerste", summary="Een windpark.")
    write_case(title="Tweede", summary="Een windpark.")
    for name in (NETWORK, ARCHIVE):
        (store().live_path(name) / similar.FILE).unlink(missing_ok=True)
    assert _titles(expert, first) == []
    assert runner.invoke(args=["search", "rebuild"]).exit_code == 0
    assert _titles(expert, first) == ["Tweede"]


def _exact_lists(profiles: dict) -> dict:
    """Every case's list by scoring every pair: what the lists must be."""
    lists = {}
    for profile in profiles.values():
        scored = [
            (other.case_id, similarity)
            for other in profiles.values()
            if other.case_id != profile.case_id
            and (similarity := similar.similarity(profile, other)) > 0
        ]
        scored.sort(key=lambda item: (-item[1], item[0]))
        lists[profile.case_id] = scored[: similar.KEPT]
    return lists


def test_placing_a_new_case_gives_the_lists_scoring_every_pair_would():
    # Enough cases that lists are full, so that the bound on shared themes skips most pairs.
    import random

    rng = random.Random(7)
    words = [f"woord{number}" for number in range(60)]

    def profile(case_id: int) -> similar.Profile:
        vector = {word: rng.random() for word in rng.sample(words, 6)}
        norm = sum(weight * weight for weight in vector.values()) ** 0.5
        return similar.Profile(
            case_id,
            frozenset(rng.sample("abcdefgh", rng.randint(0, 2))),
            frozenset(rng.sample("123", rng.randint(0, 1))),
            rng.choice(["vertical", "horizontal", ""]),
            {word: weight / norm for word, weight in vector.items()},
        )

    profiles = {case_id: profile(case_id) for case_id in range(1, 301)}
    lists = _exact_lists(profiles)
    for new_id in range(301, 311):
        new = profile(new_id)
        profiles[new_id] = new
        changed: dict = {}
        own = similar._place(new, profiles, lists, changed)
        lists.update(changed)
        lists[new_id] = own
        # Rounded: a dot product summed in the other case's term order may differ in the
        # last bit.
        assert _rounded(lists) == _rounded(_exact_lists(profiles))


def _rounded(lists: dict) -> dict:
    return {
        key: [(other, round(score, 9)) for other, score in found] for key, found in lists.items()
    }


def _lists_term_by_term(profiles: list) -> dict:
    """_all_lists as it was before it added with arrays: the same candidates, added up one
    product at a time in a dict, the TEXT_CANDIDATES best picked by heapq.nlargest."""
    import heapq
    from collections import defaultdict

    by_term, by_theme = defaultdict(list), defaultdict(list)
    for profile in profiles:
        for term, weight in profile.vector.items():
            by_term[term].append((weight, profile))
        for theme in profile.themes:
            by_theme[theme].append(profile)
    for sharing in by_term.values():
        sharing.sort(key=lambda item: -item[0])
        del sharing[similar.CANDIDATES_PER_TERM :]
    by_id = {profile.case_id: profile for profile in profiles}
    lists = {}
    for profile in profiles:
        text = defaultdict(float)
        for term, weight in profile.vector.items():
            for other_weight, other in by_term[term]:
                text[other.case_id] += weight * other_weight
        best = heapq.nlargest(similar.TEXT_CANDIDATES, text.items(), key=lambda item: item[1])
        candidates = {case_id: by_id[case_id] for case_id, _text in best}
        for theme in profile.themes:
            candidates.update(
                (other.case_id, other) for other in by_theme[theme][: similar.SAME_THEME_POOL]
            )
        scored = [
            (case_id, similar._score(profile, other, text.get(case_id, 0.0)))
            for case_id, other in candidates.items()
            if case_id != profile.case_id
        ]
        scored = sorted((item for item in scored if item[1] > 0), key=lambda i: (-i[1], i[0]))
        lists[profile.case_id] = scored[: similar.KEPT]
    return lists


def test_a_fresh_build_picks_and_scores_candidates_as_adding_term_by_term_does():
    # Few words, so that a word is shared by more cases than CANDIDATES_PER_TERM and a
    # case by more than TEXT_CANDIDATES; few weights, so that equal text sums are common
    # and which of them make the cut decides the lists.
    import random

    rng = random.Random(11)
    words = [f"woord{number}" for number in range(24)]
    profiles = []
    for case_id in range(1, 401):
        vector = {word: rng.choice([1.0, 2.0, 3.0]) for word in rng.sample(words, 5)}
        norm = sum(weight * weight for weight in vector.values()) ** 0.5
        profiles.append(
            similar.Profile(
                case_id,
                frozenset(rng.sample("abcdefgh", rng.randint(0, 2))),
                frozenset(rng.sample("123", rng.randint(0, 1))),
                rng.choice(["vertical", "horizontal", ""]),
                {word: weight / norm for word, weight in vector.items()} if case_id % 50 else {},
            )
        )
    expected = _lists_term_by_term(profiles)
    assert similar._all_lists(profiles) == expected
    assert similar._all_lists(profiles, processes=2) == expected


def test_a_fresh_build_in_two_processes_gives_what_one_process_gives(write_case):
    for number, summary in enumerate(
        ["Een windpark en boze bewoners.", "Windturbines in de polder.", "Een azc in het dorp.",
         "Jongeren bij de JOP.", "Boze bewoners bij een informatieavond.", "Een windpark."]
    ):  # fmt: skip
        write_case(title=f"Casus {number}", summary=summary)
    places = similar._place_terms(db.session)
    with store().open(NETWORK).searcher() as searcher:
        alone = similar._profiles(searcher, places, processes=1)
        assert len(alone) == 6
        assert similar._profiles(searcher, places, processes=2) == alone
    assert similar._all_lists(alone, processes=2) == similar._all_lists(alone, processes=1)


def test_the_parts_of_a_fresh_build_are_computed_in_processes_of_their_own():
    import os

    pids = similar._in_processes(lambda _shared, _part: os.getpid(), [[1], [2]], None)
    assert len(pids) == 2 and os.getpid() not in pids
