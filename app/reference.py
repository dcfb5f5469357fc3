"""Small reference lists (themes, municipalities, dilemmas) for filter forms and the labels of
their choices (search facets, similar cases), kept per worker a while.

Why: the case list's filter form shows every theme and municipality, and a search results
page names themes, municipalities and dilemmas: statements on every view, for lists that
change only when an organiser edits them (a few times a year).

How it stays right across workers: a worker keeps a list for REFERENCE_CACHE_SECONDS at most,
and drops its own copy as soon as a transaction that changed a theme, a municipality or a
dilemma commits in it (the listener below, on every session). Another worker, or another
instance on the same database, shows the change within REFERENCE_CACHE_SECONDS. Only labels
of filter choices come from here: forms that store a choice (a case's themes) still read the
database, and nothing here decides what anybody may read.
"""

import threading
import time
from collections.abc import Callable

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import Dilemma, Municipality, Theme

REFERENCE_MODELS = (Theme, Municipality, Dilemma)
_CHANGED = "reference_data_changed"

Choices = tuple[tuple[str, str], ...]


class ReferenceCache:
    """Per app (so per worker): name -> (loaded at, choices). A lock: the dev server threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.lists: dict[str, tuple[float, Choices]] = {}


def _cache() -> ReferenceCache:
    return current_app.extensions["reference"]


def _cached(name: str, load: Callable[[], list[tuple[str, str]]]) -> Choices:
    cache, now = _cache(), time.monotonic()
    with cache.lock:
        stored = cache.lists.get(name)
    if stored is not None and now - stored[0] < current_app.config["REFERENCE_CACHE_SECONDS"]:
        return stored[1]
    values = tuple(load())
    with cache.lock:
        cache.lists[name] = (now, values)
    return values


def theme_choices() -> Choices:
    """(slug, name) of every theme, by name."""
    return _cached(
        "themes",
        lambda: [
            tuple(row)
            for row in db.session.execute(sa.select(Theme.slug, Theme.name).order_by(Theme.name))
        ],
    )


def municipality_choices() -> Choices:
    """(id as text, name) of every municipality, by name."""
    return _cached(
        "municipalities",
        lambda: [
            (str(id_), name)
            for id_, name in db.session.execute(
                sa.select(Municipality.id, Municipality.name).order_by(Municipality.name)
            )
        ],
    )


def municipality_name(municipality_id: int | None) -> str | None:
    """A municipality's name as a label (the dashboard's headings), from the list above."""
    if municipality_id is None:
        return None
    return dict(municipality_choices()).get(str(municipality_id))


def dilemma_choices() -> Choices:
    """(number as text, "number. title") of every dilemma, by number."""
    return _cached(
        "dilemmas",
        lambda: [
            (str(number), f"{number}. {title}")
            for number, title in db.session.execute(
                sa.select(Dilemma.number, Dilemma.title).order_by(Dilemma.number)
            )
        ],
    )


def forget() -> None:
    """Drop this worker's lists; the next request reads them again."""
    if has_app_context() and "reference" in current_app.extensions:
        cache = _cache()
        with cache.lock:
            cache.lists.clear()


def _note_changes(session: Session, _flush_context) -> None:
    if any(
        isinstance(row, REFERENCE_MODELS)
        for row in (*session.new, *session.dirty, *session.deleted)
    ):
        session.info[_CHANGED] = True


def _forget_after_commit(session: Session) -> None:
    if session.info.pop(_CHANGED, False):
        forget()


def _forget_nothing(session: Session) -> None:
    session.info.pop(_CHANGED, None)


def init_app(app: Flask) -> None:
    app.extensions["reference"] = ReferenceCache()
    for name, listener in (
        ("after_flush", _note_changes),
        ("after_commit", _forget_after_commit),
        ("after_rollback", _forget_nothing),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
