"""What the race tests share: they run on PostgreSQL only, in a second app on the same
database with an engine of its own (the test's rolled-back transaction cannot be shared
between threads), and check that every table holds as many rows afterwards as before."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from grants import create_app
from grants.extensions import db
from tests.conftest import TEST_DATABASE_URL

POSTGRES_ONLY = pytest.mark.skipif(
    not (TEST_DATABASE_URL or "").startswith("postgres"),
    reason="PostgreSQL only: SQLite has a single writer, so there is no race to lose")

_KEYS = ("TESTING", "SECRET_KEY", "DATA_KEYS", "SQLALCHEMY_DATABASE_URI",
         "RATELIMIT_STORAGE_URI", "ARGON2_TIME_COST", "ARGON2_MEMORY_KIB", "ARGON2_PARALLELISM",
         "WTF_CSRF_ENABLED")


@contextmanager
def second_app(app, connections: int):
    """The same portal on the same database, with an engine (and pool) of its own."""
    config = {key: app.config[key] for key in _KEYS}
    config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_size": connections, "max_overflow": 0}
    other = create_app(config)
    try:
        yield other
    finally:
        with other.app_context():
            db.engine.dispose()


def row_counts() -> dict[str, int]:
    return {t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t))
            for t in db.metadata.sorted_tables}
