"""Measuring search relevance on the judged queries in judgments.toml.

`make relevance` (scripts/relevance.py) prints the figures; tests/test_relevance.py keeps a
floor under them. Both run each query through the app's own search as an expert (the
network index, as a person sees the first results page) and through a plain BM25 baseline
on the same case texts: SQLite FTS5's bm25() in memory, words OR-ed, no stemming.
"""

import math
import re
import sqlite3
import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import Case, Role, User
from app.permissions import readable_cases_clause
from app.search import documents
from app.search.services import SearchParams, search

JUDGMENTS = Path(__file__).with_name("judgments.toml")
DEPTH = 10
NO_ANSWER = "none"


@dataclass(frozen=True)
class Judged:
    text: str
    kind: str
    relevant: dict[str, int]  # case title -> 2 (exactly this) or 1 (related)


def load(path: Path = JUDGMENTS) -> list[Judged]:
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    return [Judged(q["q"], q["kind"], dict(q.get("relevant", {}))) for q in data["query"]]


def _dcg(gains: list[int]) -> float:
    return sum((2**gain - 1) / math.log2(rank + 2) for rank, gain in enumerate(gains))


@dataclass(frozen=True)
class Scored:
    ndcg: float
    rr: float
    recall: float
    empty: bool


def score(ranked: list[str], relevant: dict[str, int]) -> Scored:
    """nDCG@10, reciprocal rank, recall@10 of a ranked list of titles."""
    top = ranked[:DEPTH]
    ideal = _dcg(sorted(relevant.values(), reverse=True)[:DEPTH])
    ndcg = _dcg([relevant.get(title, 0) for title in top]) / ideal if ideal else 0.0
    rr = next((1 / (rank + 1) for rank, title in enumerate(ranked) if title in relevant), 0.0)
    recall = len(set(top) & set(relevant)) / len(relevant) if relevant else 0.0
    return Scored(ndcg, rr, recall, not ranked)


@dataclass
class Summary:
    """Mean figures per kind of query and overall (answerable queries only)."""

    rows: dict[str, list[Scored]] = field(default_factory=lambda: defaultdict(list))
    no_answer_found: list[bool] = field(default_factory=list)

    def add(self, kind: str, scored: Scored) -> None:
        self.rows[kind].append(scored)

    def means(self, kind: str | None = None) -> dict[str, float]:
        rows = self.rows[kind] if kind else [row for rows in self.rows.values() for row in rows]
        count = len(rows) or 1
        return {
            "n": len(rows),
            "ndcg": sum(row.ndcg for row in rows) / count,
            "mrr": sum(row.rr for row in rows) / count,
            "recall": sum(row.recall for row in rows) / count,
            "zero": sum(row.empty for row in rows) / count,
        }


def expert() -> User:
    user = db.session.scalar(sa.select(User).where(User.role == Role.EXPERT).limit(1))
    if user is None:
        raise RuntimeError("No expert in the database: load the demo data first.")
    return user


def _titles() -> dict[int, str]:
    return dict(db.session.execute(sa.select(Case.id, Case.title)).all())


def app_ranking(user: User, text: str, titles: dict[int, str]) -> list[str]:
    """The case titles of the first results page, as the person sees them (methods included,
    as a title no judgment names)."""
    page = search(user, SearchParams(text=text))
    return [
        titles.get(hit.case_id, "") if hit.case_id else f"methodiek {hit.method_id}"
        for hit in page.hits
    ]


class Baseline:
    """Plain BM25 over the same readable cases: SQLite FTS5 in memory, no stemming."""

    _TOKEN = re.compile(r'"[^"]*"|\w+\*?')

    def __init__(self, user: User) -> None:
        self.db = sqlite3.connect(":memory:")
        self.db.execute(
            "CREATE VIRTUAL TABLE cases USING fts5("
            "title, body, meta, comments, reflections, tokenize='unicode61 remove_diacritics 2')"
        )
        readable = set(db.session.scalars(sa.select(Case.id).where(readable_cases_clause(user))))
        with Session(db.engine) as session:
            for doc, _archive in documents.all_documents(session):
                if doc.get("case_id") and int(doc["case_id"]) in readable:
                    self.db.execute(
                        "INSERT INTO cases(rowid, title, body, meta, comments, reflections) "
                        "VALUES (?, ?, ?, ?, ?, ?)",
                        (
                            int(doc["case_id"]),
                            doc.get("title", ""),
                            doc.get("body", ""),
                            doc.get("meta", ""),
                            doc.get("comments", ""),
                            doc.get("reflections", ""),
                        ),
                    )

    def _match(self, text: str) -> str:
        parts = []
        for token in self._TOKEN.findall(text.lower()):
            if token.startswith('"'):
                words = re.findall(r"\w+", token)
                if words:
                    parts.append('"' + " ".join(words) + '"')
            elif token.endswith("*"):
                parts.append(f'"{token[:-1]}"*')
            else:
                parts.append(f'"{token}"')
        return " OR ".join(parts)

    def ranking(self, text: str, titles: dict[int, str]) -> list[str]:
        match = self._match(text)
        if not match:
            return []
        rows = self.db.execute(
            "SELECT rowid FROM cases WHERE cases MATCH ? ORDER BY bm25(cases) LIMIT ?",
            (match, DEPTH),
        ).fetchall()
        return [titles[rowid] for (rowid,) in rows]


def evaluate(judged: list[Judged] | None = None) -> tuple[Summary, Summary, list[tuple]]:
    """(app, baseline, per-query rows) for the judged queries, in the current app context."""
    judged = judged if judged is not None else load()
    user = expert()
    titles = _titles()
    baseline = Baseline(user)
    ours, theirs, rows = Summary(), Summary(), []
    for query in judged:
        app_titles = app_ranking(user, query.text, titles)
        base_titles = baseline.ranking(query.text, titles)
        if query.kind == NO_ANSWER:
            ours.no_answer_found.append(bool(app_titles))
            theirs.no_answer_found.append(bool(base_titles))
            rows.append((query, None, None, app_titles))
            continue
        app_scored = score(app_titles, query.relevant)
        base_scored = score(base_titles, query.relevant)
        ours.add(query.kind, app_scored)
        theirs.add(query.kind, base_scored)
        rows.append((query, app_scored, base_scored, app_titles))
    return ours, theirs, rows


def report(ours: Summary, theirs: Summary) -> str:
    """The table `make relevance` prints."""
    lines = [
        f"{'kind':<12} {'n':>3}   {'nDCG@10':>15}   {'MRR':>13}   {'recall@10':>13}   "
        f"{'zero results':>13}",
        f"{'':<12} {'':>3}   {'app':>7} {'bm25':>7}   {'app':>6} {'bm25':>6}   "
        f"{'app':>6} {'bm25':>6}   {'app':>6} {'bm25':>6}",
    ]
    kinds = sorted(ours.rows)

    def line(label: str, kind: str | None) -> str:
        a, b = ours.means(kind), theirs.means(kind)
        return (
            f"{label:<12} {a['n']:>3}   {a['ndcg']:>7.3f} {b['ndcg']:>7.3f}   "
            f"{a['mrr']:>6.3f} {b['mrr']:>6.3f}   {a['recall']:>6.3f} {b['recall']:>6.3f}   "
            f"{a['zero']:>6.1%} {b['zero']:>6.1%}"
        )

    lines += [line(kind, kind) for kind in kinds]
    lines.append(line("overall", None))
    if ours.no_answer_found:
        found = sum(ours.no_answer_found)
        base = sum(theirs.no_answer_found)
        lines.append(
            f"no good answer: {found} of {len(ours.no_answer_found)} queries showed results "
            f"(bm25: {base})"
        )
    return "\n".join(lines)
