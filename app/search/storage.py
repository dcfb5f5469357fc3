"""Where the indexes live on disk, how builds are swapped in, and per-thread searchers.

Layout of SEARCH_INDEX_DIR:
    network -> builds/network-<stamp>    (a symlink: replacing it is atomic)
    archive -> builds/archive-<stamp>
    builds/                              (the live builds, and the previous ones for a while)
    write.lock                           (held by whoever writes or swaps an index)
    progress.json                        (how far these indexes got in the change log)
    builds/<name>-<stamp>/schema-version (the SCHEMA_VERSION a build was made with)

Whoosh searchers must not be shared between threads, so every thread keeps its own, reopened
only when the index generation changed (a cheap directory listing tells).
"""

import fcntl
import mmap
import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from whoosh.codec.whoosh3 import W3Codec
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile
from whoosh.index import FileIndex
from whoosh.reading import EmptyReader, MultiReader, SegmentReader
from whoosh.searching import Searcher

from app.search import progress, schema, whoosh_patches
from app.search.schema import archive_schema, network_schema

NETWORK = "network"
ARCHIVE = "archive"
SCHEMAS = {NETWORK: network_schema, ARCHIVE: archive_schema}
KEEP_OLD_BUILDS = 1
# How every writer writes a segment. As separate files, not one compound file: Whoosh opens
# a file inside a compound segment by copying it into memory (BytesIO over the mmap), so
# every new reader of a 10,000-case index copied its term dictionary, several times per
# posted comment. Terms in fewer than 8 documents (most word pairs) are stored inside their
# term entry rather than as a posting block of their own (see whoosh_patches). A search reads
# every posting of its words (score.py), a block at a time, each block a zlib-compressed
# pickle: a common word at 10,000 cases was some 200 blocks of Whoosh's 128 postings, and
# opening them cost more than their postings did; blocks of 1,024 cut that eightfold.
WRITER_OPTIONS = {"compound": False, "codec": W3Codec(blocklimit=1024, inlinelimit=8)}
# A process waiting for the write lock tries again after 1 ms, then ever less often, up to
# every 20 ms: a search waiting for a short commit should not sleep long past it, nor one
# waiting for a long batch keep a core busy asking.
LOCK_POLL_SECONDS = (0.001, 0.020)
VERSION_FILE = "schema-version"

# A Whoosh that lacks what the patches and the scorer rely on fails here, by name.
whoosh_patches.apply()


class _Positioned:
    """A file being written that knows its position without asking the system.

    Whoosh asks a file it writes for its position (tell()) once or twice per term; on a
    buffered file each time is a system call (13 µs here): for a case of 5,000 distinct
    terms, most of a commit. Anything but writing, seeking and telling passes through, and
    the position is then asked of the file again.
    """

    def __init__(self, file) -> None:
        self._file = file
        self._position: int | None = file.tell()

    def write(self, data) -> int:
        written = self._file.write(data)
        if self._position is not None:
            self._position += written
        return written

    def tell(self) -> int:
        if self._position is None:
            self._position = self._file.tell()
        return self._position

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        self._position = self._file.seek(offset, whence)
        return self._position

    def __getattr__(self, name: str):
        self._position = None  # read, truncate, ...: who knows where the file is now
        return getattr(self._file, name)


class MappedStorage(FileStorage):
    """Whoosh's FileStorage, with the files it reads mapped into memory and the files it
    writes keeping their own position (_Positioned).

    Whoosh reads a segment's files through buffered file objects, a seek and a read per
    lookup: every term looked up in a term table is a system call or two. A merge of eight
    one-case segments made 40,000 lookups at about 20 µs each (most of its 1.3 s at 10,000
    cases), and opening a segment's reader 260 more. Through a memory map a lookup is a copy
    from memory. Index files are written once and never changed in place; a file deleted
    while mapped (a merged segment) stays readable until its map is closed.
    """

    def create_file(self, name, excl=False, mode="wb", **kwargs):
        created = super().create_file(name, excl=excl, mode=mode, **kwargs)
        created.file = _Positioned(created.file)
        return created

    def open_file(self, name, **kwargs):
        with open(os.path.join(self.folder, name), "rb") as handle:
            if os.fstat(handle.fileno()).st_size == 0:  # an empty file cannot be mapped
                return super().open_file(name, **kwargs)
            mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        return StructFile(mapped, name=name, **kwargs)


def open_index(path: Path | str) -> FileIndex:
    """The index in a build directory, read through MappedStorage."""
    return MappedStorage(str(path)).open_index()


class IndexLockTimeout(Exception):
    """Another process held the write lock for longer than the configured timeout."""


class IndexStore:
    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self.builds = self.root / "builds"

    def link(self, name: str) -> Path:
        return self.root / name

    def linked(self, name: str) -> Path:
        """Where the index's link points (the link itself when there is none)."""
        return Path(os.path.realpath(self.link(name)))

    def live_path(self, name: str) -> Path | None:
        link = self.link(name)
        if not link.is_symlink() and not link.exists():
            return None
        path = self.linked(name)
        # A table of contents says an index is there; whether it reads is for open() to find
        # out (and to report), so a damaged index is never mistaken for a missing one.
        return path if any(path.glob("_MAIN_*.toc")) else None

    def exists(self) -> bool:
        return all(self.live_path(name) is not None for name in SCHEMAS)

    def new_build(self, name: str) -> tuple[Path, FileIndex]:
        """An empty index in a fresh directory beside the live one."""
        self.builds.mkdir(parents=True, exist_ok=True)
        stamp = f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.monotonic_ns()}"
        path = self.builds / f"{name}-{stamp}"
        path.mkdir()
        index = MappedStorage(str(path)).create_index(SCHEMAS[name]())
        (path / VERSION_FILE).write_text(str(schema.SCHEMA_VERSION))
        return path, index

    def outdated(self) -> list[str]:
        """Names of live indexes built with an older schema (builds before versions: 1)."""
        names = []
        for name in SCHEMAS:
            path = self.live_path(name)
            if path is None:
                continue
            try:
                version = int((path / VERSION_FILE).read_text())
            except (FileNotFoundError, ValueError):
                version = 1
            if version < schema.SCHEMA_VERSION:
                names.append(name)
        return names

    def swap(self, name: str, build: Path) -> None:
        """Point the live name at a new build; searchers pick it up on their next request."""
        temporary = self.root / f".{name}.{os.getpid()}.link"
        if temporary.is_symlink():
            temporary.unlink()
        temporary.symlink_to(build.relative_to(self.root))
        os.replace(temporary, self.link(name))

    def ensure(self) -> bool:
        """Create empty indexes where none exist yet (a new installation, a test).

        Returns True when it created one: the caller must then replay the change log.
        """
        created = False
        for name in SCHEMAS:
            if self.live_path(name) is None:
                path, _index = self.new_build(name)
                self.swap(name, path)
                created = True
        if created:
            progress.save(self.root, progress.Progress())
        return created

    def open(self, name: str) -> FileIndex:
        path = self.live_path(name)
        if path is None:
            raise FileNotFoundError(f"No {name} search index in {self.root}")
        return open_index(path)

    def remove_old_builds(self) -> None:
        """Delete builds no longer live, keeping the newest ones for searchers still open."""
        if not self.builds.exists():
            return
        live = {self.live_path(name) for name in SCHEMAS}
        for name in SCHEMAS:
            old = sorted(
                (p for p in self.builds.glob(f"{name}-*") if p not in live),
                key=lambda p: p.stat().st_mtime,
            )
            for path in old[: max(len(old) - KEEP_OLD_BUILDS, 0)]:
                shutil.rmtree(path, ignore_errors=True)

    @contextmanager
    def write_lock(self, timeout: float) -> Iterator[None]:
        """One writer at a time across processes; waits up to `timeout` seconds."""
        self.root.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + timeout
        pause, longest = LOCK_POLL_SECONDS
        with open(self.root / "write.lock", "a+") as handle:
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise IndexLockTimeout(str(self.root)) from None
                    time.sleep(pause)
                    pause = min(pause * 1.5, longest)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def store() -> IndexStore:
    """The index directory of the current app (SEARCH_INDEX_DIR)."""
    return IndexStore(current_app.config["SEARCH_INDEX_DIR"])


@dataclass
class IndexView:
    """A thread's searcher on one index plus caches that live as long as that searcher."""

    path: Path
    index: FileIndex
    searcher: Searcher
    cache: dict = field(default_factory=dict)
    # The folder's modification time at a listing that found the searcher up to date, once
    # that time was old enough that no later change can carry it too (read_newest).
    settled_mtime: int | None = None


# Longer than any clock tick a file system stamps a folder's changes with.
_SETTLED_NS = 1_000_000_000


def read_newest(view: IndexView) -> bool:
    """Whether the view's searcher reads the index's newest generation.

    Every change (a commit, a merge) writes a new table of contents, a new file in the
    folder, which sets the folder's modification time. Listing the folder (some 200 files
    between merges) was a tenth of a similar-cases lookup on every case page; an unchanged
    time says nothing changed. A time is trusted only once it lies further back than a clock
    tick, as git trusts file times, since two changes within one tick share a time.
    """
    mtime = os.stat(view.path).st_mtime_ns
    if mtime == view.settled_mtime:
        return True
    newest = view.index.latest_generation() == view.searcher.reader().generation()
    if newest and time.time_ns() - mtime > _SETTLED_NS:
        view.settled_mtime = mtime
    return newest


class _Views(dict):
    """A thread's searchers; closed when the thread ends and its local storage goes."""

    def close_all(self) -> None:
        for view in self.values():
            view.searcher.close()
        self.clear()

    def __del__(self) -> None:
        self.close_all()


_local = threading.local()


def _views() -> _Views:
    views = getattr(_local, "views", None)
    if views is None:
        views = _local.views = _Views()
    return views


def view(store: IndexStore, name: str) -> IndexView:
    """This thread's searcher on the live index, reopened when the index changed."""
    views = _views()
    key = (str(store.root), name)
    current = views.get(key)
    if current is not None and current.path == store.linked(name):
        # Still the build this thread reads (a rebuild swaps the link): only a newer
        # generation to look for, without listing the build for its table of contents.
        if not read_newest(current):
            current.searcher, current.cache = reopened(current.index, current.searcher), {}
        return current
    path = store.live_path(name)
    if path is None:
        with store.write_lock(timeout=30):
            store.ensure()
        path = store.live_path(name)
    if current is not None:  # a build swapped in: this thread's searcher reads the old one
        current.searcher.close()
    # A thread serves one installation; searchers of another (a test's old index) are closed.
    for other in [k for k in views if k[0] != key[0]]:
        views.pop(other).searcher.close()
    index = open_index(path)
    views[key] = IndexView(path, index, index.searcher())
    return views[key]


def reopened(index: FileIndex, old: Searcher) -> Searcher:
    """A searcher on the index's newest generation that keeps the old searcher's readers of
    the segments still there; the old searcher is not to be used again.

    Opening a segment's reader reads the directory of its term table (about 0.8 ms; an index
    between merges has a dozen segments or more), and the first search after every change
    paid that for each segment, though a change adds one segment and at most marks documents
    of others deleted. Whoosh's own Searcher.refresh() reuses readers too, but with their
    old deletion sets (an updated case would still match its old text) and with segments a
    merge removed. Here a kept reader gets its segment as the new table of contents has it,
    deletions and all, and the readers of segments that are gone are closed.
    """
    toc = index._read_toc()
    kept = {reader.segment().segment_id(): reader for reader, _ in old.reader().leaf_readers()}
    readers = []
    for segment in toc.segments:
        reader = kept.pop(segment.segment_id(), None)
        if reader is None or reader.is_closed:
            reader = SegmentReader(index.storage, toc.schema, segment, generation=toc.generation)
        else:
            reader._segment = reader._perdoc._segment = segment
            reader._gen = toc.generation
            reader.__dict__.pop("deleted_docs_set", None)  # a cached_property of the old set
        readers.append(reader)
    for reader in kept.values():
        reader.close()
    if not readers:
        return Searcher(EmptyReader(toc.schema), fromindex=index)
    if len(readers) == 1:
        return Searcher(readers[0], fromindex=index)
    return Searcher(MultiReader(readers, generation=toc.generation), fromindex=index)


def close_thread_searchers() -> None:
    """Close this thread's searchers (tests call this between apps)."""
    _views().close_all()


def retry_on_fresh_searchers(read, *args):
    """read(*args), and once more on new searchers when it fails.

    A searcher opens some of a segment's files only when it first needs them; when a merge
    swapped that segment out meanwhile its files are gone, though the index is sound. A
    damaged index fails the second time too.
    """
    try:
        return read(*args)
    except Exception as error:  # whatever Whoosh raises on a file that is gone
        current_app.logger.info("Reading the search index failed (%r); once more.", error)
        close_thread_searchers()
        return read(*args)
