"""Scale-out: app instances that share one database but each have their own index directory
each keep their own index up to date from the change log.

An instance records its progress in its own index directory, and a search first applies the
changes other instances logged, so a case posted on one instance is found on the next search
on any other.
"""

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Role, SearchChange
from app.search import changelog, progress, storage, writer
from app.search.check import check as check_index
from app.search.storage import close_thread_searchers
from tests.conftest import _app_for


@pytest.fixture
def second(tmp_path, database_uri, app):
    """Instance B: another app on the same database with its own instance folder and index."""
    other = _app_for(tmp_path / "b", SQLALCHEMY_DATABASE_URI=database_uri)
    assert other.config["SEARCH_INDEX_DIR"] != app.config["SEARCH_INDEX_DIR"]
    yield other
    close_thread_searchers()
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def _progress_of(instance) -> progress.Progress:
    with instance.app_context():
        return progress.load(storage.store().root)


def test_case_posted_on_one_instance_is_found_on_the_other(
    app, second, client, login, make_user, write_case
):
    expert = make_user(Role.EXPERT)
    author = make_user()
    on_a = login(expert)
    on_b = login(expert, second.test_client())
    assert "Zomerfeest" not in on_b.get("/search?q=zomerfeest").text  # B has its index now

    # Posted through instance A: A indexes it after the commit, B has not seen it.
    case = write_case(author=author, title="Zomerfeest in de wijk", summary="Een zomerfeest.")
    assert _progress_of(app).upto > _progress_of(second).upto

    # B's next search applies what A logged before it searches.
    assert f"/cases/{case.id}" in on_b.get("/search?q=zomerfeest").text
    assert _progress_of(second).upto == _progress_of(app).upto

    # And the other way: a comment posted on B is found on A.
    response = login(author, second.test_client()).post(
        f"/cases/{case.id}/comments", data={"body": "De dansgroep trad op."}
    )
    assert response.status_code == 303
    assert f"/cases/{case.id}" in on_a.get("/search?q=dansgroep").text

    # Each instance's own index matches the database.
    for instance in (app, second):
        result = instance.test_cli_runner().invoke(args=["search", "check"])
        assert result.exit_code == 0, result.output


def test_a_new_instance_catches_up_from_the_whole_log(app, second, write_case, make_user):
    write_case(title="Oud verhaal", summary="Een dorpshuis.")
    write_case(title="Nog een", summary="Een sportveld.")
    with second.app_context():
        assert changelog.pending_count() == 2  # an empty index directory has applied nothing
        assert writer.apply_pending() == 2
        assert check_index().ok


def test_a_change_committed_out_of_order_is_not_skipped(app, write_case, find, make_user):
    """On PostgreSQL a lower change-log id can commit after a higher one was applied."""
    expert = make_user(Role.EXPERT)
    first = write_case(title="Eerste", summary="Een marktplein.")
    late = write_case(title="Laat", summary="Een fietsenstalling.")
    later_id = db.session.scalar(sa.select(sa.func.max(SearchChange.id))) + 2
    # Id later_id commits while later_id - 1 is still "in flight" (not visible yet).
    db.session.add(
        SearchChange(
            id=later_id, entity="case", entity_id=first.id, case_id=first.id, action="updated"
        )
    )
    db.session.commit()
    writer.apply_pending()
    assert later_id - 1 in _progress_of(app).gaps
    late.summary = "Een fietsenstalling bij het station."
    db.session.add(
        SearchChange(
            id=later_id - 1, entity="case", entity_id=late.id, case_id=late.id, action="updated"
        )
    )
    db.session.commit()
    # The next search looks at the gap again, finds the row and applies it.
    assert find(expert, "station").total == 1
    assert not _progress_of(app).gaps
    assert check_index().ok


def test_gaps_are_kept_until_seen_or_too_old():
    done = progress.Progress(upto=2).advanced([3, 5, 6], now=100.0)
    assert done == progress.Progress(6, {4: 100.0})
    assert done.advanced([4, 7], now=101.0) == progress.Progress(7, {})
    assert done.advanced([7], now=100.0 + progress.GAP_SECONDS) == progress.Progress(7, {})
    assert done.advanced([], now=101.0) == done


def test_an_index_ahead_of_a_restored_log_is_reported(app, client, write_case, runner):
    write_case(title="Na de back-up", summary="Een nieuwe casus.")
    # As after restoring a backup from before this case: the log lost its newest row.
    db.session.execute(sa.delete(SearchChange))
    db.session.commit()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert "ahead of the change log" in response.json["checks"]["search_index"]
    assert runner.invoke(args=["search", "rebuild"]).exit_code == 0
    assert client.get("/healthz").status_code == 200
