"""Search relevance on the judged queries: `make relevance` (add -v for every query).

Loads the demo data into a temporary instance (never instance/), builds the index, runs
tests/relevance/judgments.toml through the app's search as an expert and through a plain
BM25 baseline (SQLite FTS5) on the same cases, and prints nDCG@10, MRR, recall@10 and the
zero-result rate per kind of query and overall.
"""

import sys
import tempfile
from pathlib import Path

from flask_migrate import upgrade

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app
from app.seed import load_demo
from tests.relevance import measure


def main(verbose: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="casusplein-relevance-") as folder:
        instance = Path(folder)
        app = create_app(
            {
                "INSTANCE_PATH": str(instance),
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'relevance.db'}",
                "SEARCH_INDEX_DIR": str(instance / "search"),
                "SEARCH_SYNONYMS_FILE": str(instance / "synonyms.txt"),
            }
        )
        with app.app_context():
            upgrade()
            load_demo()
            ours, theirs, rows = measure.evaluate()
            if verbose:
                for query, app_scored, base_scored, titles in rows:
                    if app_scored is None:
                        print(f"[{query.kind}] {query.text!r}: {len(titles)} shown")
                        continue
                    print(
                        f"[{query.kind}] {query.text!r}: nDCG {app_scored.ndcg:.2f} "
                        f"(bm25 {base_scored.ndcg:.2f})"
                    )
                    for rank, title in enumerate(titles[: measure.DEPTH], 1):
                        print(f"    {rank:2}. [{query.relevant.get(title, 0)}] {title}")
            print(measure.report(ours, theirs))


if __name__ == "__main__":
    main("-v" in sys.argv[1:])
