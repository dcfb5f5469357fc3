"""Services announce their changes inside the transaction, for the index and notifications."""

from contextlib import contextmanager

import pytest

from app import events
from app.cases import services as case_services
from app.comments import services as comment_services
from app.extensions import db
from app.models import Role
from app.reflections import services as reflection_services


@contextmanager
def recorded(signal):
    seen = []

    def _receiver(sender, action):
        # Receivers run before the commit: the change is flushed (has an id) but not committed.
        seen.append((type(sender).__name__, action, sender.id, db.session().in_transaction()))

    signal.connect(_receiver)
    try:
        yield seen
    finally:
        signal.disconnect(_receiver)


@pytest.fixture
def author(make_user):
    return make_user()


def test_case_events(author, make_case):
    theme_id = make_case().themes[0].id
    data = {
        "title": "Een nieuwe casus",
        "themes": [theme_id],
        "polarisation_kind": "vertical",
        "status": "open",
        "summary": "s",
        "situation": "s",
        "question": "q",
    }
    with recorded(events.case_changed) as seen:
        case = case_services.create_case(author, data, share=True)
        case_services.update_case(case, data, share=False)
        case_services.delete_case(case)
    assert [(name, action) for name, action, _id, _tx in seen] == [
        ("Case", "created"),
        ("Case", "updated"),
        ("Case", "deleted"),
    ]
    assert all(case_id and in_tx for _n, _a, case_id, in_tx in seen)


def test_comment_and_reflection_events(author, make_case, make_user):
    case = make_case()
    with recorded(events.comment_changed) as comments:
        comment = comment_services.add_comment(case, author, "Hallo")
        comment_services.edit_comment(comment, "Hallo!")
        comment_services.delete_comment(comment)
    assert [action for _n, action, _i, _t in comments] == ["created", "updated", "deleted"]
    expert = make_user(Role.EXPERT)
    with recorded(events.reflection_changed) as reflections:
        reflection = reflection_services.add_reflection(case, expert, "Reflectie", "")
        reflection_services.edit_reflection(reflection, "Reflectie 2", "")
        reflection_services.delete_reflection(reflection)
    assert [action for _n, action, _i, _t in reflections] == ["created", "updated", "deleted"]
