"""Demo data scaled to 12 municipalities x CASES_EACH cases, deterministically, for load tests.

    python scripts/scale_demo.py INSTANCE_DIR [CASES_EACH]

Migrates a new SQLite database in INSTANCE_DIR (which must not hold one yet; or an empty
database at a URL, for PostgreSQL), loads the demo
data set and adds synthetic cases with comments through the services until every municipality
has CASES_EACH cases. The same arguments always give the same data.
"""

import random
import sys
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade

from app import create_app, seed
from app.cases.services import create_case
from app.comments.services import add_comment
from app.extensions import db
from app.models import Case, Municipality, Role, Theme, User
from app.search import background

WORDS = (
    "wijk", "buurt", "inwoners", "vertrouwen", "gemeente", "gesprek", "jongeren", "opvang",
    "woningen", "windmolens", "stikstof", "online", "spanning", "ontmoeting", "bewonersavond",
    "raad", "wethouder", "sleutelfiguren", "aanpak", "signalen", "zorgen", "boosheid", "contact",
    "verbinding", "onderzoek", "netwerk", "school", "sportclub", "moskee",
)  # fmt: skip
KINDS = ("vertical", "horizontal", "both")
STATUSES = ("open", "in_progress", "completed")


def _paragraph(rng: random.Random, sentences: int) -> str:
    return " ".join(
        " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 16))).capitalize() + "."
        for _ in range(sentences)
    )


def _case_data(rng: random.Random, number: int, theme_ids: list[int]) -> dict:
    return {
        "title": f"Synthetische casus {number}: {rng.choice(WORDS)} en {rng.choice(WORDS)}",
        "polarisation_kind": rng.choice(KINDS),
        "status": rng.choice(STATUSES),
        "themes": rng.sample(theme_ids, rng.randint(1, 3)),
        "dilemmas": [],
        "summary": _paragraph(rng, 2),
        "situation": _paragraph(rng, 5) + "\n\n- " + _paragraph(rng, 1),
        "stakeholders": _paragraph(rng, 2),
        "approach": _paragraph(rng, 4),
        "question": _paragraph(rng, 1),
        "outcome": _paragraph(rng, 3),
    }


def scale(instance: Path, cases_each: int, database_url: str = "") -> int:
    """Build the database (SQLite in `instance`, or an empty `database_url`); returns the
    number of cases in it."""
    if not database_url and (instance / "casusplein.db").exists():
        raise SystemExit(f"{instance} already has a database; use an empty folder")
    app = create_app(
        {
            "INSTANCE_PATH": str(instance),
            "SQLALCHEMY_DATABASE_URI": database_url or f"sqlite:///{instance / 'casusplein.db'}",
        }
    )
    rng = random.Random(20231122)
    with app.app_context():
        if sa.inspect(db.engine).get_table_names():
            raise SystemExit(f"{db.engine.url!r} is not empty; use an empty database")
        upgrade()
        seed.load_demo()
        theme_ids = list(db.session.scalars(sa.select(Theme.id).order_by(Theme.id)))
        participants = list(
            db.session.scalars(
                sa.select(User).where(User.role == Role.PARTICIPANT).order_by(User.id)
            )
        )
        number = 0
        for municipality in db.session.scalars(sa.select(Municipality).order_by(Municipality.id)):
            members = [user for user in participants if user.municipality_id == municipality.id]
            existing = db.session.scalar(
                sa.select(sa.func.count(Case.id)).where(Case.municipality_id == municipality.id)
            )
            for _ in range(cases_each - existing):
                number += 1
                case = create_case(
                    rng.choice(members), _case_data(rng, number, theme_ids), share=True
                )
                for _ in range(rng.randint(0, 4)):
                    add_comment(case, rng.choice(participants), _paragraph(rng, 2))
        total = db.session.scalar(sa.select(sa.func.count(Case.id)))
        # Indexed by this process's background indexer: done before the caller goes on.
        background.drain(app, timeout=600)
        db.engine.dispose()
    return total


if __name__ == "__main__":
    target = Path(sys.argv[1])
    each = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    print(f"{scale(target, each)} cases in {target / 'casusplein.db'}")
