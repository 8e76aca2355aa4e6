"""`flask --app grants bench-data --scale N`: fill the configured database with the bench
portfolio, refusing any database that may hold real data."""

from __future__ import annotations

import base64
import hashlib
import time

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from grants.extensions import db
from grants.models import AuditEvent, Call, Fund, Organisation, User

BENCH_PASSWORD = "bench password 2026"  # noqa: S105 (bench accounts only)  # nosec B105
MARKER = "bench.data"  # the audit action written last: the data is complete at this scale
# Data written by an older generator is made again: 2 = timestamps stored as the portal
# stores them (SQLite: with microseconds); 3 = every group's owner has an e-mail address.
GENERATION = 3


class Refused(click.ClickException):
    """bench-data will not touch this database."""


def bench_totp_secret(username: str) -> str:
    """Fixed two-step secrets, so the bench runner can log staff in."""
    digest = hashlib.sha256(b"grants-bench:" + username.encode()).digest()[:20]
    return base64.b32encode(digest).decode()


def bench_state() -> dict | None:
    """What the marker says about the data in the database: {"scale": ..., ...} or None."""
    details = db.session.scalar(sa.select(AuditEvent.details).where(
        AuditEvent.action == MARKER).order_by(AuditEvent.id.desc()).limit(1))
    return dict(details) if details else None


def is_current(state: dict | None, scale: float) -> bool:
    """The data there is at `scale` and from this generator."""
    return bool(state) and state.get("scale") == scale \
        and state.get("generation") == GENERATION


def check_database(reset: bool) -> bool:
    """Refuse a database with accounts the bench did not make (always) or with bench data
    (unless `reset`); True when there is data to clear first."""
    from bench.app.datagen import PREFIX

    foreign = db.session.scalar(sa.select(sa.func.count(User.id)).where(
        ~User.username.startswith(PREFIX)))
    if foreign:
        raise Refused(f"this database holds {foreign} account(s) the bench did not create: "
                      "it may be a real portal. bench-data never touches one, even with "
                      "--reset. Point DATABASE_URL at a database of its own.")
    filled = any(db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in
                 (User, Organisation, Fund, Call))
    if filled and not reset:
        raise Refused("this database already holds bench data; pass --reset to replace it.")
    return filled


def clear_database() -> None:
    """Delete every row (the schema and its migration stamp stay), and commit."""
    tables = list(reversed(db.metadata.sorted_tables))
    if db.session.get_bind().dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))  # noqa: S608  # nosec B608
        db.session.commit()
        return
    db.session.rollback()
    # SQLite checks every child table for each deleted row (most foreign keys have no
    # index), which takes minutes at scale 1: switch the checks off while emptying it all.
    raw = db.engine.raw_connection()
    try:
        cur = raw.driver_connection.cursor()
        cur.execute("PRAGMA foreign_keys=OFF")
        cur.execute("BEGIN")
        for table in tables:
            cur.execute(f'DELETE FROM "{table.name}"')  # noqa: S608  # nosec B608
        cur.execute("COMMIT")
        cur.execute("PRAGMA foreign_keys=ON")
    finally:
        raw.close()


def _reset_sequences() -> None:
    """Ids were given explicitly: move PostgreSQL's sequences past them."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in db.metadata.sorted_tables:
        col = table.c.get("id")
        if col is None or not isinstance(col.type, sa.Integer):
            continue
        db.session.execute(sa.text(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608  # nosec B608
            f"COALESCE((SELECT MAX(id) FROM \"{table.name}\"), 0) + 1, false)"))


def generate(scale: float, echo=click.echo) -> dict:
    """Write the portfolio in one transaction and commit; return counts and timings."""
    from bench.app.datagen import Generator, Plan
    from grants.auth.passwords import hash_secret
    from grants.security import audit

    started = time.perf_counter()
    gen = Generator(db.session.connection(), Plan(scale), hash_secret(BENCH_PASSWORD), echo)
    gen.run()
    _reset_sequences()
    total = time.perf_counter() - started
    audit.record(None, MARKER, None, scale=scale, generation=GENERATION,
                 rows=sum(gen.counts.values()),
                 seconds=round(total, 1))
    db.session.commit()
    bind = db.session.get_bind()
    if bind.dialect.name == "postgresql":
        # What autovacuum does soon after such a load: planner statistics (without them
        # PostgreSQL guesses one row per table and picks nested loops) and the visibility
        # map (without it no index-only scan: the review queue counted its rows from the
        # table, 31 ms a page instead of 23). VACUUM cannot run inside a transaction, so
        # inside a caller's (the tests') there are statistics only.
        if isinstance(bind, sa.Engine):
            db.session.commit()
            with bind.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text("VACUUM ANALYZE"))
        else:
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
    return {"counts": dict(gen.counts), "timings": dict(gen.timings),
            "seconds": time.perf_counter() - started}


@click.command("bench-data")
@click.option("--scale", default=1.0, show_default=True, type=float,
              help="1 = 10,000 organisations, 100,000 applications, 30,000 awards...")
@click.option("--reset", "--force", "reset", is_flag=True,
              help="Replace bench data already there (never anything else).")
@click.option("--reuse", is_flag=True,
              help="Do nothing when the database already holds bench data at this scale.")
@with_appcontext
def bench_data_command(scale: float, reset: bool, reuse: bool):
    """Fill the configured database with a realistic portfolio for the benchmark."""
    from bench.app.datagen import Plan

    if not current_app.config["DEMO_COMMANDS"]:
        raise Refused("bench data is refused in production")
    if scale <= 0 or scale > 10:
        raise click.BadParameter("give a scale above 0 and at most 10", param_hint="--scale")
    url = db.session.get_bind().engine.url.render_as_string(hide_password=True)
    state = bench_state()
    if reuse and is_current(state, scale):
        click.echo(f"{url} already holds bench data at scale {scale:g}: kept.")
        return
    filled = check_database(reset)
    plan = Plan(scale)
    click.echo(f"bench-data: {'replacing the bench data in' if filled else 'filling'} {url} "
               f"at scale {scale:g}: {plan.describe()}.")
    if filled:
        started = time.perf_counter()
        clear_database()
        click.echo(f"  cleared the old bench data in {time.perf_counter() - started:.1f} s")
    result = generate(scale)
    for table, seconds in sorted(result["timings"].items(), key=lambda kv: -kv[1]):
        n = result["counts"][table]
        click.echo(f"  {table:<28} {n:>9,} rows {seconds:7.1f} s {n / max(seconds, 1e-9):>9,.0f}/s")
    rows = sum(result["counts"].values())
    click.echo(f"Done: {rows:,} rows in {result['seconds']:.1f} s "
               f"({rows / result['seconds']:,.0f} rows/s). Accounts' password: "
               f"{BENCH_PASSWORD!r}; staff two-step secrets: bench.app.commands.")
