"""`flask --app app search rebuild|check|catch-up`."""

import time

import click
from flask.cli import AppGroup

from app.search import check, rebuild, writer
from app.search.storage import store

search_cli = AppGroup("search", help="Maintain the search indexes.")


@search_cli.command("rebuild")
@click.option(
    "--if-missing",
    is_flag=True,
    help="Only build when there is no index yet, or one built with an older schema.",
)
def rebuild_command(if_missing):
    """Build both indexes from the database beside the live ones and swap them in."""
    target = store()
    if if_missing and target.exists():
        if not target.outdated():
            click.echo("Search index present; not rebuilt.")
            return
        click.echo("Search index built with an older schema; rebuilding.")
    started = time.perf_counter()
    report = rebuild.rebuild()
    click.echo(
        f"Search index rebuilt in {time.perf_counter() - started:.1f}s: "
        f"{report.network} network documents, {report.archive} archive documents, "
        f"{report.caught_up} changes made during the build applied."
    )


@search_cli.command("check")
def check_command():
    """Compare database and indexes; exit 1 with a report when they differ."""
    report = check.check()
    if report.pending:
        click.echo(f"{report.pending} change(s) waiting in the change log (run `search catch-up`).")
    if report.ok:
        click.echo("Search index matches the database.")
        return
    click.echo("Search index differs from the database:", err=True)
    for problem, case_ids in report.problems.items():
        if problem == check.OUTDATED and case_ids:
            click.echo(f"  {problem}: {', '.join(case_ids)}", err=True)
        elif case_ids:
            shown = ", ".join(case_ids[:20]) + (" …" if len(case_ids) > 20 else "")
            click.echo(f"  {problem}: {len(case_ids)} case(s): {shown}", err=True)
    click.echo("Fix: flask --app app search rebuild", err=True)
    raise SystemExit(1)


@search_cli.command("catch-up")
def catch_up_command():
    """Apply change-log rows that were committed but not yet indexed."""
    click.echo(f"{writer.apply_pending()} change(s) applied.")
