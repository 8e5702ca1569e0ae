"""`rndd notify run`: the notification follower for a timer or cron line."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

notify_cli = AppGroup("notify", help="Notifications: derive them from the change log and send e-mail.")


@notify_cli.command("run")
@click.option("--digests-now", is_flag=True, help="Send every digest as if it were due.")
def run_command(digests_now: bool) -> None:
    """Derive notifications, queue due digests, send pending e-mail (retrying failures)."""
    from notify import runner

    counts = runner.run(digests_now=digests_now)
    click.echo(", ".join(f"{name}: {count}" for name, count in counts.items()))


def register(app: Flask) -> None:
    app.cli.add_command(notify_cli)
