"""The background indexer: a thread of each process applies the change log after its commits.

A request that wrote hands its change to this thread and answers: it neither commits the
index nor waits for the lock of whoever does (with two sync gunicorn workers, a request
waiting for the index would hold one of the only two). The thread applies everything pending
in one commit per index (writer.apply_pending), so a burst of writes becomes a few commits,
then merges what the tiers call for (merging.py), while requests go on.

Read-your-writes is kept where it is observed: a search first applies whatever is still
pending (writer.catch_up_if_behind), so the person who wrote, or anyone on any instance,
finds the change in the next search they make (the commit marks the change for every
reader, freshness.py). Similar-case lists do not wait: they nudge the thread and show what
the index holds.

A thread with nothing to do for IDLE_SECONDS ends, and the next commit starts one. When the
process exits (a CLI command, a gunicorn worker stopping), it waits up to
SEARCH_WRITE_TIMEOUT for the thread to apply what the process wrote; a process that is killed
leaves its rows in the log, for the next search or `flask search catch-up`.
"""

import atexit
import threading
import time
import weakref

from flask import Flask, current_app

from app.extensions import db
from app.search import changelog, freshness, merging, writer
from app.search.storage import IndexLockTimeout, store

IDLE_SECONDS = 60.0
# While another process holds the write lock it applies everything pending, this process's
# changes included (writer.catch_up reads the log until it is empty); this thread looks
# again after a while instead of queueing for the lock.
BUSY_SECONDS = 0.05
_EXTENSION = "search_background_indexer"
_running: "weakref.WeakSet[BackgroundIndexer]" = weakref.WeakSet()


class BackgroundIndexer:
    """The indexing thread of one app in this process."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._wake = threading.Event()
        self._guard = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopping = False

    def notify(self) -> None:
        """Changes were committed: apply them soon (starting the thread if none runs)."""
        self._wake.set()
        with self._guard:
            if self._thread is None or not self._thread.is_alive():
                self._stopping = False
                self._thread = threading.Thread(
                    target=self._run, name="search-indexer", daemon=True
                )
                self._thread.start()
                _running.add(self)

    def drain(self, timeout: float) -> None:
        """Apply what is pending, then let the thread end (at exit)."""
        thread = self._thread
        if thread is None or not thread.is_alive():
            return
        self._stopping = True
        self._wake.set()
        thread.join(timeout)

    def _run(self) -> None:
        with self.app.app_context():
            while True:
                if not self._wake.wait(IDLE_SECONDS):
                    with self._guard:
                        if not self._wake.is_set():
                            self._thread = None
                            return
                    continue
                self._wake.clear()
                self._apply()
                if self._stopping:
                    return

    def _apply(self) -> None:
        logger = self.app.logger
        try:
            # At exit it waits its turn: the process is about to leave its changes behind.
            writer.apply_pending(
                timeout=self.app.config["SEARCH_WRITE_TIMEOUT"] if self._stopping else 0
            )
            # One merge at a time, so that changes committed meanwhile are applied between
            # them; the merge request stays while more may be due.
            target = store()
            if merging.merge_requested(
                target,
                self.app.config["SEARCH_WRITE_TIMEOUT"],
                limit=1,
                elsewhere=self.app.config["SEARCH_MERGE_IN_PROCESS"],
            ):
                self._wake.set()
            elif merging.requested(target):  # another process is merging: look again soon
                time.sleep(BUSY_SECONDS)
                self._wake.set()
        except IndexLockTimeout:
            time.sleep(BUSY_SECONDS)
            self._wake.set()
        except Exception:
            # The changes are committed and logged: the next commit or search applies them.
            logger.exception("Background indexing failed; changes stay queued.")
        finally:
            db.session.remove()


def notify(app: Flask) -> None:
    """Wake this process's indexer for `app` (created on first use)."""
    indexer = app.extensions.get(_EXTENSION)
    if indexer is None:
        indexer = app.extensions.setdefault(_EXTENSION, BackgroundIndexer(app))
    indexer.notify()


def drain(app: Flask, timeout: float) -> None:
    """Have this process's indexer for `app` apply what is pending, and end (exit, tests)."""
    indexer = app.extensions.get(_EXTENSION)
    if indexer is not None:
        indexer.drain(timeout)


def catch_up_soon() -> None:
    """Before a read that need not wait for the newest changes (similar cases)."""
    app = current_app._get_current_object()
    if not app.config["SEARCH_INDEX_IN_BACKGROUND"]:
        writer.catch_up_if_behind(wait=0)
        return
    target = store()
    seen = freshness.signature(target)
    if freshness.unchanged(target, seen):
        return
    looked_at = time.monotonic()
    if changelog.behind(target):
        notify(app)
    else:
        freshness.confirmed(target, seen, looked_at)


@atexit.register
def _drain_at_exit() -> None:
    for indexer in list(_running):
        drain(indexer.app, indexer.app.config["SEARCH_WRITE_TIMEOUT"])
