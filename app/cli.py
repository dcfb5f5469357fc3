"""Flask CLI commands: `users create`, `seed-demo`, `backup create|restore`, `markdown rebuild`."""

import signal
import threading
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app import devserver, seed
from app.admin.services import AdminError, create_user, municipality_by_name
from app.auth import passwords
from app.backup.services import BackupError, create_backup, restore_backup
from app.markdown import rebuild_stored_html
from app.models import Role
from app.notifications import scheduled
from app.privacy.cli import privacy_cli
from app.search.cli import search_cli

users_cli = AppGroup("users", help="Manage user accounts.")
backup_cli = AppGroup("backup", help="Back up and restore the database.")
markdown_cli = AppGroup("markdown", help="The stored HTML of Markdown fields.")


@users_cli.command("create")
@click.option("--email", required=True, help="E-mail address (login name).")
@click.option("--name", required=True, help="Display name.")
@click.option(
    "--role",
    required=True,
    type=click.Choice([role.value for role in Role]),
    help="participant, expert, organiser or reader.",
)
@click.option("--municipality", help="Municipality name (required for participants).")
@click.option("--organisation", help="Organisation, e.g. Movisie (for experts).")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Password; asked for when left out.",
)
def create_user_command(email, name, role, municipality, organisation, password):
    """Create a user account."""
    if refused := passwords.problem(password, email=email, name=name):
        raise click.ClickException(f"Password refused: {refused}")
    found = None
    if municipality:
        found = municipality_by_name(municipality)
        if found is None:
            raise click.ClickException(f"Unknown municipality: {municipality}")
    try:
        user = create_user(
            email=email,
            display_name=name,
            role=Role(role),
            password=password,
            municipality=found,
            organisation=organisation,
        )
    except AdminError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Created {user.role.value} {user.email}")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Only load when the database has no users yet.")
def seed_demo_command(if_empty):
    """Load the fictional demo data (idempotent: existing records are kept)."""
    if if_empty and seed.database_has_users():
        click.echo("Database already has users; demo data not loaded.")
        return
    result = seed.load_demo()
    click.echo(
        f"Demo data loaded: {result['cases_added']} cases added, {result['users']} accounts. "
        f"Demo password: {seed.DEMO_PASSWORD}"
    )


@click.command("devserver")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def devserver_command(host, port):
    """Serve the app for development (make run): Werkzeug's server, no versions in Server."""
    devserver.run(current_app._get_current_object(), host, port)


notify_cli = AppGroup("notify", help="Notifications: reminders, e-mail and digests.")


@notify_cli.command("run")
def notify_run_command():
    """Send reminders, queued e-mail and daily digests once (idempotent; safe for cron)."""
    result = scheduled.run()
    delivery = result.delivery
    click.echo(
        f"Reminders: {result.reminders}, immediate mails: {result.immediate}, "
        f"digests: {result.digests}; delivered: {delivery.sent}, to retry: {delivery.retried}, "
        f"given up: {delivery.failed}"
    )


@notify_cli.command("worker")
@click.option("--poll", type=float, help="Seconds between looks at the queue (default 2).")
def notify_worker_command(poll):
    """Send queued mail within seconds and run the scheduled job every minute, until stopped.

    Stops cleanly on SIGTERM or Ctrl-C after the message in hand. Several may run at once.
    """
    stop = threading.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_args: stop.set())
    poll = poll or current_app.config["MAIL_WORKER_POLL_SECONDS"]
    current_app.logger.info("Mail worker started (every %s s)", poll)
    scheduled.work(stop, poll)


@backup_cli.command("create")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_create_command(path):
    """Write a consistent backup of the running database to PATH (SQLite file or pg_dump)."""
    try:
        create_backup(path)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backup written to {path}")


@backup_cli.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.confirmation_option(prompt="This replaces everything in the database. Continue?")
def backup_restore_command(path):
    """Replace the database's contents with the backup at PATH, then rebuild derived data."""
    try:
        restore_backup(path)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Database restored from {path}")


@markdown_cli.command("rebuild")
def markdown_rebuild_command():
    """Render the stored HTML of every Markdown field again, e.g. after the sanitiser changed."""
    for table, count in rebuild_stored_html().items():
        click.echo(f"{table}: {count} rows")


def init_app(app: Flask) -> None:
    app.cli.add_command(markdown_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(notify_cli)
    app.cli.add_command(backup_cli)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(devserver_command)
    app.cli.add_command(privacy_cli)
    app.cli.add_command(search_cli)
