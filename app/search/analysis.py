"""Dutch text analysis and the organisers' synonym list."""

import os
import threading
from pathlib import Path

from whoosh.analysis import (
    Analyzer,
    CharsetFilter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.lang import stemmer_for_language, stopwords_for_language
from whoosh.support.charset import accent_map

DEFAULT_SYNONYMS = Path(__file__).with_name("synonyms.txt")


def dutch_analyzer() -> Analyzer:
    """Words, lower-cased, accents folded (fluïditeit = fluiditeit), Dutch stop words, stems."""
    return (
        RegexTokenizer(r"\w+")
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | StopFilter(stoplist=frozenset(stopwords_for_language("nl")), minsize=2)
        | StemFilter(stemfn=stemmer_for_language("nl"), lang="nl", cachesize=50_000)
    )


_ANALYZER = dutch_analyzer()


def analyse(text: str) -> list[str]:
    """The index terms of a text, as the Dutch analyzer makes them."""
    return [token.text for token in _ANALYZER(text)]


def parse_synonyms(text: str) -> list[list[str]]:
    """Groups of words from the synonym file format: one group per line, comma-separated."""
    groups = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        words = [word.strip() for word in line.split(",") if word.strip()]
        if len(words) > 1:
            groups.append(words)
    return groups


class SynonymList:
    """The synonym file, reloaded when it changes on disk (by any process)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._mtime: float | None = None
        self._by_term: dict[str, tuple[str, ...]] = {}

    def ensure_file(self) -> None:
        if not self.path.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(DEFAULT_SYNONYMS.read_text(encoding="utf-8"), encoding="utf-8")

    def text(self) -> str:
        self.ensure_file()
        return self.path.read_text(encoding="utf-8")

    def save(self, text: str) -> None:
        """Replace the file atomically, so a reader never sees half a list."""
        self.ensure_file()
        temporary = self.path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(text.replace("\r\n", "\n"), encoding="utf-8")
        os.replace(temporary, self.path)

    def expansions(self) -> dict[str, tuple[str, ...]]:
        """Index term -> the index terms of its whole group (single words only)."""
        self.ensure_file()
        mtime = self.path.stat().st_mtime_ns
        with self._lock:
            if mtime != self._mtime:
                self._by_term = self._build(self.path.read_text(encoding="utf-8"))
                self._mtime = mtime
            return self._by_term

    @staticmethod
    def _build(text: str) -> dict[str, tuple[str, ...]]:
        by_term: dict[str, set[str]] = {}
        for group in parse_synonyms(text):
            terms = {term for word in group for term in analyse(word)[:1]}
            for term in terms:
                by_term.setdefault(term, set()).update(terms)
        return {term: tuple(sorted(group)) for term, group in by_term.items()}
