"""Edit history: a version per save that changes a text, word diffs, visibility and restoring."""

import pytest
import sqlalchemy as sa

from app.cases.services import delete_case, update_case
from app.comments.services import add_comment, delete_comment, edit_comment
from app.extensions import db
from app.history import services as history
from app.history.diff import word_diff
from app.methods import services as method_services
from app.models import AuditEvent, CaseVersion, CommentVersion, MethodVersion, Role
from app.privacy.services import erase
from app.reflections.services import add_reflection, edit_reflection
from tests.search_factories import titles

HTMX = {"HX-Request": "true"}


@pytest.fixture
def people(make_user, make_municipality):
    town, other = make_municipality(name="Waterdorp"), make_municipality(name="Bergstad")
    return {
        "author": make_user(municipality=town, display_name="Wim Schrijver"),
        "colleague": make_user(municipality=town, display_name="Cor Collega"),
        "outsider": make_user(municipality=other),
        "expert": make_user(Role.EXPERT, organisation="Movisie", display_name="Eva Expert"),
        "organiser": make_user(Role.ORGANISER),
        "reader": make_user(Role.READER),
    }


def _form(case, **changes) -> dict:
    data = {
        "title": case.title,
        "polarisation_kind": case.polarisation_kind.value,
        "status": case.status.value,
        "themes": [theme.id for theme in case.themes],
        "dilemmas": [],
        **{name: getattr(case, name) for name in ("summary", "situation", "question")},
    }
    data.update(changes)
    return data


def _numbers(item) -> list[int]:
    return [version.number for version in history.versions(item)]


def test_every_save_that_changes_a_text_is_a_version_and_one_without_change_is_not(
    people, write_case
):
    case = write_case(author=people["author"], summary="De eerste tekst.")
    assert _numbers(case) == [1]
    update_case(
        case, _form(case, summary="De tweede tekst."), share=False, editor=people["colleague"]
    )
    update_case(case, _form(case), share=False, editor=people["colleague"])  # saved unchanged
    versions = history.versions(case)
    assert [v.number for v in versions] == [1, 2]
    assert versions[0].summary == "De eerste tekst." and versions[1].summary == "De tweede tekst."
    assert [v.author_id for v in versions] == [people["author"].id, people["colleague"].id]
    assert all(v.created_at for v in versions)
    # The whole text of every field, not only what changed.
    assert versions[1].texts["title"] == case.title and versions[1].texts["question"]


def test_reflections_comments_and_methods_keep_versions_too(people, write_case):
    case = write_case(author=people["author"])
    reflection = add_reflection(case, people["expert"], "Eerste gedachte.", "")
    edit_reflection(reflection, "Tweede gedachte.", "Een les.", editor=people["expert"])
    edit_reflection(reflection, "Tweede gedachte.", "Een les.", editor=people["expert"])
    assert [v.texts for v in history.versions(reflection)] == [
        {"body": "Eerste gedachte.", "key_lessons": ""},
        {"body": "Tweede gedachte.", "key_lessons": "Een les."},
    ]
    comment = add_comment(case, people["colleague"], "Goed punt")
    edit_comment(comment, "Goed punt", editor=people["colleague"])
    assert comment.edited_at is None and _numbers(comment) == [1]
    edit_comment(comment, "Goed punt!", editor=people["colleague"])
    assert comment.edited_at is not None and _numbers(comment) == [1, 2]
    data = {"name": "Dialoogtafel", "summary": "Een gesprek.", "themes": [], "dilemmas": []}
    method = method_services.save_method(None, people["expert"], data)
    method_services.save_method(method, people["organiser"], {**data, "summary": "Anders."})
    versions = history.versions(method)
    assert [(v.summary, v.author_id) for v in versions] == [
        ("Een gesprek.", people["expert"].id),
        ("Anders.", people["organiser"].id),
    ]


def test_an_item_written_without_the_services_keeps_its_first_text(people, make_case):
    case = make_case(author=people["author"], summary="Zoals de seed het schreef.")
    update_case(case, _form(case, summary="Bewerkt."), share=False, editor=people["author"])
    assert [v.summary for v in history.versions(case)] == ["Zoals de seed het schreef.", "Bewerkt."]


def test_edited_items_of_several_kinds_come_from_one_statement(people, write_case):
    case = write_case(author=people["author"])
    update_case(case, _form(case, summary="Bewerkt."), share=False, editor=people["author"])
    edited, untouched = (add_comment(case, people["colleague"], text) for text in ("Een", "Twee"))
    edit_comment(edited, "Een!", editor=people["colleague"])
    asked = {"case": [case.id], "reflection": [], "comment": [edited.id, untouched.id]}
    statements = []

    def count(_conn, _cursor, statement, *_rest):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        # Some kinds with ids and one without, another combination, then nothing to ask.
        assert history.edited_by_kind(asked) == {
            "case": {case.id},
            "reflection": set(),
            "comment": {edited.id},
        }
        assert history.edited_by_kind({"comment": [untouched.id], "case": []}) == {
            "comment": set(),
            "case": set(),
        }
        assert history.edited_by_kind({"case": [], "comment": []}) == {
            "case": set(),
            "comment": set(),
        }
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    # One statement each time something is asked, none when there is nothing to ask about.
    assert len(statements) == 2


def test_word_diff_marks_words_and_escapes_everything():
    html = word_diff("De wijk <b>was</b> rustig.", "De buurt <b>was</b> erg rustig.")
    assert "<del>wijk</del><ins>buurt</ins>" in html
    assert "<ins>erg </ins>" in html
    assert "&lt;b&gt;was&lt;/b&gt;" in html and "<b>" not in html
    attack = word_diff("", '<script>alert(1)</script><img src=x onerror="x()">')
    assert "<script" not in attack and "<img" not in attack and "&lt;script&gt;" in attack


def test_history_page_shows_a_diff_between_any_two_versions(client, login, people, write_case):
    case = write_case(author=people["author"], summary="Eerst een rustige wijk.")
    for summary in ("Toen een onrustige wijk.", "Nu een onrustige buurt."):
        update_case(case, _form(case, summary=summary), share=False, editor=people["author"])
    login(people["outsider"])
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f'href="/cases/{case.id}/history"' in page and ">bewerkt</a>" in page
    latest = client.get(f"/cases/{case.id}/history").get_data(as_text=True)
    assert "<del>wijk</del><ins>buurt</ins>" in latest
    assert "Versie 3" in latest and "Wim Schrijver" in latest
    first_to_last = client.get(f"/cases/{case.id}/history?old=1&new=3").get_data(as_text=True)
    assert "<del>Eerst</del><ins>Nu</ins>" in first_to_last
    fragment = client.get(f"/cases/{case.id}/history?old=1&new=2", headers=HTMX)
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and body.lstrip().startswith('<section id="history"')
    assert "<html" not in body and "HX-Request" in fragment.headers["Vary"]
    # Nonsense version numbers fall back to the last two.
    assert client.get(f"/cases/{case.id}/history?old=x&new=99").status_code == 200


@pytest.mark.parametrize(
    ("who", "status"),
    [("author", 200), ("colleague", 200), ("organiser", 200), ("outsider", 404),
     ("expert", 404), ("reader", 404)],
)  # fmt: skip
def test_a_drafts_history_is_as_private_as_the_draft(
    client, login, people, write_case, who, status
):
    draft = write_case(author=people["author"], share=False, summary="Concepttekst.")
    update_case(
        draft, _form(draft, summary="Nog een concept."), share=False, editor=people["author"]
    )
    login(people[who])
    assert client.get(f"/cases/{draft.id}/history").status_code == status
    assert client.get(f"/cases/{draft.id}/history", headers=HTMX).status_code == status


def test_a_deleted_comments_old_text_is_for_organisers_only(client, login, people, write_case):
    case = write_case(author=people["author"])
    comment = add_comment(case, people["colleague"], "Oeps, hier stond een adres.")
    live = {"author": 200, "outsider": 200, "expert": 200, "reader": 404}
    for who, status in live.items():
        login(people[who])
        assert client.get(f"/comments/{comment.id}/history").status_code == status
    delete_comment(comment, people["colleague"])
    for who in ("author", "colleague", "outsider", "expert", "reader"):
        login(people[who])
        assert client.get(f"/comments/{comment.id}/history").status_code == 404
    login(people["organiser"])
    page = client.get(f"/comments/{comment.id}/history").get_data(as_text=True)
    assert "Oeps, hier stond een adres." in page and "alleen organisatoren" in page.lower()


def test_anonymous_visitors_are_sent_to_the_login(client, people, write_case):
    case = write_case(author=people["author"])
    response = client.get(f"/cases/{case.id}/history")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_organiser_restores_an_earlier_version(client, login, people, write_case, find):
    case = write_case(author=people["author"], summary="Het oorspronkelijke zeepkistverhaal.")
    update_case(
        case, _form(case, summary="Iets heel anders."), share=False, editor=people["author"]
    )
    login(people["author"])
    assert client.get(f"/cases/{case.id}/history/1/restore").status_code == 403
    login(people["organiser"])
    page = client.get(f"/cases/{case.id}/history/1/restore").get_data(as_text=True)
    assert "Versie 1" in page and "Reden" in page and "danger" in page
    refused = client.post(f"/cases/{case.id}/history/1/restore", data={})
    assert refused.status_code == 422 and "Geef een reden op" in refused.get_data(as_text=True)
    done = client.post(f"/cases/{case.id}/history/1/restore", data={"reason": "Terug na klacht"})
    assert done.status_code == 303
    db.session.expire_all()
    assert case.summary == "Het oorspronkelijke zeepkistverhaal."
    versions = history.versions(case)
    assert [(v.number, v.restored_from, v.author_id) for v in versions][-1] == (
        3,
        1,
        people["organiser"].id,
    )
    [event] = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "history.restored")
    ).all()
    assert (event.actor_id, event.target_type, event.target_id) == (
        people["organiser"].id,
        "case",
        case.id,
    )
    assert event.details == {"kind": "case", "restored_from": 1, "reason": "Terug na klacht"}
    # Re-indexed: the network search finds the restored words again.
    assert titles(find(people["outsider"], "zeepkistverhaal")) == [case.title]
    again = client.post(f"/cases/{case.id}/history/3/restore", data={"reason": "x"})
    assert again.status_code == 422 and "al de huidige tekst" in again.get_data(as_text=True)


def test_restore_is_refused_for_a_deleted_comment(client, login, people, write_case):
    case = write_case(author=people["author"])
    comment = add_comment(case, people["colleague"], "Eerste.")
    edit_comment(comment, "Tweede.", editor=people["colleague"])
    delete_comment(comment, people["colleague"])
    login(people["organiser"])
    response = client.post(f"/comments/{comment.id}/history/1/restore", data={"reason": "x"})
    assert response.status_code == 422 and "verwijderde reactie" in response.get_data(as_text=True)
    assert comment.is_deleted


def test_erasure_anonymises_the_author_of_every_version_and_keeps_the_text(
    client, login, people, write_case
):
    case = write_case(author=people["author"], summary="Tekst van Wim.")
    update_case(
        case, _form(case, summary="Tekst van Cor."), share=False, editor=people["colleague"]
    )
    comment = add_comment(case, people["colleague"], "Een reactie van Cor.")
    erase(people["colleague"], people["organiser"], "Op eigen verzoek")
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(CaseVersion)
            .where(CaseVersion.case_id == case.id)
        )
        == 2
    )
    login(people["outsider"])
    page = client.get(f"/cases/{case.id}/history").get_data(as_text=True)
    assert "Cor Collega" not in page and "voormalig deelnemer" in page
    assert "Tekst van <del>Wim</del><ins>Cor</ins>." in page
    versions = db.session.scalars(
        sa.select(CommentVersion).where(CommentVersion.comment_id == comment.id)
    ).all()
    assert [v.body for v in versions] == ["Een reactie van Cor."]


def test_deleting_an_item_deletes_its_history(people, write_case):
    draft = write_case(author=people["author"], share=False)
    data = {"name": "Wegwerp", "summary": "Kort.", "themes": [], "dilemmas": []}
    method = method_services.save_method(None, people["expert"], data)
    method_id = method.id
    delete_case(draft)
    method_services.delete_method(method, people["expert"], "Dubbel")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseVersion)) == 0
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(MethodVersion.method_id == method_id))
        == 0
    )
