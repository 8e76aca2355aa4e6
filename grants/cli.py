"""`flask --app grants ...` commands: demo data, accounts, the audit chain."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from grants.extensions import db
from grants.models import User


def register(app: Flask) -> None:
    app.cli.add_command(demo_command)
    app.cli.add_command(totp_command)
    app.cli.add_command(create_admin_command)
    app.cli.add_command(audit_group)
    app.cli.add_command(remind_reports_command)


@click.command("demo")
@with_appcontext
def demo_command():
    """Load demo accounts and data once (does nothing if they are already there)."""
    if not current_app.config["DEMO_COMMANDS"]:
        raise click.ClickException("demo data is refused in production")
    from grants.demo import DEMO_PASSWORD, load_demo

    if not load_demo():
        click.echo("Demo data already loaded.")
        return
    db.session.commit()
    click.echo(f"Demo data loaded. Every demo account's password: {DEMO_PASSWORD!r}")


@click.command("totp")
@with_appcontext
@click.argument("username")
def totp_command(username: str):
    """Print the current two-step code of a demo account (development only)."""
    if not current_app.config["DEMO_COMMANDS"]:
        raise click.ClickException("refused in production")
    import pyotp

    user = db.session.scalar(sa.select(User).where(User.username == username.lower()))
    if user is None or not user.totp_secret:
        raise click.ClickException("no such account with two-step verification")
    click.echo(pyotp.TOTP(user.totp_secret).now())


@click.command("create-admin")
@with_appcontext
@click.argument("username")
@click.password_option()
def create_admin_command(username: str, password: str):
    """Create an admin account (it sets up two-step verification at first log-in)."""
    from grants.auth import services
    from grants.errors import ServiceError
    from grants.models import Role

    try:
        _user, code = services.register(username, password, role=Role.ADMIN)
    except ServiceError as exc:
        raise click.ClickException(exc.message) from exc
    db.session.commit()
    click.echo(f"Admin {username} created. Recovery code (shown once): {code}")


@click.group("audit", cls=AppGroup)
def audit_group():
    """The audit trail."""


@audit_group.command("verify")
def audit_verify():
    """Check the hash chain; name the first broken entry."""
    from grants.security.audit import verify_chain

    broken = verify_chain()
    if broken is not None:
        raise click.ClickException(f"audit chain broken at entry {broken.id}")
    click.echo("Audit chain intact.")


@click.command("remind-reports")
@with_appcontext
def remind_reports_command():
    """Send each group a content-free notice for reports due within REPORT_REMINDER_DAYS
    (once per report; run it daily, e.g. from cron)."""
    from grants.awards.reports import remind
    from grants.models.types import utcnow

    if not current_app.config.get("PORTAL_URL"):  # the notice links to the portal
        raise click.ClickException("set PORTAL_URL (the portal's public address) first")
    count = remind(utcnow(), current_app.config["REPORT_REMINDER_DAYS"])
    db.session.commit()
    click.echo(f"Reminders sent for {count} report(s).")
