"""A separate indexing process for the fault tests, to be killed part-way.

    python -m tests.indexer_child DATABASE_URI INSTANCE_PATH catch-up|rebuild

Prints "ready" once the app is up, then applies the change log in small batches (many commit
points to be killed between or inside) or rebuilds both indexes, and prints "done". On the
way it prints "step" after each batch it applied (catch-up) or each case it read (rebuild)
and waits for a line on stdin before going on, so the test kills it at a chosen point of its
work (one of many), never at a guessed moment.
"""

import sys

from app import create_app
from app.search import documents, progress, writer
from app.search.rebuild import rebuild as rebuild_index


def _step() -> None:
    print("step", flush=True)
    sys.stdin.readline()  # the test answers "go", or kills this process here


def _announcing_steps(function):
    def wrapper(*args, **kwargs):
        result = function(*args, **kwargs)
        _step()
        return result

    return wrapper


def _announcing_documents(function):
    def wrapper(*args, **kwargs):
        for document in function(*args, **kwargs):
            yield document
            _step()

    return wrapper


def main(uri: str, instance: str, mode: str) -> None:
    app = create_app({"INSTANCE_PATH": instance, "SQLALCHEMY_DATABASE_URI": uri}, testing=True)
    writer.BATCH = 3
    progress.save = _announcing_steps(progress.save)
    documents.all_documents = _announcing_documents(documents.all_documents)
    with app.app_context():
        print("ready", flush=True)
        if mode == "rebuild":
            rebuild_index()
        else:
            writer.apply_pending()
        print("done", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
