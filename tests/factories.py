"""Factories as callable fixtures: each builds a valid object with overridable fields."""

from itertools import count

import pytest
import sqlalchemy as sa

from app.auth.services import hash_password
from app.extensions import db
from app.models import (
    Case,
    CaseStatus,
    Comment,
    Municipality,
    PolarisationKind,
    Reflection,
    Role,
    SizeClass,
    Theme,
    User,
    Visibility,
)

_sequence = count(1)
PASSWORD = "geheim-wachtwoord-123"


@pytest.fixture
def make_municipality(app):
    def _make(**fields) -> Municipality:
        number = next(_sequence)
        municipality = Municipality(
            name=fields.pop("name", f"Testdorp {number}"),
            size_class=fields.pop("size_class", SizeClass.MEDIUM),
            province=fields.pop("province", "Utrecht"),
            **fields,
        )
        db.session.add(municipality)
        db.session.commit()
        return municipality

    return _make


@pytest.fixture
def make_user(app, make_municipality):
    password_hash = hash_password(PASSWORD)

    def _make(role: Role = Role.PARTICIPANT, **fields) -> User:
        number = next(_sequence)
        if role == Role.PARTICIPANT and "municipality" not in fields:
            fields["municipality"] = make_municipality()
        user = User(
            email=fields.pop("email", f"gebruiker{number}@example.nl"),
            display_name=fields.pop("display_name", f"Gebruiker {number}"),
            role=role,
            password_hash=password_hash,
            **fields,
        )
        db.session.add(user)
        db.session.commit()
        return user

    return _make


@pytest.fixture
def make_case(app, make_user):
    def _make(author: User | None = None, **fields) -> Case:
        author = author or make_user()
        themes = fields.pop("themes", None) or [
            db.session.scalar(sa.select(Theme).where(Theme.slug == "jongerengroepen"))
        ]
        case = Case(
            title=fields.pop("title", f"Casus {next(_sequence)} over spanningen in de wijk"),
            author=author,
            municipality_id=fields.pop("municipality_id", author.municipality_id),
            polarisation_kind=fields.pop("polarisation_kind", PolarisationKind.HORIZONTAL),
            status=fields.pop("status", CaseStatus.OPEN),
            visibility=fields.pop("visibility", Visibility.NETWORK),
            summary=fields.pop("summary", "Een korte samenvatting."),
            situation=fields.pop("situation", "De situatie in de wijk."),
            question=fields.pop("question", "Hoe gaan andere gemeenten hiermee om?"),
            themes=themes,
            **fields,
        )
        db.session.add(case)
        db.session.commit()
        return case

    return _make


@pytest.fixture
def make_comment(app, make_user):
    def _make(case: Case, author: User | None = None, **fields) -> Comment:
        comment = Comment(
            case=case,
            author=author or make_user(),
            body=fields.pop("body", "Bij ons werkte een wijkgesprek goed."),
            **fields,
        )
        db.session.add(comment)
        db.session.commit()
        return comment

    return _make


@pytest.fixture
def make_reflection(app, make_user):
    def _make(case: Case, author: User | None = None, **fields) -> Reflection:
        reflection = Reflection(
            case=case,
            author=author or make_user(Role.EXPERT, organisation="Movisie"),
            body=fields.pop("body", "Een reflectie vanuit de literatuur."),
            key_lessons=fields.pop("key_lessons", ""),
            **fields,
        )
        db.session.add(reflection)
        db.session.commit()
        return reflection

    return _make
