"""`flask --app app privacy ...`: the erasure register after restoring a backup."""

import click
from flask.cli import AppGroup

from app.privacy import services

privacy_cli = AppGroup("privacy", help="Privacy (AVG) maintenance.")


@privacy_cli.command("reapply-erasures")
def reapply_erasures_command():
    """Erase again every account in the erasure register; run after restoring a backup."""
    count = services.reapply_erasures()
    click.echo(f"Erasures re-applied: {count}")
