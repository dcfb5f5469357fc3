import sqlalchemy as sa

from app.extensions import db
from app.models import Case, Comment, Municipality, Reflection, Role, User, Visibility


def test_users_create_with_password(runner, make_municipality):
    make_municipality(name="Marendal")
    result = runner.invoke(
        args=[
            "users", "create", "--email", "Duo@Marendal.example.nl", "--name", "Duo Lid",
            "--role", "participant", "--municipality", "Marendal", "--password", "lang-genoeg-ww",
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "duo@marendal.example.nl"))
    assert user.role == Role.PARTICIPANT and user.municipality.name == "Marendal"


def test_users_create_prompts_for_password(runner):
    result = runner.invoke(
        args=["users", "create", "--email", "e@x.nl", "--name", "Expert", "--role", "expert"],
        input="lang-genoeg-ww\nlang-genoeg-ww\n",
    )
    assert result.exit_code == 0, result.output
    assert "Password" in result.output
    assert db.session.scalar(sa.select(User).where(User.email == "e@x.nl")) is not None


def test_users_create_refuses_bad_input(runner):
    no_town = runner.invoke(
        args=["users", "create", "--email", "a@x.nl", "--name", "A", "--role", "participant",
              "--password", "lang-genoeg-ww"]
    )  # fmt: skip
    assert no_town.exit_code != 0
    assert "gemeente" in no_town.output
    unknown = runner.invoke(
        args=["users", "create", "--email", "b@x.nl", "--name", "B", "--role", "participant",
              "--municipality", "Nergenshuizen", "--password", "lang-genoeg-ww"]
    )  # fmt: skip
    assert unknown.exit_code != 0 and "Unknown municipality" in unknown.output
    short = runner.invoke(
        args=["users", "create", "--email", "c@x.nl", "--name", "C", "--role", "expert",
              "--password", "kort"]
    )  # fmt: skip
    assert short.exit_code != 0
    bad_role = runner.invoke(
        args=["users", "create", "--email", "d@x.nl", "--name", "D", "--role", "koning",
              "--password", "lang-genoeg-ww"]
    )  # fmt: skip
    assert bad_role.exit_code != 0
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def _counts():
    return {
        model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Municipality, User, Case, Comment, Reflection)
    }


def test_seed_demo_loads_the_network_and_is_idempotent(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    first = _counts()
    assert first["Municipality"] == 12
    assert first["Case"] >= 30
    assert first["Comment"] > 0 and first["Reflection"] > 0
    roles = db.session.scalars(sa.select(User.role)).all()
    assert roles.count(Role.PARTICIPANT) == 24
    assert roles.count(Role.EXPERT) == 3
    assert Role.ORGANISER in roles and Role.READER in roles
    assert db.session.scalar(
        sa.select(sa.func.count(Case.id)).where(Case.visibility == Visibility.DRAFT)
    )
    runner.invoke(args=["seed-demo"])
    assert _counts() == first


def test_seed_demo_if_empty_skips_a_used_database(runner, make_user):
    make_user()
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert "not loaded" in result.output
    assert db.session.scalar(sa.select(sa.func.count(Case.id))) == 0


def test_demo_accounts_can_log_in(runner, client):
    runner.invoke(args=["seed-demo"])
    response = client.post(
        "/login", data={"email": "organisator@casusplein.example.nl", "password": "casusplein-demo"}
    )
    assert response.status_code == 303
