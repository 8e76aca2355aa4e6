"""Settings from the environment, with defaults that give a working embedded portal.

In development (the default) a missing SECRET_KEY or data-encryption key is generated once
into the instance folder, so `make run` works on a fresh machine. In production
(GRANTS_ENV=production) the portal refuses to start without both.
"""

from __future__ import annotations

import base64
import os
import secrets
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

DEV_SECRET_FILE = "secret_key"  # noqa: S105 (a file name)  # nosec B105
DEV_DATA_KEYS_FILE = "data_keys"

# The project's folder: templates, static files and migrations live beside the package.
ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """The configuration cannot give a safe portal."""


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


def _factor(name: str, default: str) -> Decimal:
    """A positive decimal factor such as "1.5"; a wrong one stops the start, not a request."""
    raw = os.environ.get(name) or default
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ConfigError(f"{name} must be a number such as {default}") from None
    if not value.is_finite() or value <= 0:
        raise ConfigError(f"{name} must be a number above zero such as {default}")
    return value


def _amounts(raw: str) -> dict[str, str]:
    """Parse "20000" or "USD=20000,*=15000" into {currency or "*": amount as typed}."""
    out = {}
    for part in filter(None, (p.strip() for p in raw.split(","))):
        code, _, amount = part.rpartition("=")
        out[(code.strip().upper() or "*")] = amount.strip()
    return out


def _days(raw: str) -> dict[str, int]:
    """Parse "declined=365,idle_drafts=180" into {kind: days}."""
    out = {}
    for part in filter(None, (p.strip() for p in raw.split(","))):
        kind, _, days = part.partition("=")
        out[kind.strip()] = int(days)
    return out


def _read_or_create(path: Path, make) -> str:
    """Return the file's content, creating it once (mode 0600) if absent."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = make()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value + "\n")
    return value


def new_data_key(key_id: str = "k1") -> str:
    """A fresh 256-bit AES key in the DATA_KEYS format `id:base64`."""
    return f"{key_id}:" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def defaults(instance_path: str) -> dict:
    """The settings before tests or the environment override them."""
    env = os.environ.get("GRANTS_ENV", "development")
    db_default = "sqlite:///" + str(Path(instance_path) / "grants.sqlite3")
    return {
        "ENV_NAME": env,
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        "DATA_KEYS": os.environ.get("DATA_KEYS"),
        "SQLALCHEMY_DATABASE_URI": database_url(os.environ.get("DATABASE_URL") or db_default),
        "REDIS_URL": os.environ.get("REDIS_URL"),
        # The job queue's broker (grants/jobs/queue.py): redis://... for workers on any
        # number of hosts; unset, REDIS_URL when set, else a SQLite file in the instance
        # folder that `make run`'s worker shares with the web server; memory:// for tests.
        "JOBS_BROKER_URL": os.environ.get("JOBS_BROKER_URL")
        or os.environ.get("REDIS_URL")
        or "sqlite:///" + str(Path(instance_path) / "jobs.sqlite3"),
        # The queue's name on the broker: portals sharing one Redis each take their own.
        "JOBS_QUEUE_NAME": os.environ.get("JOBS_QUEUE_NAME", "grants"),
        # A job failing is tried again after JOBS_RETRY_SECONDS, doubling each time (at most
        # an hour), JOBS_MAX_ATTEMPTS times in all; then an admin sees it (Admin > Jobs).
        "JOBS_MAX_ATTEMPTS": _env_int("JOBS_MAX_ATTEMPTS", 8),
        "JOBS_RETRY_SECONDS": _env_int("JOBS_RETRY_SECONDS", 30),
        # How long a worker holds a job it took; past it, a worker that died is presumed
        # dead and another takes the job (its key keeps the effect to one).
        "JOBS_LEASE_SECONDS": _env_int("JOBS_LEASE_SECONDS", 120),
        # Logs: JSON lines (one object a line, with the request's id) or readable text.
        "LOG_FORMAT": os.environ.get("LOG_FORMAT") or ("json" if env == "production" else "text"),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
        # Who may read /metrics besides this host: `Authorization: Bearer <METRICS_TOKEN>`.
        "METRICS_TOKEN": os.environ.get("METRICS_TOKEN"),
        "RATELIMIT_ENABLED": os.environ.get("RATELIMIT_ENABLED", "1") != "0",
        # Largest request body; above UPLOAD_MAX_BYTES so an oversized file gets a kind
        # message from the form rather than a bare 413.
        "MAX_CONTENT_LENGTH": _env_int("MAX_CONTENT_LENGTH", 12 * 1024 * 1024),
        "UPLOAD_MAX_BYTES": _env_int("UPLOAD_MAX_BYTES", 5 * 1024 * 1024),
        # How far an uploaded DOCX or ODT may inflate when opened (grants/security/archives):
        # in all, per part against its compressed size, and in number of parts.
        "UPLOAD_UNZIPPED_MAX_BYTES": _env_int("UPLOAD_UNZIPPED_MAX_BYTES", 50 * 1024 * 1024),
        "UPLOAD_ZIP_RATIO_MAX": _env_int("UPLOAD_ZIP_RATIO_MAX", 100),
        "UPLOAD_ZIP_ENTRIES_MAX": _env_int("UPLOAD_ZIP_ENTRIES_MAX", 5000),
        # The burden budget: a call over these limits cannot be opened (Section IV.6).
        "CALL_MAX_QUESTIONS": _env_int("CALL_MAX_QUESTIONS", 8),
        "CALL_MAX_WORDS": _env_int("CALL_MAX_WORDS", 1500),
        "CALL_MAX_REQUIRED_ATTACHMENTS": _env_int("CALL_MAX_REQUIRED_ATTACHMENTS", 1),
        # Languages a call's text may be written in (wider than the interface's).
        "CALL_LANGUAGES": ["en", "es", "fr", "pt", "ru", "ar", "fa", "sw", "tr", "uk", "zh",
                           "id", "hi", "bn", "ur", "am", "my", "th", "vi", "tl"],
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=_env_int("SESSION_HOURS", 12)),
        "SESSION_IDLE_MINUTES": _env_int("SESSION_IDLE_MINUTES", 60),
        "SESSION_COOKIE_NAME": "grants_session",
        # The cookie is set at log-in with the session's lifetime, which the server-side
        # session ends at anyway (expires_at); signing and sending it again with every
        # response bought nothing and cost every page a Set-Cookie header.
        "SESSION_REFRESH_EACH_REQUEST": False,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env == "production",
        "REMEMBER_COOKIE_DURATION": timedelta(seconds=0),
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        # Over HTTPS Flask-WTF also wants a Referer naming this host, which browsers never
        # send here (Referrer-Policy: no-referrer, grants/security/headers.py): every form
        # behind TLS would be refused. The token, kept in the server-side session whose
        # cookie is SameSite=Lax and Secure, is the check.
        "WTF_CSRF_SSL_STRICT": False,
        "PREFERRED_URL_SCHEME": "https" if env == "production" else "http",
        # Interface languages, each with a complete catalog in grants/translations/.
        "LANGUAGES": ["en", "es", "fr", "pt", "ru", "ar", "fa"],
        "RTL_LANGUAGES": ["ar", "fa"],
        # How many reverse proxies stand in front (0: none): their X-Forwarded-For, -Proto
        # and -Host are trusted that many hops deep, so a portal behind nginx sees HTTPS.
        "TRUSTED_PROXIES": _env_int("TRUSTED_PROXIES", 0),
        # gzip pages, CSS and JS in the app; 0 when a proxy in front compresses already.
        "COMPRESS_RESPONSES": os.environ.get("COMPRESS_RESPONSES", "1") != "0",
        "BABEL_DEFAULT_LOCALE": "en",
        "LOGIN_LIMIT_PER_ACCOUNT": os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "10 per 15 minutes"),
        "LOGIN_LIMIT_PER_IP": os.environ.get("LOGIN_LIMIT_PER_IP", "60 per 15 minutes"),
        "TOTP_LIMIT": os.environ.get("TOTP_LIMIT", "5 per 5 minutes"),
        "REGISTER_LIMIT_PER_IP": os.environ.get("REGISTER_LIMIT_PER_IP", "20 per hour"),
        "DEMO_COMMANDS": env != "production",
        # Retention periods in days (see grants/security/retention.py); unnamed kinds keep
        # their defaults: declined=365, idle_drafts=180, closed_awards=730, sessions=30.
        "RETENTION_DAYS": _days(os.environ.get("RETENTION_DAYS", "")),
        # How long an officer's reveal of a high-risk application's details lasts.
        "REVEAL_HOURS": _env_int("REVEAL_HOURS", 8),
        # Where the quick-exit button leaves for: a neutral, common site.
        "QUICK_EXIT_URL": os.environ.get("QUICK_EXIT_URL", "https://www.wikipedia.org/"),
        # 360Giving open data (grants/reporting/opendata.py): the publisher's prefix, the
        # funder as named in it, and the key that makes grant ids (SECRET_KEY if unset).
        "OPEN_DATA_PREFIX": os.environ.get("OPEN_DATA_PREFIX", "360G-examplefunder"),
        "OPEN_DATA_FUNDER_NAME": os.environ.get("OPEN_DATA_FUNDER_NAME", "Example Funder"),
        "OPEN_DATA_FUNDER_ID": os.environ.get("OPEN_DATA_FUNDER_ID"),
        "OPEN_DATA_ID_KEY": os.environ.get("OPEN_DATA_ID_KEY"),
        # Approvals above this amount (major units; per currency, "*" for the rest) need a
        # second program officer: "20000" or "USD=20000,EUR=20000,KES=2500000,*=20000".
        "TWO_PERSON_ABOVE": _amounts(os.environ.get("TWO_PERSON_ABOVE", "20000")),
        # Rapid response: one officer may approve an emergency request up to this
        # amount (same format); above it the two-person rule applies. The follow-up
        # check-in of an emergency award falls due this many days after the decision.
        "RAPID_SINGLE_OFFICER_ABOVE": _amounts(
            os.environ.get("RAPID_SINGLE_OFFICER_ABOVE", "8000")),
        "RAPID_FOLLOW_UP_DAYS": _env_int("RAPID_FOLLOW_UP_DAYS", 90),
        # An approval whose amount is above APPROVAL_WARN_ABOVE times the amount requested,
        # or below APPROVAL_WARN_BELOW times it, is shown with a warning the officer must
        # tick ("yes, approve this amount") before it is made.
        "APPROVAL_WARN_ABOVE": _factor("APPROVAL_WARN_ABOVE", "1.5"),
        "APPROVAL_WARN_BELOW": _factor("APPROVAL_WARN_BELOW", "0.5"),
        # Disbursements above this amount need a second officer's approval (same format).
        "DISBURSEMENT_TWO_PERSON_ABOVE": _amounts(
            os.environ.get("DISBURSEMENT_TWO_PERSON_ABOVE", "10000")),
        # Stripe: off unless STRIPE_SECRET_KEY is set; then card donations and transfers to
        # connected accounts are offered. STRIPE_API_BASE points the SDK elsewhere (tests).
        "STRIPE_SECRET_KEY": os.environ.get("STRIPE_SECRET_KEY"),
        "STRIPE_PUBLISHABLE_KEY": os.environ.get("STRIPE_PUBLISHABLE_KEY"),
        "STRIPE_WEBHOOK_SECRET": os.environ.get("STRIPE_WEBHOOK_SECRET"),
        "STRIPE_API_BASE": os.environ.get("STRIPE_API_BASE"),
        "STRIPE_JS_URL": os.environ.get("STRIPE_JS_URL", "https://js.stripe.com/v3/"),
        "STRIPE_MAX_NETWORK_RETRIES": _env_int("STRIPE_MAX_NETWORK_RETRIES", 2),
        # Largest card donation, in major units of the fund's currency; and a rate limit.
        "DONATION_MAX": _env_int("DONATION_MAX", 10_000),
        "DONATION_LIMIT_PER_IP": os.environ.get("DONATION_LIMIT_PER_IP", "20 per hour"),
        # Days before a report is due that the group gets a content-free reminder.
        "REPORT_REMINDER_DAYS": _env_int("REPORT_REMINDER_DAYS", 14),
        # Days a group has to answer a programme officer's request for more information
        # (the date its home and the application's page say; an emergency request's
        # question is due by its decision target instead).
        "ANSWER_WITHIN_DAYS": _env_int("ANSWER_WITHIN_DAYS", 14),
        "MAIL_BACKEND": os.environ.get("MAIL_BACKEND", "log"),
        # Where `flask backup` writes (grants/ops/backup.py); keep DATA_KEYS elsewhere.
        "BACKUP_DIR": os.environ.get("BACKUP_DIR") or str(Path(instance_path) / "backups"),
        # `grants doctor` fails when the newest backup is older than this.
        "BACKUP_MAX_AGE_HOURS": _env_int("BACKUP_MAX_AGE_HOURS", 26),
        # The portal's public address, for the link in notices sent outside a request
        # (e.g. `flask remind-reports` from cron). Required in production for those.
        "PORTAL_URL": os.environ.get("PORTAL_URL")
        or (None if env == "production" else "http://127.0.0.1:5000/"),
        # Security keys (WebAuthn): the domain keys are bound to, the name they show and
        # the origin pages are served from; derived from PORTAL_URL when unset.
        "WEBAUTHN_RP_ID": os.environ.get("WEBAUTHN_RP_ID"),
        "WEBAUTHN_RP_NAME": os.environ.get("WEBAUTHN_RP_NAME", "Grants portal"),
        "WEBAUTHN_ORIGIN": os.environ.get("WEBAUTHN_ORIGIN"),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "portal@localhost"),
        "SMTP_HOST": os.environ.get("SMTP_HOST"),
        "SMTP_PORT": _env_int("SMTP_PORT", 587),
        "SMTP_USER": os.environ.get("SMTP_USER"),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD"),
        "SMTP_STARTTLS": os.environ.get("SMTP_STARTTLS", "1") != "0",
    }


def database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs given in the short form."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def finalize(config: dict, instance_path: str) -> None:
    """Fill in or refuse the secrets, after every override has been applied."""
    production = config["ENV_NAME"] == "production"
    if production:
        if not config.get("SECRET_KEY") or len(config["SECRET_KEY"]) < 32:
            raise ConfigError("SECRET_KEY must be set (32+ characters) in production")
        if not config.get("DATA_KEYS"):
            raise ConfigError("DATA_KEYS must be set in production (see README)")
        return
    folder = Path(instance_path)
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = _read_or_create(
            folder / DEV_SECRET_FILE, lambda: secrets.token_urlsafe(48)
        )
    if not config.get("DATA_KEYS"):
        config["DATA_KEYS"] = _read_or_create(folder / DEV_DATA_KEYS_FILE, new_data_key)
