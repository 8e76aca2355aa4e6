"""The embedded SQLite database under several workers (gunicorn -w 4, `make bench`).

In WAL mode a transaction that has read cannot start writing once another connection has
committed since (SQLITE_BUSY_SNAPSHOT); waiting (busy_timeout) does not help. The bench
found it: a session's last-seen time, written after the session was read, failed with a 500
while other workers wrote. Each test here plays the other worker with a second connection
to the same file, between the request's first read and its write.
"""

from __future__ import annotations

import secrets
import sqlite3
from datetime import timedelta

import flask_migrate
import pytest
import sqlalchemy as sa

from grants import create_app
from grants.auth import services
from grants.extensions import db
from grants.models import UserSession
from grants.models.types import utcnow
from tests import factories
from tests.conftest import TEST_DATABASE_URL, _test_config

pytestmark = pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="SQLite's locking only")


@pytest.fixture
def portal(tmp_path):
    path = tmp_path / "workers.sqlite3"
    app = create_app(_test_config(f"sqlite:///{path}"))
    with app.app_context():
        flask_migrate.upgrade()
        someone, other = factories.user(), factories.user()
        token = secrets.token_urlsafe(16)
        services.open_session(someone, token)
        db.session.commit()
        ids = someone.id, other.id
    client = app.test_client()
    with client.session_transaction() as s:
        s["sid"], s["_permanent"] = token, True
    yield app, client, path, ids
    with app.app_context():
        db.engine.dispose()


def _after_the_session_is_read(monkeypatch, then):
    real = services.live_session

    def reading(token):
        found = real(token)
        then()
        return found

    monkeypatch.setattr(services, "live_session", reading)


def _other_worker_writes(path, user_id: int) -> None:
    conn = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        conn.execute("UPDATE users SET last_login_at = CURRENT_TIMESTAMP WHERE id = ?",
                     (user_id,))
    finally:
        conn.close()


def test_a_session_touch_after_another_workers_write_does_not_fail(portal, monkeypatch):
    app, client, path, (me, other) = portal
    with app.app_context():  # idle long enough that this request records it
        db.session.execute(sa.update(UserSession).values(
            last_seen_at=utcnow() - timedelta(minutes=5)))
        db.session.commit()
    _after_the_session_is_read(monkeypatch, lambda: _other_worker_writes(path, other))
    response = client.get("/account/")
    assert response.status_code == 200
    assert b"Log out" in response.data  # still logged in: the touch is only skipped


def test_a_change_holds_the_write_lock_from_its_first_read(portal, monkeypatch):
    app, client, path, (me, other) = portal
    blocked = []

    def other_worker():
        try:
            _other_worker_writes(path, other)
        except sqlite3.OperationalError as exc:  # it waits its turn instead
            blocked.append(str(exc))

    _after_the_session_is_read(monkeypatch, other_worker)
    response = client.post("/auth/logout")
    assert response.status_code == 302
    assert blocked == ["database is locked"]
    with app.app_context():
        assert db.session.scalar(sa.select(UserSession.ended_at)) is not None
