import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Reflection, Role

HTMX = {"HX-Request": "true"}


@pytest.fixture
def expert(make_user):
    return make_user(Role.EXPERT, display_name="Dr. Noor Haddou", organisation="Movisie")


@pytest.fixture
def case(make_case):
    return make_case()


def test_expert_adds_reflection_in_place(client, login, case, expert):
    login(expert)
    response = client.post(
        f"/cases/{case.id}/reflections",
        data={"body": "Kijk naar **sleutelfiguren**.", "key_lessons": "- Investeer vroeg"},
        headers=HTMX,
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert text.lstrip().startswith('<section id="reflections"')
    assert "Expertreflectie" in text
    assert "Dr. Noor Haddou" in text and "Movisie" in text
    assert "<strong>sleutelfiguren</strong>" in text
    assert "Belangrijkste lessen" in text and "<li>Investeer vroeg</li>" in text


def test_reflections_stand_above_comments_on_the_case_page(
    client, login, case, expert, make_reflection, make_comment
):
    make_reflection(case, author=expert, body="De reflectie")
    make_comment(case, body="De reactie")
    login(expert)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert page.index('id="reflections"') < page.index('id="comments"')
    assert page.index("De reflectie") < page.index("De reactie")


def test_empty_reflection_is_refused_with_input_kept(client, login, case, expert):
    login(expert)
    response = client.post(
        f"/cases/{case.id}/reflections", data={"body": "", "key_lessons": "- een les"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Schrijf eerst je reflectie." in page
    assert "- een les" in page
    assert db.session.scalar(sa.select(sa.func.count(Reflection.id))) == 0


def test_participant_sees_no_reflection_form(client, login, case):
    login(case.author)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'id="reflection-form"' not in page


def test_expert_edits_and_deletes_own_reflection(client, login, case, expert, make_reflection):
    reflection = make_reflection(case, author=expert)
    reflection_id = reflection.id
    login(expert)
    form = client.get(f"/reflections/{reflection.id}/edit", headers=HTMX).get_data(as_text=True)
    assert form.lstrip().startswith(f'<article id="reflection-{reflection.id}"')
    response = client.post(
        f"/reflections/{reflection.id}/edit",
        data={
            f"reflection-{reflection.id}-body": "Herzien",
            f"reflection-{reflection.id}-key_lessons": "",
        },
        headers=HTMX,
    )
    assert "Herzien" in response.get_data(as_text=True)
    cancel = client.get(f"/reflections/{reflection.id}", headers=HTMX).get_data(as_text=True)
    assert "Herzien" in cancel
    response = client.post(f"/reflections/{reflection.id}/delete", headers=HTMX)
    assert "Nog geen reflectie" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Reflection, reflection_id) is None
