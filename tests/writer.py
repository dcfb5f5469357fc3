"""A separate writer process for the concurrency and fault tests.

    python -m tests.writer DATABASE_URI CASE_ID USER_ID COUNT LABEL

Posts COUNT comments through the comments service, each in its own transaction that reads
before it writes (like a request does), and prints the id of every comment once its commit
has returned: the acknowledged writes. Errors are printed as "error <message>" and counted.
"""

import sys
import tempfile

from app import create_app
from app.comments.services import add_comment, count_visible
from app.extensions import db
from app.models import Case, User


def main(uri: str, case_id: int, user_id: int, count: int, label: str) -> int:
    errors = 0
    with tempfile.TemporaryDirectory() as instance:
        app = create_app(
            {"INSTANCE_PATH": instance, "SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "x"},
            testing=True,
        )
        with app.app_context():
            for number in range(count):
                try:
                    case = db.session.get(Case, case_id)
                    author = db.session.get(User, user_id)
                    count_visible(case)
                    comment = add_comment(case, author, f"{label} {number}")
                except Exception as error:  # every failure is what we measure
                    db.session.rollback()
                    errors += 1
                    print(f"error {error}", flush=True)
                else:
                    print(f"ok {comment.id}", flush=True)
                finally:
                    db.session.remove()
            db.engine.dispose()
    return 1 if errors else 0


if __name__ == "__main__":
    uri, case_id, user_id, count, label = sys.argv[1:6]
    sys.exit(main(uri, int(case_id), int(user_id), int(count), label))
