"""Markdown is rendered and sanitised when it is saved; pages show the stored HTML."""

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy.orm import Session

from app.extensions import db
from app.markdown import render_markdown, stored_html_models
from app.models import Assignment, AssignmentResponse, Case, Comment, Reflection, Role
from tests.conftest import _app_for
from tests.factories_network import today_plus

# The revision before the HTML columns came.
BEFORE_STORED_HTML = "e5a7c9b1d3f2"


def test_saving_a_case_stores_the_sanitised_html_of_its_sections(client, login, make_user):
    author = make_user()
    login(author)
    response = client.post(
        "/cases/new",
        data={
            "title": "Casus met opmaak",
            "polarisation_kind": "both",
            "status": "open",
            "themes": ["1"],
            "summary": "Een **vette** zin <script>alert(1)</script>",
            "situation": "Wat [nu](javascript:alert(1))?",
            "question": "Hoe verder?",
        },
    )
    assert response.status_code == 303
    case = db.session.scalar(sa.select(Case).where(Case.title == "Casus met opmaak"))
    assert "<strong>vette</strong>" in case.summary_html
    assert "<script" not in case.summary_html
    assert "href" not in case.situation_html
    assert case.outcome_html == ""


def test_pages_show_the_stored_html_instead_of_rendering_again(client, login, make_case):
    case = make_case(summary="Gewone tekst")
    # Written past the ORM, so nothing renders it again: the page must show what is stored.
    db.session.execute(
        sa.update(Case).where(Case.id == case.id).values(summary_html="<p>opgeslagen-html</p>")
    )
    db.session.commit()
    login(case.author)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "<p>opgeslagen-html</p>" in page
    assert "Gewone tekst" not in page.split("</header>", 1)[1]


def test_editing_a_comment_renders_its_html_again(client, login, make_case, make_comment):
    case = make_case()
    comment = make_comment(case, body="eerste *versie*")
    assert comment.body_html == "<p>eerste <em>versie</em></p>\n"
    login(comment.author)
    response = client.post(
        f"/comments/{comment.id}/edit", data={f"comment-{comment.id}-body": "tweede **versie**"}
    )
    assert response.status_code == 303
    db.session.refresh(comment)
    assert comment.body_html == "<p>tweede <strong>versie</strong></p>\n"
    client.post(f"/comments/{comment.id}/delete")
    db.session.refresh(comment)
    assert comment.body_html == ""


def test_any_session_fills_the_html_not_only_the_apps(app, make_case, make_user):
    case = make_case()
    with Session(db.engine) as session:
        session.add(
            Reflection(
                case_id=case.id,
                author_id=make_user(role=Role.EXPERT).id,
                body="Een *reflectie*",
                key_lessons="- een les",
            )
        )
        session.commit()
    reflection = db.session.scalar(sa.select(Reflection).where(Reflection.case_id == case.id))
    assert reflection.body_html == "<p>Een <em>reflectie</em></p>\n"
    assert reflection.key_lessons_html == "<ul>\n<li>een les</li>\n</ul>\n"


def test_the_compare_and_swap_save_of_a_response_renders_its_html(app, login, make_user):
    author = make_user()
    assignment_id = _assignment(make_user, today_plus(7))
    client = login(author, app.test_client())
    url = f"/assignments/{assignment_id}/response"
    assert client.post(url, data={"body": "eerste", "version": "0"}).status_code == 303
    assert client.post(url, data={"body": "**tweede**", "version": "1"}).status_code == 303
    response = db.session.scalar(sa.select(AssignmentResponse))
    db.session.refresh(response)
    assert response.version == 2
    assert response.body_html == "<p><strong>tweede</strong></p>\n"


def _assignment(make_user, due_date) -> int:
    assignment = Assignment(
        title="Opdracht", instructions="Doe *iets*", due_date=due_date, author=make_user()
    )
    db.session.add(assignment)
    db.session.commit()
    assert assignment.instructions_html == "<p>Doe <em>iets</em></p>\n"
    return assignment.id


def test_markdown_rebuild_renders_every_stored_field_again(runner, make_case, make_comment):
    case = make_case(summary="*samenvatting*", outcome="lessen")
    comment = make_comment(case, body="een **reactie**")
    # As if the sanitiser's rules changed since these were saved.
    db.session.execute(sa.update(Case).values(summary_html="oud", outcome_html="oud"))
    db.session.execute(sa.update(Comment).values(body_html="oud"))
    db.session.commit()
    result = runner.invoke(args=["markdown", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "cases: 1 rows" in result.output and "comments: 1 rows" in result.output
    db.session.expire_all()
    assert case.summary_html == str(render_markdown("*samenvatting*"))
    assert case.outcome_html == "<p>lessen</p>\n"
    assert comment.body_html == str(render_markdown("een **reactie**"))


def test_every_model_with_stored_html_has_a_column_per_markdown_field():
    for model in stored_html_models():
        columns = model.__table__.c
        for name in model.__markdown_fields__:
            assert f"{name}_html" in columns, f"{model.__name__}.{name}_html"


def test_the_migration_fills_the_html_of_rows_already_there(tmp_path):
    app = _app_for(tmp_path / "old")
    with app.app_context():
        upgrade()
        assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
        db.session.remove()
        # Back to before the HTML columns, with the demo's rows in the tables, and up again.
        downgrade(revision=BEFORE_STORED_HTML)
        upgrade()
        rows = db.session.execute(sa.select(Comment.body, Comment.body_html)).all()
        assert rows and all(html == str(render_markdown(body)) for body, html in rows)
        cases = db.session.execute(sa.select(Case.situation, Case.situation_html)).all()
        assert all(html == str(render_markdown(text)) for text, html in cases)
        db.session.remove()
        db.engine.dispose()
