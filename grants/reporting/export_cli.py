"""`flask --app grants export 360giving -o FILE [--format json|csv]`: the open data as a
file, for publishing (e.g. from cron). The same rules as the download: approved awards,
privacy per award; audited with no actor."""

from __future__ import annotations

import sys
from datetime import date

import click
from flask.cli import AppGroup

from grants.extensions import db
from grants.reporting import exports, opendata


@click.group("export", cls=AppGroup)
def export_group():
    """Exports (360Giving open data)."""


@export_group.command("360giving")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="The file to write; - for standard output.")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json",
              show_default=True)
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Only grants awarded on or after this day (YYYY-MM-DD).")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Only grants awarded on or before this day (YYYY-MM-DD).")
def export_360giving(output: str, fmt: str, since, until):
    """Write the published grants as a 360Giving JSON package or flat CSV."""
    filters = exports.Filters(start=since.date() if since else None,
                              end=until.date() if until else None)
    total = opendata.count(filters)
    if total == 0:
        raise click.ClickException("no grants to publish: a 360Giving file needs at least one")
    opendata.record_export(None, fmt, total, filters, via="cli")
    db.session.commit()
    items = opendata.grants(filters)
    if fmt == "json":
        chunks = opendata.package_chunks(items, date.today())
    else:
        chunks = exports.csv_chunks(opendata.flat_header(),
                                    (opendata.flat_row(item) for item in items))
    if output == "-":
        for chunk in chunks:
            sys.stdout.write(chunk)
    else:
        with open(output, "w", encoding="utf-8", newline="") as fh:
            for chunk in chunks:
                fh.write(chunk)
        click.echo(f"{total} grants written to {output}.", err=True)
