"""`flask --app grants demo`: load the demo accounts and data once."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from grants.extensions import db


@click.command("demo")
@with_appcontext
def demo_command():
    """Load demo accounts and data once (does nothing if they are already there)."""
    if not current_app.config["DEMO_COMMANDS"]:
        raise click.ClickException("demo data is refused in production")
    from demo.data import DEMO_PASSWORD, load_demo

    if not load_demo():
        click.echo("Demo data already loaded.")
        return
    db.session.commit()
    click.echo(f"Demo data loaded. Every demo account's password: {DEMO_PASSWORD!r}")


def init_app(app: Flask) -> None:
    """The `grants.extras` entry point: add the demo command to the portal's CLI."""
    app.cli.add_command(demo_command)
