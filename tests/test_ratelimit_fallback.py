"""When Redis does not answer, log-in still works and is still limited, in each process's
memory; when it answers again, the counts go back to it. Against real servers: a closed
port, a port that accepts and never answers, the Redis on 127.0.0.1:6379 and a throwaway
redis-server stopped and started again in the middle of a test.

Each test builds its own app (REDIS_URL as given) on a copy of one migrated SQLite file.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import socket
import subprocess
import time

import flask_migrate
import pytest
import redis
from prometheus_client import REGISTRY

from grants import create_app
from grants.auth import webauthn
from grants.config import new_data_key
from grants.extensions import db
from tests import factories

LIVE_REDIS = "redis://127.0.0.1:6379/15"
LOGGER = "grants.security.ratelimit"


def _answers(port: int) -> bool:
    try:
        return redis.Redis(port=port, socket_timeout=0.5, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    path = tmp_path_factory.mktemp("fallback") / "migrated.sqlite3"
    app = create_app(_config(f"sqlite:///{path}", "memory://"))
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()
    return path


@pytest.fixture
def make_app(migrated, tmp_path):
    """An app counting in the Redis at `url`, with two users of its own."""
    made = []

    def make(url: str, **config):
        path = tmp_path / f"app{len(made)}.sqlite3"
        shutil.copy(migrated, path)
        app = create_app({**_config(f"sqlite:///{path}", url), **config})
        with app.app_context():
            factories.user(username="ana1")
            factories.user(username="ben1")
            db.session.commit()
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.engine.dispose()


def _config(url: str, redis_url: str) -> dict:
    return {"TESTING": True, "SECRET_KEY": "x" * 48, "DATA_KEYS": new_data_key("f"),
            "SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
            "REDIS_URL": None if redis_url.startswith("memory") else redis_url,
            "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 1024, "ARGON2_PARALLELISM": 1}


def _login(client, username: str, password: str = factories.PASSWORD) -> int:
    return client.post("/auth/login", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code


def _fallbacks() -> float:
    return REGISTRY.get_sample_value("grants_ratelimit_fallbacks_total") or 0.0


def _notes(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER]


def test_log_in_works_and_is_limited_while_redis_is_unreachable(make_app, caplog):
    """A closed port: 302, not 500; the 11th wrong password in the window is refused all
    the same; each check is counted as a fallback; one warning, naming nobody."""
    caplog.set_level(logging.WARNING, logger=LOGGER)
    app = make_app("redis://127.0.0.1:1/0")
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:1/0"
    before = _fallbacks()

    assert _login(app.test_client(), "ana1") == 302
    client = app.test_client()
    assert [_login(client, "ben1", "wrong") for _ in range(10)] == [200] * 10
    assert _login(client, "ben1", "wrong") == 429
    assert _login(client, "ben1") == 429  # the right password too, until the window ends

    assert _fallbacks() - before == 2 * 13  # per address and per account, each attempt
    notes = _notes(caplog)
    assert len(notes) == 1 and "does not answer" in notes[0]
    assert "ben1" not in caplog.text and "ana1" not in caplog.text
    assert "127.0.0.1:1" not in caplog.text  # an address may carry a password


def test_a_redis_that_never_answers_costs_well_under_a_second(make_app):
    """A port that takes the connection and never replies: the first request waits for
    the socket timeout (once, with one retry), the next ones do not try until it is time."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)  # the kernel accepts; nobody reads or writes
        app = make_app(f"redis://127.0.0.1:{silent.getsockname()[1]}/0",
                       RATELIMIT_STORAGE_RETRY_SECONDS=60)
        client = app.test_client()
        assert client.get("/auth/login").status_code == 200  # templates compiled, untimed
        took = []
        for _ in range(3):
            started = time.perf_counter()
            assert _login(client, "ana1", "wrong") == 200
            took.append(time.perf_counter() - started)
    assert took[0] < 0.75  # 0.2 s per try, tried twice (a stale connection is retried once)
    assert max(took[1:]) < 0.2, took
    assert app.extensions["grants.ratelimit"].down


@pytest.mark.skipif(not _answers(6379), reason="no Redis on 127.0.0.1:6379")
def test_with_redis_up_the_counts_are_in_redis(make_app):
    prefix = "grants-test-" + secrets.token_hex(6)
    live = redis.Redis.from_url(LIVE_REDIS)
    try:
        app = make_app(LIVE_REDIS, RATELIMIT_STORAGE_OPTIONS={"key_prefix": prefix})
        before = _fallbacks()
        client = app.test_client()
        assert [_login(client, "ben1", "wrong") for _ in range(3)] == [200] * 3
        keys = live.keys(f"{prefix}:*login-user*")
        assert len(keys) == 1 and int(live.get(keys[0])) == 3
        assert _fallbacks() == before
    finally:
        for key in live.scan_iter(f"{prefix}:*"):
            live.delete(key)
        live.close()


@pytest.fixture
def throwaway_redis():
    """A redis-server of the test's own on a free port: start() and stop() it at will."""
    program = shutil.which("redis-server")
    if not program:
        pytest.skip("no redis-server")
    port = _free_port()
    running: list[subprocess.Popen] = []

    def start():
        running.append(subprocess.Popen(  # noqa: S603 (a fixed program, our own arguments)
            [program, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        deadline = time.monotonic() + 10
        while not _answers(port):
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)

    def stop():
        server = running.pop()
        server.terminate()
        server.wait(timeout=10)

    start.port, start.stop = port, stop
    yield start
    while running:
        stop()


def test_redis_goes_away_and_comes_back(make_app, throwaway_redis, caplog):
    caplog.set_level(logging.WARNING, logger=LOGGER)
    throwaway_redis()
    port = throwaway_redis.port
    app = make_app(f"redis://127.0.0.1:{port}/0", RATELIMIT_STORAGE_RETRY_SECONDS=0.3)
    client = app.test_client()

    def in_redis() -> int:
        direct = redis.Redis(port=port)
        keys = direct.keys("*login-user*")
        count = int(direct.get(keys[0])) if keys else 0
        direct.close()
        return count

    assert [_login(client, "ben1", "wrong") for _ in range(2)] == [200] * 2
    assert in_redis() == 2

    throwaway_redis.stop()
    before = _fallbacks()
    assert [_login(client, "ben1", "wrong") for _ in range(3)] == [200] * 3  # not 500
    assert _fallbacks() - before == 2 * 3
    assert app.extensions["grants.ratelimit"].down

    throwaway_redis()  # the same port, empty (it saves nothing)
    time.sleep(0.4)  # past the retry interval
    before = _fallbacks()
    assert _login(client, "ben1", "wrong") == 200
    assert in_redis() == 1  # counted there again
    assert _fallbacks() == before
    assert not app.extensions["grants.ratelimit"].down
    notes = _notes(caplog)
    assert len(notes) == 2 and "does not answer" in notes[0] and "again" in notes[1]


def test_a_security_key_answer_is_still_used_once_while_redis_is_down(make_app):
    """The replay store falls back like the rate limits: the same worker still refuses a
    challenge used before (see grants.auth.webauthn.consume_challenge)."""
    app = make_app("redis://127.0.0.1:1/0")
    with app.app_context():
        challenge = secrets.token_bytes(32)
        assert webauthn.consume_challenge(challenge)
        assert not webauthn.consume_challenge(challenge)
        assert webauthn.consume_challenge(secrets.token_bytes(32))
