"""Search wired to the rest: the methods library, erasures and restores from a backup."""

import json

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.methods import services as method_services
from app.models import Role, SearchChange, User
from app.privacy import services as privacy_services
from app.search import changelog, storage
from app.search.check import check as check_index
from app.search.rebuild import rebuild as rebuild_index
from app.search.services import similar_cases
from tests.search_factories import titles


@pytest.fixture
def people(make_user, organiser):
    return {
        "participant": make_user(),
        "expert": make_user(Role.EXPERT, organisation="Movisie"),
        "organiser": organiser,
        "reader": make_user(Role.READER),
    }


def _save_method(author, method=None, **fields):
    data = {
        "name": "Dialoogtafel",
        "summary": "Een gesprek in kleine kring over windturbines en wantrouwen.",
        "when_useful": "Als een zaalavond over de energietransitie polariseert.",
        "how_to": "Nodig gericht bewoners uit.",
        "is_public": False,
        "themes": [],
        "dilemmas": [],
        **fields,
    }
    return method_services.save_method(method, author, data)


def test_methods_are_found_by_network_members_labelled_methodiek(
    app, login, people, find, write_case
):
    case = write_case(
        author=people["participant"],
        title="Ruzie om de windturbines",
        summary="Windturbines, wantrouwen en een gesprek in kleine kring.",
    )
    write_case(title="Windturbines in de polder", summary="Wantrouwen over windturbines.")
    method = _save_method(people["expert"])
    # Stemming: "zaalavonden" finds "zaalavond" in the description.
    for role in ("participant", "expert", "organiser"):
        assert "Dialoogtafel" in titles(find(people[role], "zaalavonden"))
    hit = next(h for h in find(people["participant"], "zaalavond").hits if h.method_id)
    assert (hit.method_id, hit.case_id) == (method.id, None)
    page = login(people["participant"], app.test_client()).get("/search?q=kleine+kring")
    html = page.get_data(as_text=True)
    assert f'href="/methods/{method.id}"' in html and ">methodiek</span>" in html
    # Methods are not "similar cases".
    similar = similar_cases(people["participant"], case.id)
    assert [s.title for s in similar] == ["Windturbines in de polder"]
    assert check_index().ok


def test_non_public_methods_stay_out_of_the_archive(app, people, find):
    method = _save_method(people["expert"])
    assert find(people["reader"], "zaalavond").total == 0
    anonymous = app.test_client()
    assert "Dialoogtafel" not in anonymous.get("/archive/search?q=zaalavond").get_data(as_text=True)
    assert "Dialoogtafel" not in anonymous.get("/archive").get_data(as_text=True)
    assert anonymous.get(f"/archive/methods/{method.id}").status_code == 404


def test_toggling_public_updates_the_archive_index(app, people, find):
    method = _save_method(people["expert"])
    _save_method(people["expert"], method, is_public=True)
    assert titles(find(people["reader"], "zaalavond")) == ["Dialoogtafel"]
    anonymous = app.test_client()
    results = anonymous.get("/archive/search?q=zaalavond").get_data(as_text=True)
    assert f'href="/archive/methods/{method.id}"' in results
    assert f'href="/archive/methods/{method.id}"' in anonymous.get("/archive").get_data(
        as_text=True
    )
    assert "Nodig gericht bewoners uit" in anonymous.get(f"/archive/methods/{method.id}").get_data(
        as_text=True
    )
    _save_method(people["expert"], method, is_public=False)
    assert find(people["reader"], "zaalavond").total == 0
    assert anonymous.get(f"/archive/methods/{method.id}").status_code == 404
    method_services.delete_method(method)
    assert find(people["organiser"], "zaalavond").total == 0
    report = check_index()
    assert report.ok, report.problems


def test_check_and_rebuild_know_methods(app, people, find):
    method = _save_method(people["expert"], is_public=True)
    # The index loses the method: check reports it, rebuild brings it back.
    writer = storage.store().open("network").writer()
    writer.delete_by_term("method_id", str(method.id))
    writer.commit()
    report = check_index()
    assert report.problems["network: missing"] == [f"method-{method.id}"]
    rebuilt = rebuild_index()
    assert (rebuilt.network, rebuilt.archive) == (1, 1)
    assert check_index().ok
    assert find(people["participant"], "zaalavond").total == 1


def test_erasure_reindexes_what_the_person_wrote(
    app, login, people, write_case, make_comment, make_reflection, find, make_user
):
    author = make_user(display_name="Henk Zoekbaar")
    case = write_case(author=author, title="Spanning rond de azc-plannen")
    other = write_case(title="Jongeren op het plein")
    comment = make_comment(other, author=author, body="Bij ons hielp een buurtgesprek.")
    make_reflection(case, author=people["expert"])
    old_name = author.display_name
    before = db.session.scalar(sa.select(sa.func.max(SearchChange.id)))

    privacy_services.erase(author, people["organiser"])

    rows = db.session.execute(
        sa.select(SearchChange.entity, SearchChange.entity_id, SearchChange.case_id).where(
            SearchChange.id > before
        )
    ).all()
    assert ("case", case.id, case.id) in rows
    assert ("comment", comment.id, other.id) in rows
    assert changelog.pending_count() == 0  # applied right after the erasure's commit
    assert check_index().ok
    # The knowledge stays findable; the old name is nowhere in search or the exports.
    assert find(people["organiser"], "buurtgesprek").total == 1
    assert find(people["organiser"], old_name).total == 0
    client = login(people["organiser"], app.test_client())
    html = client.get("/search?q=buurtgesprek").get_data(as_text=True)
    assert "buurtgesprek" in html and old_name not in html
    assert old_name not in client.get("/archive/export.csv").get_data(as_text=True)


def test_restore_reapplies_erasures_then_rebuilds_the_index(
    app, runner, people, write_case, find, tmp_path
):
    author = people["participant"]
    old_name, author_id, organiser_id = author.display_name, author.id, people["organiser"].id
    write_case(author=author, title="Casus van voor de backup")
    backup = tmp_path / "voor.backup"
    assert runner.invoke(args=["backup", "create", str(backup)]).exit_code == 0
    write_case(title="Casus van na de backup")
    _save_method(people["expert"], is_public=True)
    privacy_services.erase(author, people["organiser"])

    result = runner.invoke(args=["backup", "restore", "--yes", str(backup)])
    assert result.exit_code == 0, result.output
    db.session.remove()
    restored = db.session.get(User, author_id)
    assert restored.display_name == privacy_services.ERASED_NAME
    assert old_name not in json.dumps(privacy_services.export(restored))
    # The index follows the restored database: what came after the backup is gone.
    organiser = db.session.get(User, organiser_id)
    assert titles(find(organiser, "casus backup")) == ["Casus van voor de backup"]
    assert find(organiser, "zaalavond").total == 0
    assert check_index().ok
