"""`flask --app grants backup [--to DIR]`, `backup check [FILE]` and
`restore FILE [--into URL] [--yes] [--check-only]`: the commands over grants/ops/backup.py.
A failed check exits non-zero and says what failed."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from grants.extensions import db
from grants.ops import backup
from grants.ops.backup import BackupError, Report

FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group("backup", invoke_without_command=True)
@click.option("--to", "folder", type=click.Path(file_okay=False, path_type=Path),
              help="The folder to write to (BACKUP_DIR by default).")
@with_appcontext
@click.pass_context
def backup_group(ctx: click.Context, folder: Path | None):
    """Back the database up (PostgreSQL: pg_dump; SQLite: its online backup, safe while
    the portal runs), or check a backup (`backup check`)."""
    if ctx.invoked_subcommand is not None:
        return
    try:
        made = backup.make(db.engine.url, folder or backup.backup_dir(current_app))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Backup written: {made.path} ({made.kind}, {made.size} bytes, "
               f"{made.made_at:%Y-%m-%d %H:%M:%S} UTC).")
    click.echo("It holds no keys: keep DATA_KEYS and SECRET_KEY apart from it.")


@backup_group.command("check")
@click.argument("file", type=FILE, required=False)
@with_appcontext
def backup_check(file: Path | None):
    """Restore a backup (the newest in BACKUP_DIR by default) into a throwaway database and
    check it; the live database is not touched. Run it weekly."""
    if file is None:
        file = backup.newest(backup.backup_dir(current_app))
        if file is None:
            raise click.ClickException(f"no backup in {backup.backup_dir(current_app)}")
    _check_throwaway(file)


@click.command("restore")
@click.argument("file", type=FILE)
@click.option("--into", help="The database to restore into, as a URL (the portal's own by "
                             "default).")
@click.option("--yes", is_flag=True, help="Replace what the target database holds.")
@click.option("--check-only", is_flag=True,
              help="Restore into a throwaway database and check it; touch nothing else.")
@with_appcontext
def restore_command(file: Path, into: str | None, yes: bool, check_only: bool):
    """Restore a backup, then check the restored database: migrations at head, the audit
    chain, and a sample of every encrypted column decrypting with DATA_KEYS."""
    if check_only:
        if into or yes:
            raise click.UsageError("--check-only restores into a throwaway database: "
                                   "leave out --into and --yes")
        _check_throwaway(file)
        return
    target = backup.as_url(into) if into else db.engine.url
    try:
        backup.restore(file, target, replace=yes)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    if not into:
        db.engine.dispose()  # no pooled connection to the database as it was
    click.echo(f"Restored {file.name} into {target}.")
    _show(backup.verify(target))


def _check_throwaway(file: Path) -> None:
    try:
        report = backup.check(file, db.engine.url)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Restored {file.name} into a throwaway database (now removed).")
    _show(report)


def _show(report: Report) -> None:
    if not report.ok:
        raise click.ClickException("the restored database failed its checks:\n"
                                   + "\n".join(f"  - {p}" for p in report.problems))
    values = sum(report.decrypted.values())
    click.echo(f"Migrations: at head ({report.revision}).")
    click.echo(f"Audit chain: intact ({report.audit_events} entries).")
    click.echo(f"Encrypted fields: {values} sampled value(s) in {len(report.decrypted)} "
               f"column(s) decrypt (key ids: {', '.join(sorted(report.keys)) or 'none'}).")
