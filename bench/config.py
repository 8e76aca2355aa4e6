"""Fixed settings of the benchmark: where its databases live, its keys, its targets."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / ".data"
RESULTS = ROOT / "bench" / "results.json"
VENV_BIN = ROOT / ".venv" / "bin"
# Not secret: they protect only generated data, and must be the same for every run so that
# data generated once can be read again.
SECRET_KEY = "bench-secret-key-not-for-production-0123456789abcdef"  # noqa: S105
DATA_KEYS = "bench:NouueypndkxF9NDr3VvhS97-9qb8N-6Q6Qfn7XHT5pA="
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/bench")

TARGETS = {
    "apply_form_ratio": "apply form GET >= 50% of the bare route's requests/s",
    "dashboard_ratio": "dashboard <= 3x its bare aggregates on PostgreSQL",
    "queries_constant": "queries per page equal at N=0.01 and N=1",
    "export_memory_flat": "360Giving export peak memory flat from N=0.1 to N=1 (within 20%)",
}


def sqlite_url(name: str) -> str:
    return "sqlite:///" + str(DATA / f"{name}.sqlite3")


def env_for(url: str, production: bool = False) -> dict:
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY=SECRET_KEY, DATA_KEYS=DATA_KEYS,
               RATELIMIT_ENABLED="0", MAIL_BACKEND="log",
               # Quiet as gunicorn's --log-level warning: an access line a request under wrk
               # would flood the terminal.
               LOG_LEVEL="WARNING")
    env["GRANTS_ENV"] = "production" if production else "development"
    env.pop("REDIS_URL", None)
    return env


def postgres_available() -> bool:
    if os.environ.get("BENCH_POSTGRES", "1") == "0" or not shutil.which("pg_isready"):
        return False
    ready = subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1"], check=False)  # noqa: S603, S607
    return ready.returncode == 0


def ensure_postgres_database(url: str) -> None:
    """Create the bench database if it is missing."""
    import sqlalchemy as sa

    from grants.config import database_url

    target = sa.engine.make_url(database_url(url))
    engine = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if not conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"),
                           {"n": target.database}):
            quoted = conn.dialect.identifier_preparer.quote(target.database)
            conn.execute(sa.text(f"CREATE DATABASE {quoted}"))
    engine.dispose()
