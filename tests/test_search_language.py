"""Dutch as people type it: word forms, compounds, the thesaurus and the order of results."""

import pytest

from app.comments.services import add_comment
from app.extensions import db
from app.models import Dilemma, Role, Theme
from app.search import morphology
from app.search.analysis import analyse
from app.search.services import save_synonyms, synonyms
from app.search.thesaurus import DEFAULT_SYNONYMS, build, parse_groups, problems
from tests.search_factories import titles


@pytest.fixture
def expert(make_user):
    return make_user(Role.EXPERT)


@pytest.mark.parametrize(
    "forms",
    [
        ("windturbine", "windturbines"),
        ("boos", "boze", "boosheid"),
        ("huis", "huizen"),
        ("demonstratie", "demonstraties"),
        ("gerucht", "geruchten"),
        ("vluchteling", "vluchtelingen"),
    ],
)
def test_forms_of_a_word_meet(write_case, find, expert, forms):
    for written in forms:
        write_case(title=f"Over {written}", summary=f"Het ging om {written}.", themes=["stikstof"])
    write_case(title="Iets anders", summary="Een burgerberaad.", themes=["stikstof"])
    for searched in forms:
        assert sorted(titles(find(expert, searched))) == sorted(f"Over {w}" for w in forms)


def test_a_compound_is_found_by_its_parts_and_finds_them(write_case, find, expert):
    write_case(title="Jongeren", summary="Veel overlast door jongeren bij het winkelcentrum.")
    write_case(title="Armoede", summary="Energiearmoede in de wijk.", themes=["inflatie"])
    write_case(title="Anders", summary="Een burgerberaad over woningbouw.", themes=["stikstof"])
    # Nobody wrote "jeugdoverlast": it is searched as jeugd (a synonym group) + overlast.
    assert titles(find(expert, "jeugdoverlast")) == ["Jongeren"]
    # The index holds the parts of the compounds it was given.
    assert titles(find(expert, "armoede")) == ["Armoede"]


def test_compounds_split_into_listed_words_only():
    assert morphology.split("jeugdoverlast") == ("jeugd", "overlast")
    assert morphology.split("dorpsraad") == ("dorp", "raad")  # the linking s
    assert morphology.split("windmolenpark") == ()  # a listed word is kept whole...
    assert morphology.split("windmolenpark", force=True) == ("windmolen", "park")  # ...unless
    assert morphology.split("overlast", force=False) == ()
    assert morphology.split("gemeente") == ()
    assert morphology.split("boosheid") == ("boos",)


def test_every_thesaurus_group_resolves_from_each_of_its_words():
    text = DEFAULT_SYNONYMS.read_text(encoding="utf-8")
    assert problems(text) == []
    groups = parse_groups(text)
    assert len(groups) >= 50
    assert any(group.broader != group.narrower for group in groups)  # one-way lines
    assert any(" " in entry for group in groups for entry in group.narrower)  # several words
    expansions = build(text)
    for group in groups:
        for broader in group.broader:
            found = set(expansions[tuple(analyse(broader))])
            for narrower in group.narrower:
                assert tuple(analyse(narrower)) in found, (broader, narrower)


def test_the_theme_names_and_dilemma_titles_are_labels_of_the_thesaurus(app):
    entries = set(build(DEFAULT_SYNONYMS.read_text(encoding="utf-8")))
    names = [theme.name for theme in db.session.query(Theme)]
    titles_ = [dilemma.title for dilemma in db.session.query(Dilemma)]
    for label in names + titles_:
        assert tuple(analyse(label)) in entries, label


def test_one_way_synonyms_find_narrower_terms_only(write_case, find, expert):
    save_synonyms("sociale media => tiktok\n")
    write_case(title="Filmpje", summary="Een filmpje op TikTok.", themes=["stikstof"])
    write_case(title="Media", summary="Onrust op sociale media.", themes=["stikstof"])
    assert sorted(titles(find(expert, "sociale media"))) == ["Filmpje", "Media"]
    assert titles(find(expert, "tiktok")) == ["Filmpje"]


def test_a_several_word_entry_is_a_synonym_both_ways(write_case, find, expert):
    write_case(title="Voorleesuur", summary="Een dragartiest las voor.", themes=["stikstof"])
    write_case(title="Kermis", summary="Een drag queen op de kermis.", themes=["stikstof"])
    write_case(title="Koningin", summary="Een queen van het bal.", themes=["stikstof"])
    assert sorted(titles(find(expert, "drag queen"))) == ["Kermis", "Voorleesuur"]
    assert sorted(titles(find(expert, "dragartiest"))) == ["Kermis", "Voorleesuur"]


def test_the_thesaurus_form_explains_its_mistakes(client, login, make_user):
    login(make_user(Role.ORGANISER))
    page = client.get("/search/synonyms").get_data(as_text=True)
    assert "=&gt;" in page or "=>" in page  # the format is documented on the page
    response = client.post("/search/synonyms", data={"text": "media => "})
    assert response.status_code == 422
    assert "beide kanten" in response.get_data(as_text=True)
    response = client.post("/search/synonyms", data={"text": "sociale media => tiktok, x"})
    assert response.status_code == 303
    assert "sociale media => tiktok" in synonyms().text()


def test_a_case_with_all_the_words_ranks_first_whatever_its_fields(write_case, find, expert):
    # One word in the title, the other only in a comment: still above the rare word alone.
    write_case(title="Zwembad dicht", summary="Het bad sluit.", themes=["stikstof"])
    both = write_case(title="Spanning", summary="Het zwembad.", themes=["stikstof"])
    add_comment(both, both.author, "De kosten van de energie liepen op.")
    write_case(title="Energie", summary="Energie energie energie.", themes=["stikstof"])
    assert titles(find(expert, "zwembad energie"))[0] == "Spanning"


def test_words_typed_together_prefer_a_text_that_has_them_together(write_case, find, expert):
    write_case(
        title="Ver uiteen",
        summary="Het zwembad bleef open. " + "Tekst. " * 40 + "De sluiting van de school.",
        themes=["stikstof"],
    )
    write_case(
        title="Samen", summary="De sluiting van het zwembad. " + "Tekst. " * 40, themes=["stikstof"]
    )
    assert titles(find(expert, "zwembad sluiting")) == ["Samen", "Ver uiteen"]


def test_question_words_do_not_pull_in_cases(write_case, find, expert):
    write_case(
        title="Vraag",
        summary="Hoe ga je om met dat soort dingen, wat doe je als het gebeurt?",
        themes=["stikstof"],
    )
    write_case(title="Gerucht", summary="Een gerucht op Facebook.", themes=["stikstof"])
    assert titles(find(expert, "hoe ga je om met een gerucht op facebook?")) == ["Gerucht"]


def test_a_hyphenated_several_word_entry_is_not_split_into_parts(write_case, find, expert):
    # "werknemers" is in no text, but it is part of the entry "oost-europese werknemer".
    write_case(title="Parken", summary="Arbeidsmigranten op de vakantieparken.")
    write_case(title="Anders", summary="Werk en een nemer.", themes=["stikstof"])
    assert titles(find(expert, "oost-europese werknemers")) == ["Parken"]
    assert morphology.stem("werknemer") == morphology.stem("werknemers")
