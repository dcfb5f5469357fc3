"""Whole pages for signed-in people, kept per worker until the database changes.

Why: the case list, a case page and the dashboard are most of what people read, and each costs
tens of database queries and a large template. People go back and forth between them (htmx
re-requests such pages on "back", because pages with personal data stay out of its history
cache), so the same person asks for the same page again and again while nothing changed.

Why this is safe:
- An entry is keyed by everything the page is made from besides the database: the URL, the
  htmx headers and the whole session (user id, the session token that logout revokes, the CSRF
  secret). Another session, and so another person, can never get it.
- An entry is served only while the database's content version (app/content_version.py) is the
  one read before the page was rendered. Every committed write replaces it, the signed-in
  person's own row included, so a deactivated account, a changed role or a revoked session
  never gets a stored page: the request then goes the normal way, with all its checks.
- Entries expire after PAGE_CACHE_SECONDS, which bounds what depends on the clock (due dates).
- Only GET requests to PAGE_CACHE_ENDPOINTS that answer 200 without touching the session are
  stored: a page that shows a flashed message, or sets a cookie, is never replayed. A view
  whose answer is provisional says so with do_not_store(): search results are derived from
  the index, which must first have caught up with the change log.

The session's idle and absolute timeouts are checked before this (app/security).
"""

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from flask import Flask, Response, current_app, g, request, session

from app import content_version

# Read-only pages, the same for a session until the database changes.
PAGE_CACHE_ENDPOINTS = frozenset({"cases.index", "cases.detail", "home.index", "search.index"})
# Session keys that change without changing any page.
_IGNORED_SESSION_KEYS = frozenset({"seen_at"})


@dataclass(frozen=True)
class _Entry:
    version: str
    stored_at: float
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


class PageCache:
    """A bounded LRU of rendered pages; a lock because the development server is threaded."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple, version: str, max_age: float) -> _Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry.version != version or time.monotonic() - entry.stored_at > max_age:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple, entry: _Entry) -> None:
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)


def _cacheable_request() -> bool:
    return (
        request.method == "GET"
        and request.endpoint in PAGE_CACHE_ENDPOINTS
        and "_user_id" in session
        and "_flashes" not in session
        and current_app.config["PAGE_CACHE_SECONDS"] > 0
    )


def _key() -> tuple:
    htmx_headers = tuple(
        sorted(
            (name.lower(), value) for name, value in request.headers if name.lower()[:3] == "hx-"
        )
    )
    session_items = tuple(
        sorted(
            (name, repr(value))
            for name, value in session.items()
            if name not in _IGNORED_SESSION_KEYS
        )
    )
    return (request.url, htmx_headers, session_items)


def _serve_stored():
    if not _cacheable_request():
        return None
    version = content_version.current_token()
    if not version:
        return None
    key = _key()
    entry = cache(current_app).get(key, version, current_app.config["PAGE_CACHE_SECONDS"])
    if entry is None:
        g.page_cache = (key, version)  # render it, then store it under the version read now
        return None
    return Response(entry.body, status=entry.status, headers=list(entry.headers))


def do_not_store() -> None:
    """For a view whose answer is provisional (a search index that could not catch up)."""
    g.pop("page_cache", None)


def _store(response: Response) -> Response:
    pending = g.pop("page_cache", None)
    if (
        pending is None
        or response.status_code != 200
        or response.direct_passthrough
        or session.modified
        or "Set-Cookie" in response.headers
    ):
        return response
    key, version = pending
    headers = tuple((name, value) for name, value in response.headers if name != "Set-Cookie")
    entry = _Entry(version, time.monotonic(), response.status_code, headers, response.get_data())
    cache(current_app).put(key, entry)
    return response


def cache(app: Flask) -> PageCache:
    return app.extensions["page_cache"]


def init_app(app: Flask) -> None:
    app.extensions["page_cache"] = PageCache(app.config["PAGE_CACHE_ENTRIES"])
    # Registered after app/security's hooks: expired sessions are ended before a lookup.
    app.before_request(_serve_stored)
    # after_request hooks run last-registered first: this one sees the finished page.
    app.after_request(_store)
