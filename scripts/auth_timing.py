"""Does the time of a sign-in or a reset request tell whether an address has an account?

    .venv/bin/python scripts/auth_timing.py [ROUNDS]

Runs the app in-process on a temporary SQLite database with the production password hasher,
and alternates, ROUNDS times each: a sign-in with a wrong password for a known and for an
unknown address, and a reset request for both. Prints the medians and their ratios, all
measured in this run (so the machine's load affects both sides alike).
"""

import statistics
import sys
import tempfile
import time
from pathlib import Path

from app import create_app
from app.admin.services import create_user
from app.extensions import db
from app.models import Role


def _timed(client, path: str, data: dict, address: str) -> float:
    start = time.perf_counter()
    response = client.post(path, data=data, environ_base={"REMOTE_ADDR": address})
    elapsed = time.perf_counter() - start
    assert response.status_code in (303, 422), response.status_code
    return elapsed


def main(rounds: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "INSTANCE_PATH": folder,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(folder) / 'timing.db'}",
                "WTF_CSRF_ENABLED": False,
                "SECRET_KEY": "timing",
                # No throttle may end the measurement.
                "LOGIN_FREE_FAILURES": 10**6,
                "LOGIN_ADDRESS_FREE_FAILURES": 10**6,
                "PASSWORD_RESET_ACCOUNT_LIMIT": 10**6,
                "PASSWORD_RESET_ADDRESS_LIMIT": 10**6,
            }
        )
        with app.app_context():
            db.create_all()
            create_user(
                email="bekend@example.nl",
                display_name="Bekend",
                role=Role.EXPERT,
                password="Zonnebloem-Regen-73",
            )
        client = app.test_client()
        times: dict[str, list[float]] = {key: [] for key in ("login", "reset")}
        pairs: dict[str, list[tuple[float, float]]] = {"login": [], "reset": []}
        for number in range(rounds):
            # A fresh client address for every request, as an attacker spreading out would use.
            known_from, unknown_from = f"10.1.{number}.1", f"10.2.{number}.1"
            for kind, path, field in (
                ("login", "/login", {"password": "fout-wachtwoord"}),
                ("reset", "/login/forgot", {}),
            ):
                known = _timed(client, path, {"email": "bekend@example.nl", **field}, known_from)
                unknown = _timed(
                    client, path, {"email": "niemand@example.nl", **field}, unknown_from
                )
                pairs[kind].append((known, unknown))
                times[kind].append(unknown / known)
        for kind, measured in pairs.items():
            known = statistics.median(k for k, _u in measured)
            unknown = statistics.median(u for _k, u in measured)
            print(
                f"{kind:5}  known {known * 1000:7.2f} ms  unknown {unknown * 1000:7.2f} ms  "
                f"ratio unknown/known {unknown / known:.2f}  "
                f"(median of per-pair ratios {statistics.median(times[kind]):.2f}, n={rounds})"
            )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 40)
