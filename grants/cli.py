"""`flask --app grants ...` commands: accounts, the audit chain, reminders, keys; backups
from grants/ops/backup_cli.py. (The demo data's and the bench's commands come from outside
the portal: see `register_extras` in grants/factory.py.)"""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from grants.extensions import db
from grants.ops.backup_cli import backup_group, restore_command


def register(app: Flask) -> None:
    app.cli.add_command(totp_command)
    app.cli.add_command(create_admin_command)
    app.cli.add_command(audit_group)
    app.cli.add_command(remind_reports_command)
    app.cli.add_command(keys_group)
    app.cli.add_command(purge_command)
    app.cli.add_command(recheck_uploads_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(doctor_command)
    app.cli.add_command(backup_group)
    app.cli.add_command(restore_command)


@click.command("totp")
@with_appcontext
@click.argument("username")
def totp_command(username: str):
    """Print the current two-step code of a demo account (development only)."""
    if not current_app.config["DEMO_COMMANDS"]:
        raise click.ClickException("refused in production")
    import pyotp

    from grants.auth import services

    user = services.find_user(username)
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


@click.group("keys", cls=AppGroup)
def keys_group():
    """Field-encryption keys: status, a new key, rotation."""


@keys_group.command("new")
@click.argument("key_id")
def keys_new(key_id: str):
    """Print a new key line for DATA_KEYS (put it first to make it the current key)."""
    from grants.config import new_data_key

    click.echo(new_data_key(key_id))


@keys_group.command("status")
def keys_status():
    """How many stored values each key encrypts, per column."""
    from grants.models.types import keyring
    from grants.security import keys

    click.echo(f"Current key: {keyring().current_id}")
    counts = keys.status()
    for column, tally in counts.items():
        click.echo(f"{column}: " + ", ".join(f"{k}={n}" for k, n in sorted(tally.items())))
    if not counts:
        click.echo("No encrypted values stored yet.")


@keys_group.command("rotate")
@click.option("--batch", default=500, show_default=True, help="Rows per committed batch.")
def keys_rotate(batch: int):
    """Re-encrypt every value under the current key (resumable: run it again to go on)."""
    from grants.models.types import keyring
    from grants.security import keys

    click.echo(f"Re-encrypting under key {keyring().current_id!r}...")
    done = keys.rotate(batch, progress=lambda column, n: n and click.echo(f"  {column}: {n}"))
    click.echo(f"Done: {sum(done.values())} value(s) in {len(done)} column(s) re-encrypted.")


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Count what is due without changing anything.")
@with_appcontext
def purge_command(dry_run: bool):
    """Delete or erase what is past its retention period (run daily, e.g. from cron)."""
    from grants.security.retention import purge

    report = purge(current_app.config["RETENTION_DAYS"], dry_run=dry_run)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    for what, count in report.counts.items():
        click.echo(f"{what}: {count}")
    click.echo("Dry run: nothing changed." if dry_run else "Purge done.")


@click.command("recheck-uploads")
@with_appcontext
def recheck_uploads_command():
    """Pass stored uploads through today's checks: clean what can be, list what cannot."""
    from grants.applications import documents
    from grants.security.scrub import Limits

    found = documents.recheck_stored(Limits.from_config(current_app.config))
    db.session.commit()
    click.echo(f"Cleaned: {len(found['cleaned'])}. Refused today: {len(found['refused'])}.")
    for table, id_ in found["refused"]:
        click.echo(f"  {table} {id_}: ask the group for another copy")


@click.command("worker")
@click.option("--threads", default=2, show_default=True, help="Jobs run at once.")
@click.option("--no-periodic", is_flag=True,
              help="No minute tick of its own (it sweeps once at start): deliver what the "
              "queue brings, and leave the periodic jobs to other workers.")
@with_appcontext
def worker_command(threads: int, no_periodic: bool):
    """Run the job worker: deliver the outbox (notices), with retries, and run the periodic
    jobs (report reminders, follow-ups due, retention purge, expired sessions)."""
    from grants.jobs import queue

    queue.consume(current_app._get_current_object(), threads=threads,
                  periodic=not no_periodic)


@click.command("doctor")
@click.option("--web-workers", type=int, envvar="WEB_CONCURRENCY", default=1,
              show_default=True, help="How many web processes serve (gunicorn -w).")
@with_appcontext
def doctor_command(web_workers: int):
    """Say what this production configuration lacks; exit 1 when something is unsafe."""
    from grants.ops import doctor

    findings = doctor.examine(current_app._get_current_object(), web_workers=web_workers)
    for finding in findings:
        click.echo(f"{finding.level:<4}  {finding.check}: {finding.says}")
    if doctor.unsafe(findings):
        raise click.ClickException("not ready for production: see FAIL above")
    click.echo("Ready for production.")
