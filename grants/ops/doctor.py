"""`flask --app grants doctor`: what a production configuration lacks.

Each check says ok, warn (worth a look) or FAIL (unsafe, or work silently not done); the
command exits non-zero when any check fails. It reads settings and the database; it
prints no secret, address or password.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask

from grants.models.types import utcnow

OK, WARN, FAIL = "ok", "warn", "FAIL"
WORKER_SILENT_AFTER = timedelta(minutes=3)  # the worker beats every minute


@dataclass(frozen=True)
class Finding:
    check: str
    level: str
    says: str


def _secret_key(app: Flask) -> Finding:
    key = app.config.get("SECRET_KEY") or ""
    if app.config["ENV_NAME"] != "production":
        return Finding("secret key", FAIL, "GRANTS_ENV is not production: development "
                       "settings (a key generated into the instance folder, demo commands)")
    if len(key) < 32:
        return Finding("secret key", FAIL, "SECRET_KEY is shorter than 32 characters")
    return Finding("secret key", OK, "set")


def _data_keys(app: Flask) -> Finding:
    from grants.models.types import keyring

    with app.app_context():
        ring = keyring()
    return Finding("data keys", OK, f"current key {ring.current_id!r}, "
                   f"{len(ring.keys)} key(s) held; keep them apart from the backups")


def _https(app: Flask) -> Finding:
    cfg = app.config
    wrong = [name for name, bad in (
        ("PORTAL_URL is not https://", not (cfg.get("PORTAL_URL") or "").startswith("https://")),
        ("SESSION_COOKIE_SECURE is off", not cfg.get("SESSION_COOKIE_SECURE")),
        ("PREFERRED_URL_SCHEME is not https", cfg.get("PREFERRED_URL_SCHEME") != "https"),
    ) if bad]
    if wrong:
        return Finding("https", FAIL, "; ".join(wrong))
    return Finding("https", OK, "an https origin and secure cookies")


def _rate_limits(app: Flask, web_workers: int) -> Finding:
    store = app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
    if store.startswith("memory"):
        if web_workers > 1:
            return Finding("rate limits", FAIL, f"{web_workers} web workers each count in "
                           "their own memory: a guesser gets each limit once per worker; "
                           "set REDIS_URL")
        return Finding("rate limits", WARN, "counted in memory: right for one web worker "
                       "only; set REDIS_URL before adding workers or hosts")
    return Finding("rate limits", OK, "a shared store (Redis)")


def _mail(app: Flask) -> Finding:
    cfg = app.config
    if cfg.get("MAIL_BACKEND") != "smtp":
        return Finding("mail", FAIL, f"MAIL_BACKEND is {cfg.get('MAIL_BACKEND')!r}: no "
                       "notice leaves the portal; set MAIL_BACKEND=smtp and SMTP_HOST")
    if not cfg.get("SMTP_HOST"):
        return Finding("mail", FAIL, "MAIL_BACKEND is smtp but SMTP_HOST is not set")
    if not cfg.get("SMTP_STARTTLS", True):
        return Finding("mail", WARN, "SMTP_STARTTLS is off: notices travel to the relay "
                       "in clear (they carry an address and a link, nothing more)")
    return Finding("mail", OK, "SMTP with STARTTLS")


def _worker(app: Flask, now: datetime) -> Finding:
    from grants.jobs import outbox, worker

    with app.app_context():
        seen, stats = worker.last_beat(), outbox.stats(now)
    if seen is None:
        return Finding("job worker", FAIL, "no worker has ever run: notices and periodic "
                       "jobs wait (run flask --app grants worker)")
    if now - seen > WORKER_SILENT_AFTER:
        return Finding("job worker", FAIL, f"last heard {int((now - seen).total_seconds() // 60)}"
                       " minutes ago: is it running?")
    if stats["failed"]:
        return Finding("job worker", WARN, f"alive; {stats['failed']} job(s) failed past "
                       "their retries (Admin > Jobs)")
    return Finding("job worker", OK, f"alive; {stats['depth']} job(s) waiting")


def _queue(app: Flask) -> Finding:
    url = app.config["JOBS_BROKER_URL"]
    if url.startswith("memory"):
        return Finding("job queue", FAIL, "the queue is in memory: nothing reaches a worker")
    if url.startswith("sqlite"):
        return Finding("job queue", WARN, "a SQLite file: web and worker must share this "
                       "host; set JOBS_BROKER_URL or REDIS_URL for workers elsewhere")
    return Finding("job queue", OK, "Redis")


def _backups(app: Flask, now: datetime) -> Finding:
    from grants.ops import backup

    made = backup.latest(app)
    hours = int(app.config.get("BACKUP_MAX_AGE_HOURS", 26))
    if made is None:
        return Finding("backups", FAIL, "no backup in BACKUP_DIR (flask --app grants backup)")
    if now - made > timedelta(hours=hours):
        age = int((now - made).total_seconds() // 3600)
        return Finding("backups", FAIL, f"the newest backup is {age} hours old "
                       f"(more than {hours})")
    return Finding("backups", OK, f"the newest was made {made:%Y-%m-%d %H:%M} UTC")


def _migrations(app: Flask) -> Finding:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from flask_migrate import Migrate

    from grants.extensions import db

    with app.app_context():
        migrate: Migrate = app.extensions["migrate"]
        head = ScriptDirectory(migrate.directory).get_current_head()
        current = MigrationContext.configure(db.session.connection()).get_current_revision()
        db.session.rollback()
    if current != head:
        return Finding("database", FAIL, f"at revision {current}, not {head}: run "
                       "flask --app grants db upgrade")
    return Finding("database", OK, "migrations at head")


def examine(app: Flask, *, web_workers: int = 1,
            now: datetime | None = None) -> list[Finding]:
    now = now or utcnow()
    checks: list[Callable[[], Finding]] = [
        lambda: _secret_key(app), lambda: _data_keys(app), lambda: _https(app),
        lambda: _rate_limits(app, web_workers), lambda: _mail(app), lambda: _queue(app),
        lambda: _migrations(app), lambda: _worker(app, now), lambda: _backups(app, now),
    ]
    return [check() for check in checks]


def unsafe(findings: list[Finding]) -> bool:
    return any(f.level == FAIL for f in findings)
