"""A separate indexing process for the fault tests, to be killed part-way.

    python -m tests.indexer_child DATABASE_URI INSTANCE_PATH catch-up|rebuild

Prints "ready" once the app is up, then applies the change log in small batches (many commit
points to be killed between or inside) or rebuilds both indexes, and prints "done".
"""

import sys

from app import create_app
from app.search import writer
from app.search.rebuild import rebuild as rebuild_index


def main(uri: str, instance: str, mode: str) -> None:
    app = create_app({"INSTANCE_PATH": instance, "SQLALCHEMY_DATABASE_URI": uri}, testing=True)
    writer.BATCH = 3
    with app.app_context():
        print("ready", flush=True)
        if mode == "rebuild":
            rebuild_index()
        else:
            writer.apply_pending()
        print("done", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
