"""After PostgreSQL cuts the connections (a restart, a failover), the next requests still
answer: each connection is checked when taken from the pool (pool_pre_ping).

On a real server: a database of the test's own (created and dropped here), on the server
of TEST_DATABASE_URL or else on 127.0.0.1:5432 when one answers; skipped otherwise. The
suite's own app and connection are not used: cutting them would cut the test's fixture.
"""

from __future__ import annotations

import os
import secrets

import flask_migrate
import pytest
import sqlalchemy as sa

from grants import create_app
from grants.config import database_url, new_data_key
from grants.extensions import db
from tests import factories

SERVER = database_url(os.environ.get("TEST_DATABASE_URL")
                      or "postgresql://postgres@127.0.0.1:5432/postgres")
KEYS = new_data_key("r")


def _admin() -> sa.Engine | None:
    if not SERVER.startswith("postgresql"):
        return None
    engine = sa.create_engine(sa.engine.make_url(SERVER).set(database="postgres"),
                              isolation_level="AUTOCOMMIT", poolclass=sa.NullPool,
                              connect_args={"connect_timeout": 2})
    try:
        with engine.connect():
            return engine
    except sa.exc.OperationalError:
        return None


@pytest.fixture(scope="module")
def own_database():
    admin = _admin()
    if admin is None:
        pytest.skip("no PostgreSQL answers (TEST_DATABASE_URL or 127.0.0.1:5432)")
    name = "grants_reconnect_" + secrets.token_hex(4)
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    url = sa.engine.make_url(SERVER).set(database=name).render_as_string(hide_password=False)
    app = create_app(_config(url))
    with app.app_context():
        flask_migrate.upgrade()
        factories.user(username="rosa1")
        db.session.commit()
        db.engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE {name} WITH (FORCE)"))
    admin.dispose()


def _config(url: str, **more) -> dict:
    return {"TESTING": True, "SECRET_KEY": "x" * 48, "DATA_KEYS": KEYS,
            "SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
            "RATELIMIT_STORAGE_URI": "memory://",
            "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 1024, "ARGON2_PARALLELISM": 1, **more}


def _cut_every_connection(url: str) -> int:
    """What a restart does to the portal's connections, from a connection of its own."""
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    with engine.connect() as conn:
        cut = conn.scalar(sa.text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    engine.dispose()
    return cut


def _logged_in(url: str, **more):
    """The app, a client logged in, and three connections left in the pool."""
    app = create_app(_config(url, **more))
    client = app.test_client()
    assert client.post("/auth/login", data={"username": "rosa1",
                                            "password": factories.PASSWORD}).status_code == 302
    assert client.get("/").status_code == 200
    with app.app_context():
        held = [db.engine.connect() for _ in range(3)]
        for conn in held:
            conn.exec_driver_sql("SELECT 1")
            conn.close()
        assert db.engine.pool.checkedin() == 3
    return app, client


def test_the_next_requests_answer_after_the_connections_are_cut(own_database):
    app, client = _logged_in(own_database)
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True

    assert _cut_every_connection(own_database) >= 3
    assert [client.get("/").status_code for _ in range(5)] == [200] * 5
    with app.app_context():
        db.engine.dispose()


def test_without_the_check_the_cut_fails_a_request(own_database):
    """The cut above is real: without pool_pre_ping the first request after it fails."""
    app, client = _logged_in(own_database,
                             SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": False})

    assert _cut_every_connection(own_database) >= 3
    assert client.get("/").status_code == 500
    with app.app_context():
        db.engine.dispose()
