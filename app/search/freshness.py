"""Whether a reader may skip asking the change log if the index is behind.

Every search used to ask the database for the newest change-log id (writer.
catch_up_if_behind), and every case page did for its similar cases: a statement per page
that, nearly always, found nothing pending, since the processes that write apply their own
changes right after their commit (group commit, or the background indexer). A reader only
has to catch up when a change was logged that its index may lack:

- by this process: every commit that logged changes counts itself here (`logged`);
- by any other process on this database, of this instance or another one (each with its
  own index directory): that commit appends a byte to a file beside the SQLite database
  (`marker`), after the commit and before its response, so the next search anywhere,
  the author's own included, finds the change;
- by a writer that died between its commit and that byte: at most CHECK_SECONDS later,
  when this process asks the database again anyway.

Every instance on an SQLite database shares the database's folder, so the mark reaches all
of them. Other databases have no folder all instances share (they may run on other hosts):
there a reader asks the change log before every read, as before.

A reader remembers what it saw of the first two *before* it asked the database, so a change
logged after that moves one of them and the next reader asks again; and progress.json as
that look left it, since a rebuild or a new, empty index replaces it. Only a look that found
the index holding every change counts.
"""

import itertools
import os
import threading
import time
from pathlib import Path

from flask import current_app

from app.extensions import db
from app.search import progress
from app.search.storage import IndexStore

# Beside the database file: casusplein.db -> casusplein.db-search-logged.
MARKER_SUFFIX = "-search-logged"
# How long a process trusts its last look at the change log (seconds).
CHECK_SECONDS = 5.0
# The mark file is started afresh beyond this size (a new file: readers notice it too).
MAX_LOGGED_BYTES = 64 * 1024

_commits = itertools.count(1)
_logged_here = 0
# Index directory -> (what a reader saw before its look at the change log, when).
_checked: dict[Path, tuple[tuple, float]] = {}
_lock = threading.Lock()


def _stat(path: Path) -> tuple | None:
    try:
        found = os.stat(path)
    except FileNotFoundError:
        return None
    return found.st_ino, found.st_size, found.st_mtime_ns


def marker() -> Path | None:
    """The file every process on this database marks its logged changes in; None when the
    database is no SQLite file (nothing to put it beside that all instances share)."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database + MARKER_SUFFIX)


def signature(target: IndexStore) -> tuple | None:
    """What moves whenever a change is logged or this directory's progress is replaced;
    None where changes are not marked (every read asks the change log)."""
    mark = marker()
    if mark is None:
        return None
    return _logged_here, _stat(mark), _stat(progress.path(target.root))


def logged() -> None:
    """After a commit that logged changes: every reader must look at the log."""
    global _logged_here
    _logged_here = next(_commits)
    mark = marker()
    if mark is None:
        return
    try:
        with open(mark, "ab") as handle:
            handle.write(b".")
            full = handle.tell() > MAX_LOGGED_BYTES
        if full:
            fresh = mark.with_name(f".{mark.name}.{os.getpid()}.{threading.get_ident()}")
            fresh.write_bytes(b"")
            os.replace(fresh, mark)
    except OSError:
        # A full disk: the other processes catch up within CHECK_SECONDS all the same.
        current_app.logger.warning("Could not mark a change for search readers.", exc_info=True)


def unchanged(target: IndexStore, seen: tuple | None) -> bool:
    """Whether `seen` (signature() now) is what this process saw before its last look at
    the change log found the index complete, less than CHECK_SECONDS ago."""
    if seen is None:
        return False
    last = _checked.get(target.root)
    return last is not None and last[0] == seen and time.monotonic() - last[1] < CHECK_SECONDS


def confirmed(target: IndexStore, seen: tuple | None, looked_at: float) -> None:
    """The look at the change log that started at `looked_at`, after signature() gave
    `seen`, found every change applied.

    The progress is taken as it is now: that look may have applied changes itself, or waited
    for the indexer to, and that is no reason to look again.
    """
    if seen is None:
        return
    logged_here, mark, _progress = seen
    with _lock:
        _checked[target.root] = ((logged_here, mark, _stat(progress.path(target.root))), looked_at)
