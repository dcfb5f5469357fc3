"""Similar cases, computed when an index changes and kept beside it.

Two cases are alike first by the themes they share (a case sharing no theme never comes
before one that shares one), then by their dilemmas, their kind of polarisation and their
text: the body's key terms, with place and municipality names and other proper nouns
weighed down (they made "similar" mean "in the same town").

The lists live in `similar.sqlite` inside each index build directory, so they are swapped
in with the index they describe, shared by every process of an instance, rebuilt by
`search rebuild` and kept per instance by each instance's own indexer. Each case keeps its
KEPT most similar cases whatever their visibility; the reader's scope is applied when a
list is shown (services.similar_cases). The indexer calls `refresh` where it has applied
changes to an index and `build` for a fresh build.
"""

import hashlib
import heapq
import json
import math
import multiprocessing
import re
import sqlite3
import threading
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import Municipality
from app.search import collect, morphology
from app.search.analysis import analyse, folded
from app.search.schema import text_reader

FILE = "similar.sqlite"
KEPT = 20  # per case, before the reader's scope is applied
KEY_TERMS = 15
# A key term shared by more cases than this is skipped when looking for candidates (at
# 10,000 cases a common word would make every case a candidate of every other).
CANDIDATES_PER_TERM = 60
# Of those, the cases with the most text in common are scored in full...
TEXT_CANDIDATES = 60
# ...and cases of the same themes, even when their texts share no key term.
SAME_THEME_POOL = 30
PROPER_NOUN_WEIGHT = 0.15
# The least text similarity (cosine of the key terms) for a case sharing no theme to be listed.
MIN_TEXT = 0.1
# Ranking: shared themes first (a tier of 10 each), then dilemmas, kind and text (< 10).
THEME_TIER = 10.0
DILEMMA_WEIGHT = 1.0
KIND_WEIGHT = 0.5
TEXT_WEIGHT = 3.0

# Words written with a capital and never without one in a text: names ("De Hoeve",
# "Woonstede", "Dorrestad"), where a word that only starts a sentence also occurs in lower case.
_CAPITALISED = re.compile(r"\b[A-ZÀ-Þ][\w-]*")
_LOWER = re.compile(r"\b[a-zß-ÿ][\w-]*")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Profile:
    case_id: int
    themes: frozenset[str]
    dilemmas: frozenset[str]
    kind: str
    vector: dict[str, float]  # key term -> weight, unit length
    source: str = ""  # a digest of what the profile was made from (see _source)


def _source(body: str, themes: str | None, dilemmas: str | None, kind: str | None) -> str:
    """A digest of a case's text and facts: unchanged, its profile is unchanged too."""
    material = "\x1f".join((body or "", themes or "", dilemmas or "", kind or ""))
    return hashlib.sha1(material.encode("utf-8")).hexdigest()


def _split(value: str | None) -> frozenset[str]:
    return frozenset(part for part in (value or "").split(",") if part)


def similarity(a: Profile, b: Profile) -> float:
    """How alike two cases are; symmetric. Its integer tens are the themes they share; 0 for
    cases that share neither a theme nor much of their text (they are not listed)."""
    return _score(a, b, sum(weight * b.vector.get(term, 0.0) for term, weight in a.vector.items()))


def _score(a: Profile, b: Profile, text: float) -> float:
    themes = len(a.themes & b.themes)
    if not themes and text < MIN_TEXT:
        return 0.0
    return (
        THEME_TIER * themes
        + DILEMMA_WEIGHT * min(len(a.dilemmas & b.dilemmas), 3)
        + KIND_WEIGHT * (a.kind == b.kind and a.kind != "")
        + TEXT_WEIGHT * min(text, 1.0)
    )


def _place_terms(session: Session) -> frozenset[str]:
    """The index terms of municipality and province names: never what makes cases alike."""
    terms = set()
    for name, province in session.execute(sa.select(Municipality.name, Municipality.province)):
        terms.update(analyse(f"{name} {province or ''}"))
    return frozenset(terms)


def _names(text: str) -> set[str]:
    """The index terms of the proper nouns of a text."""
    lower = set(_LOWER.findall(text))
    names = " ".join(word for word in set(_CAPITALISED.findall(text)) if word.lower() not in lower)
    return {morphology.stem(word) for word in _WORD.findall(folded(names))}


def _profile(
    reader, docnum: int, fields: dict, text: str, places: frozenset[str], idfs: dict
) -> Profile:
    """A case document's themes, dilemmas, kind and key terms (`idfs` caches idf per term)."""
    documents = max(reader.doc_count(), 1)
    names = _names(text)
    weights = {}
    if reader.has_vector(docnum, "body"):
        for raw, frequency in reader.vector_as("weight", docnum, "body"):
            term = raw.decode("utf-8") if isinstance(raw, bytes) else raw
            if term in places or term.isdigit() or len(term) < 3:
                continue
            idf = idfs.get(term)
            if idf is None:
                df = reader.doc_frequency("body", raw)
                idf = idfs[term] = math.log(documents / (1 + df)) + 1
            weight = (1 + math.log(frequency)) * max(idf, 0.0)
            weights[term] = weight * (PROPER_NOUN_WEIGHT if term in names else 1.0)
    top = heapq.nlargest(KEY_TERMS, weights.items(), key=lambda item: item[1])
    norm = math.sqrt(sum(weight * weight for _term, weight in top)) or 1.0
    return Profile(
        int(fields["case_id"]),
        _split(fields.get("theme")),
        _split(fields.get("dilemma")),
        fields.get("kind") or "",
        {term: weight / norm for term, weight in top},
        _source(text, fields.get("theme"), fields.get("dilemma"), fields.get("kind")),
    )


def _profiles(
    searcher, places: frozenset[str], case_ids: set[int] | None = None, processes: int = 1
) -> list[Profile]:
    """Profiles of the case documents of an index (of these cases only, when given)."""
    reader = searcher.reader()
    if case_ids is None:
        found = [(d, f) for d, f in reader.iter_docs() if f.get("case_id")]
    else:
        numbers = (collect.document_number(searcher, "case_id", str(i)) for i in case_ids)
        found = [(d, searcher.stored_fields(d)) for d in numbers if d is not None]
    parts = _in_processes(_profiles_of, _parts(found, processes), (searcher, places))
    return [profile for part in parts for profile in part]


def _profiles_of(shared: tuple, found: list[tuple[int, dict]]) -> list[Profile]:
    searcher, places = shared
    reader = searcher.reader()
    body = text_reader(searcher, "body")
    idfs: dict[str, float] = {}
    return [_profile(reader, d, fields, body(d), places, idfs) for d, fields in found]


def _all_lists(profiles: list[Profile], processes: int = 1) -> dict[int, list[tuple[int, float]]]:
    """Every case's list, scoring candidates only: the TEXT_CANDIDATES cases sharing most of
    its key terms (of the CANDIDATES_PER_TERM heaviest for each term) and SAME_THEME_POOL
    cases of each of its themes.

    The text part is summed over the shared key terms, as a sparse product; a case of the
    same theme that shares no key term has text 0. Scoring every pair would not end in time
    at 10,000 cases.
    """
    by_term: dict[str, list[tuple[float, int]]] = defaultdict(list)
    by_theme: dict[str, list[int]] = defaultdict(list)
    for position, profile in enumerate(profiles):
        for term, weight in profile.vector.items():
            by_term[term].append((weight, position))
        for theme in profile.themes:
            by_theme[theme].append(position)
    sharing = {}
    for term, items in by_term.items():
        items.sort(key=lambda item: -item[0])
        del items[CANDIDATES_PER_TERM:]
        sharing[term] = (
            np.array([position for _weight, position in items], dtype=np.intp),
            np.array([weight for weight, _position in items], dtype=np.float64),
        )
    lists = {}
    for part in _in_processes(
        _lists_of, _parts(profiles, processes), (sharing, by_theme, profiles)
    ):
        lists.update(part)
    return lists


def _lists_of(shared: tuple, part: list[Profile]) -> dict[int, list[tuple[int, float]]]:
    sharing, by_theme, profiles = shared
    lists = {}
    for profile in part:
        # The text part with every case sharing a key term, summed term by term in the
        # order of the profile's terms (the same floats as adding them one by one).
        found = [(weight, sharing[term]) for term, weight in profile.vector.items()]
        if found:
            others = np.concatenate([positions for _weight, (positions, _w) in found])
            products = np.concatenate([weight * weights for weight, (_p, weights) in found])
            text = np.bincount(others, weights=products, minlength=len(profiles))
            sharers, first = np.unique(others, return_index=True)
            # The most text first; of equal text, the case met first (as heapq.nlargest).
            best = sharers[np.lexsort((first, -text[sharers]))[:TEXT_CANDIDATES]]
            candidates = dict.fromkeys(best.tolist())
        else:
            text = np.zeros(len(profiles))
            candidates = {}
        for theme in profile.themes:
            candidates.update(dict.fromkeys(by_theme[theme][:SAME_THEME_POOL]))
        positions = list(candidates)
        scored = []
        for other_position, other_text in zip(positions, text[positions].tolist(), strict=True):
            other = profiles[other_position]
            if other.case_id != profile.case_id:
                score = _score(profile, other, other_text)
                if score > 0:
                    scored.append((other.case_id, score))
        scored.sort(key=lambda item: (-item[1], item[0]))
        lists[profile.case_id] = scored[:KEPT]
    return lists


def _parts(items: list, processes: int) -> list[list]:
    """`items` in `processes` consecutive parts (one part for one process)."""
    size = -(-len(items) // max(processes, 1)) or 1
    return [items[start : start + size] for start in range(0, len(items), size)] or [[]]


# What forked helper processes compute from: set just before they are forked, so they find
# it in their copy of this process's memory instead of receiving it pickled.
_forked: tuple | None = None


def _in_processes(work, parts: list[list], shared) -> list:
    """[work(shared, part) for part in parts], each part in a forked process of its own
    when there are several: a fresh build's profiles and lists at 10,000 cases took
    35 s on one core while the machine's other cores waited."""
    if len(parts) <= 1:
        return [work(shared, part) for part in parts]
    global _forked
    _forked = (work, shared)
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(len(parts), mp_context=context) as pool:
            return list(pool.map(_forked_work, parts))
    finally:
        _forked = None


def _forked_work(part: list):
    work, shared = _forked
    return work(shared, part)


_local = threading.local()


def _connect(folder: Path) -> sqlite3.Connection:
    # Used under _loaded_lock from whichever thread indexes.
    database = sqlite3.connect(
        folder / FILE, timeout=30, isolation_level=None, check_same_thread=False
    )
    database.execute("PRAGMA journal_mode=WAL")
    database.executescript(
        "CREATE TABLE IF NOT EXISTS profile (case_id INTEGER PRIMARY KEY, data TEXT NOT NULL);"
        "CREATE TABLE IF NOT EXISTS similar (case_id INTEGER PRIMARY KEY, data TEXT NOT NULL);"
    )
    return database


def _dump(profile: Profile) -> str:
    return json.dumps(
        [
            sorted(profile.themes),
            sorted(profile.dilemmas),
            profile.kind,
            profile.vector,
            profile.source,
        ]
    )


def _load(case_id: int, data: str) -> Profile:
    themes, dilemmas, kind, vector, source = json.loads(data)
    return Profile(case_id, frozenset(themes), frozenset(dilemmas), kind, vector, source)


def _save(database, profiles: list[Profile], lists: dict[int, list], removed=()) -> None:
    database.execute("BEGIN IMMEDIATE")
    try:
        for case_id in removed:
            database.execute("DELETE FROM profile WHERE case_id = ?", (case_id,))
            database.execute("DELETE FROM similar WHERE case_id = ?", (case_id,))
        database.executemany(
            "INSERT OR REPLACE INTO profile VALUES (?, ?)",
            [(profile.case_id, _dump(profile)) for profile in profiles],
        )
        database.executemany(
            "INSERT OR REPLACE INTO similar VALUES (?, ?)",
            [(case_id, json.dumps(found)) for case_id, found in lists.items()],
        )
        database.execute("COMMIT")
    except BaseException:
        database.execute("ROLLBACK")
        raise


def build_all(indexes: Iterable, processes: int = 1) -> None:
    """Compute every case's list for fresh index builds, in `processes` processes."""
    with Session(db.engine) as session:
        for index in indexes:
            build(index, session, processes)


def build(index, session: Session, processes: int = 1) -> None:
    """Compute every case's list for a fresh index build."""
    folder = Path(index.storage.folder)
    with index.searcher() as searcher:
        profiles = _profiles(searcher, _place_terms(session), processes=processes)
    lists = _all_lists(profiles, processes)
    database = _connect(folder)
    try:
        database.execute("DELETE FROM profile")
        database.execute("DELETE FROM similar")
        _save(database, profiles, lists)
    finally:
        database.close()


@dataclass
class _Loaded:
    """One build's profiles and lists as this process last read or wrote them."""

    database: sqlite3.Connection
    version: int
    profiles: dict[int, Profile]
    lists: dict[int, list]


# Per process (the indexer writes under the index write lock, one thread at a time): a
# reload only when another process changed the file since (sqlite's data_version).
_loaded: dict[Path, _Loaded] = {}
_loaded_lock = threading.Lock()


def _name(folder: Path) -> str:
    """The index a build directory holds: "network" for builds/network-<stamp>."""
    return folder.name.split("-")[0]


def _state(folder: Path) -> _Loaded:
    state = _loaded.get(folder)
    if state is not None:
        version = state.database.execute("PRAGMA data_version").fetchone()[0]
        if version == state.version:
            return state
        state.database.close()
    for other in [path for path in _loaded if path != folder and _name(path) == _name(folder)]:
        _loaded.pop(other).database.close()  # a replaced build of the same index
    database = _connect(folder)
    state = _Loaded(
        database,
        database.execute("PRAGMA data_version").fetchone()[0],
        {row[0]: _load(*row) for row in database.execute("SELECT * FROM profile")},
        {
            row[0]: [tuple(i) for i in json.loads(row[1])]
            for row in database.execute("SELECT * FROM similar")
        },
    )
    _loaded[folder] = state
    return state


def _with(found: list, case_id: int, score: float) -> list:
    """A list with one case (re)placed by its score, still best first and at most KEPT."""
    items = [item for item in found if item[0] != case_id]
    if score > 0:
        items.append((case_id, score))
    return sorted(items, key=lambda item: (-item[1], item[0]))[:KEPT]


def _changes(profile: Profile | None, doc: dict | None) -> bool:
    """Whether a new document (None: removed) may change the case's profile."""
    if doc is None:
        return profile is not None
    if profile is None:
        return True
    source = _source(doc.get("body", ""), doc.get("theme"), doc.get("dilemma"), doc.get("kind"))
    return source != profile.source


# What dilemmas, kind and text can add to a score at most, beyond the shared themes.
_MOST_BEYOND_THEMES = DILEMMA_WEIGHT * 3 + KIND_WEIGHT + TEXT_WEIGHT


def _place(profile: Profile, profiles: dict, lists: dict, changed: dict) -> list:
    """A changed case's own list, putting it into the lists (in `changed`) it now belongs in.

    A case is scored in full only where it may enter its own list or the other's: its
    shared themes bound the score (THEME_TIER each), so at 10,000 cases, whose lists are
    full of cases sharing a theme, most cases are passed over by that bound alone.
    """
    best: list[tuple[float, int]] = []  # a min-heap of (score, -case_id): the KEPT best
    for other in profiles.values():
        if other.case_id == profile.case_id:
            continue
        found = changed.get(other.case_id)
        if found is None:
            found = lists.get(other.case_id, [])
        most = THEME_TIER * len(profile.themes & other.themes) + _MOST_BEYOND_THEMES
        theirs = len(found) < KEPT or most > found[-1][1]
        if not theirs and len(best) == KEPT and most < best[0][0]:
            continue
        score = similarity(profile, other)
        if score <= 0:
            continue
        if theirs and (len(found) < KEPT or score > found[-1][1]):
            changed[other.case_id] = _with(found, profile.case_id, score)
        item = (score, -other.case_id)
        if len(best) < KEPT:
            heapq.heappush(best, item)
        elif item > best[0]:
            heapq.heapreplace(best, item)
    return [(-negated, score) for score, negated in sorted(best, reverse=True)]


def refresh(index, session: Session, updates: list[tuple[str, str, dict | None]]) -> None:
    """After the indexer's updates (key field, key, document or None): the changed cases'
    own lists, and their places in every other list.

    Similarity is symmetric, so scoring a changed case against every other one gives both
    its own list and where it now belongs in theirs (a new case joins the lists of the
    cases it is like; a deleted or changed one leaves those it no longer belongs in).
    """
    folder = Path(index.storage.folder)
    with _loaded_lock:
        state = _state(folder)
        # A comment leaves the case's text and facts as they were (most writes): no work.
        wanted = {
            int(key)
            for field, key, doc in updates
            if field == "case_id" and _changes(state.profiles.get(int(key)), doc)
        }
        if not wanted:
            return
        with index.searcher() as searcher:
            fresh = {p.case_id: p for p in _profiles(searcher, _place_terms(session), wanted)}
        profiles, lists = state.profiles, state.lists
        gone = {case_id for case_id in wanted if case_id not in fresh and case_id in profiles}
        # A comment or a new status changes no profile: nothing to do for it (most writes).
        fresh = {case_id: p for case_id, p in fresh.items() if profiles.get(case_id) != p}
        touched = gone | set(fresh)
        if not touched:
            return
        # Only a case that had a profile can be in another case's list (a new one is in none).
        listed = {case_id for case_id in touched if case_id in profiles}
        for case_id in touched:
            profiles.pop(case_id, None)
        profiles.update(fresh)
        changed: dict[int, list] = {}
        if listed:
            for case_id, found in lists.items():
                if case_id not in touched and any(other in listed for other, _score in found):
                    changed[case_id] = [item for item in found if item[0] not in touched]
        for profile in fresh.values():
            changed[profile.case_id] = _place(profile, profiles, lists, changed)
        removed = gone
        for case_id in removed:
            lists.pop(case_id, None)
        lists.update(changed)
        try:
            _save(state.database, list(fresh.values()), changed, removed)
        except BaseException:
            _loaded.pop(folder, None)  # the cache ran ahead of the file: read it again
            state.database.close()
            raise


def lookup(folder: Path, case_id: int) -> list[tuple[int, float]]:
    """The case's list (most similar first), or [] where none was computed."""
    if not (folder / FILE).exists():
        return []
    connections = getattr(_local, "connections", None)
    if connections is None:
        connections = _local.connections = {}
    database = connections.get(folder)
    if database is None:
        # A thread reads one build of each index: connections to replaced builds are closed.
        for path in [path for path in connections if _name(path) == _name(folder)]:
            connections.pop(path).close()
        database = connections[folder] = sqlite3.connect(
            f"file:{folder / FILE}?mode=ro", uri=True, timeout=30, check_same_thread=False
        )
    row = database.execute("SELECT data FROM similar WHERE case_id = ?", (case_id,)).fetchone()
    return [tuple(item) for item in json.loads(row[0])] if row else []
