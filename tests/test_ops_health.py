"""/healthz says the process is up without touching anything; /readyz says whether the
database and Redis answer, naming only the part that failed. Failures are real ones: a
database in a folder that does not exist, a PostgreSQL or Redis port nobody listens on."""

from __future__ import annotations

import json
import socket

import pytest

from grants import create_app
from grants.config import new_data_key
from grants.extensions import db
from tests.conftest import count_queries


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


def _app(url: str, **config):
    return create_app({"TESTING": True, "SECRET_KEY": "o" * 40, "DATA_KEYS": new_data_key("o1"),
                       "SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_STORAGE_URI": "memory://",
                       **config})


@pytest.fixture
def redis_url(app):
    """Point the app's readiness check at another Redis for one test."""
    before = app.config.get("REDIS_URL")

    def use(url):
        app.config["REDIS_URL"] = url

    yield use
    app.config["REDIS_URL"] = before


def test_healthz_answers_ok_without_the_database_or_a_session(app, client):
    with count_queries(app) as statements:
        r = client.get("/healthz")
    assert (r.status_code, r.get_data(as_text=True), r.mimetype) == (200, "ok", "text/plain")
    assert statements == []
    assert "Set-Cookie" not in r.headers


def test_healthz_answers_while_the_database_is_gone(tmp_path):
    other = _app(f"sqlite:///{tmp_path}/missing/grants.sqlite3")
    assert other.test_client().get("/healthz").status_code == 200


def test_readyz_answers_when_the_database_does(client):
    r = client.get("/readyz")
    assert r.status_code == 200 and r.get_json() == {"status": "ok"}
    assert "Set-Cookie" not in r.headers


@pytest.mark.parametrize("url", [
    "sqlite:///{tmp}/no-such-folder/grants.sqlite3",
    "postgresql+psycopg://portal:secret-pw@127.0.0.1:1/grants",
], ids=["sqlite-missing-folder", "postgres-closed-port"])
def test_readyz_is_503_naming_only_the_database_when_it_does_not_answer(tmp_path, url, caplog):
    url = url.format(tmp=tmp_path)
    other = _app(url)
    r = other.test_client().get("/readyz")
    assert r.status_code == 503
    assert r.get_json() == {"status": "unavailable", "failed": ["database"]}
    text = r.get_data(as_text=True) + caplog.text
    for secret in ("secret-pw", "127.0.0.1", "no-such-folder", str(tmp_path), "connect"):
        assert secret not in text
    assert "database did not answer (OperationalError)" in caplog.text
    with other.app_context():
        db.engine.dispose()


def test_readyz_is_503_naming_redis_when_redis_does_not_answer(client, redis_url):
    redis_url("redis://:redis-pw@127.0.0.1:1/0")
    r = client.get("/readyz")
    assert r.status_code == 503
    assert json.loads(r.data) == {"status": "unavailable", "failed": ["redis"]}
    assert b"redis-pw" not in r.data and b"127.0.0.1" not in r.data


@pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")
def test_readyz_asks_a_real_redis(client, redis_url):
    redis_url("redis://127.0.0.1:6379/15")
    assert client.get("/readyz").status_code == 200
    redis_url("redis://127.0.0.1:1/15")  # the client is made again for a changed URL
    assert client.get("/readyz").status_code == 503


def test_the_probes_are_public_and_get_only(client, auth, world):
    for path in ("/healthz", "/readyz"):
        assert client.get(path).status_code == 200
        assert client.post(path).status_code == 405
    auth.login(world.applicant)
    assert client.get("/healthz").status_code == 200
