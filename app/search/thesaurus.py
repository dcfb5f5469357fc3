"""The organisers' thesaurus (Zoeken -> Synoniemen beheren), applied when searching.

The file format, one group per line (lines starting with # are comments):

    windmolen, windturbine, windpark         every word finds the others
    drag queen, dragartiest                  an entry may be several words
    sociale media => facebook, tiktok        one way: the broader term on the left finds
                                             the narrower ones, not the other way round

Entries are analysed as the index analyses text (lemmas, stems, stop words left out), so
"windturbines" and "windturbine" are one entry. A word in several groups gets all of them.
Changes apply at the next search, without rebuilding the index.
"""

import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from app.search.analysis import analyse

DEFAULT_SYNONYMS = Path(__file__).with_name("synonyms.txt")
ONE_WAY = "=>"
# Earlier default lists, replaced by the current default where an instance still has one
# unchanged (an organiser's own edits are kept).
_OLD_DEFAULTS = frozenset({"804dd7ad41dc2fa06e8d94c5cfeb07db340310f299d6846557e60e0e95b1128f"})

Entry = tuple[str, ...]  # the index terms of one entry, in order


@dataclass(frozen=True)
class Group:
    """One line: `broader` find `narrower`; in a two-way group every entry is in both."""

    broader: tuple[str, ...]
    narrower: tuple[str, ...]


def _entries(text: str) -> list[str]:
    return [entry.strip() for entry in text.split(",") if entry.strip()]


def parse_groups(text: str) -> list[Group]:
    """The groups of the file format (see the module docstring), as written."""
    groups = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if ONE_WAY in line:
            left, _arrow, right = line.partition(ONE_WAY)
            broader, narrower = _entries(left), _entries(right)
            if broader and narrower:
                groups.append(Group(tuple(broader), tuple(narrower)))
        else:
            entries = _entries(line)
            if len(entries) > 1:
                groups.append(Group(tuple(entries), tuple(entries)))
    return groups


def problems(text: str) -> list[str]:
    """What is wrong with a list, line by line, in Dutch (for the organisers' form)."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.count(ONE_WAY) > 1:
            found.append(f"Regel {number}: gebruik {ONE_WAY} hoogstens één keer.")
        elif ONE_WAY in stripped:
            left, _arrow, right = stripped.partition(ONE_WAY)
            if not _entries(left) or not _entries(right):
                found.append(f"Regel {number}: zet woorden aan beide kanten van {ONE_WAY}.")
        elif len(_entries(stripped)) < 2:
            found.append(f"Regel {number} heeft minstens twee woorden nodig.")
    if not found and not parse_groups(text):
        found.append("Geef minstens één groep synoniemen.")
    return found


def _analysed(entries: tuple[str, ...]) -> list[Entry]:
    return [terms for terms in (tuple(analyse(entry)) for entry in entries) if terms]


def build(text: str) -> dict[Entry, tuple[Entry, ...]]:
    """Entry -> every entry a search for it also looks for (itself included)."""
    found: dict[Entry, set[Entry]] = {}
    for group in parse_groups(text):
        narrower = _analysed(group.narrower)
        for entry in _analysed(group.broader):
            found.setdefault(entry, {entry}).update(narrower)
    return {entry: tuple(sorted(others)) for entry, others in found.items()}


class SynonymList:
    """The synonym file, reloaded when it changes on disk (by any process)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._mtime: int | None = None
        self._expansions: dict[Entry, tuple[Entry, ...]] = {}

    def ensure_file(self) -> None:
        default = DEFAULT_SYNONYMS.read_text(encoding="utf-8")
        if self.path.exists():
            current = hashlib.sha256(self.path.read_bytes()).hexdigest()
            if current not in _OLD_DEFAULTS:
                return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._write(default)

    def text(self) -> str:
        self.ensure_file()
        return self.path.read_text(encoding="utf-8")

    def save(self, text: str) -> None:
        """Replace the file atomically, so a reader never sees half a list."""
        self.ensure_file()
        self._write(text.replace("\r\n", "\n"))

    def _write(self, text: str) -> None:
        temporary = self.path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, self.path)

    def expansions(self) -> dict[Entry, tuple[Entry, ...]]:
        """Entry (its index terms) -> the entries to search for it."""
        if self._mtime is None:
            self.ensure_file()
        mtime = self.path.stat().st_mtime_ns
        with self._lock:
            if mtime != self._mtime:
                self._expansions = build(self.path.read_text(encoding="utf-8"))
                self._mtime = mtime
            return self._expansions

    def longest_entry(self) -> int:
        return max((len(entry) for entry in self.expansions()), default=1)
