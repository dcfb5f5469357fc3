"""Named health checks that `/healthz` runs; any package can register its own.

A check is a function without arguments that returns None when all is well, or a short
description of the problem. Register it from the package's init function:

    health.register(app, "search_index", index_problem)

and `/healthz` answers 503 with {"status": "error", "checks": {"search_index": "..."}} whenever
it reports one. A check that raises counts as failed, so one broken check cannot hide the others.
"""

from collections.abc import Callable

from flask import Flask, current_app

Check = Callable[[], str | None]
_KEY = "casusplein.health_checks"

OK = "ok"


def register(app: Flask, name: str, check: Check) -> None:
    checks: dict[str, Check] = app.extensions.setdefault(_KEY, {})
    if name in checks:
        raise ValueError(f"health check {name!r} is already registered")
    checks[name] = check


def run_checks() -> dict[str, str]:
    """Every registered check's outcome: "ok" or its problem, in registration order."""
    results = {}
    for name, check in current_app.extensions.get(_KEY, {}).items():
        try:
            problem = check()
        except Exception as error:  # a failing check is a finding, not a crashed health page
            current_app.logger.exception("health check %s raised", name)
            problem = f"check failed: {type(error).__name__}"
        results[name] = problem or OK
    return results
