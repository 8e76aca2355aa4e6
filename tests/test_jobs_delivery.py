"""The outbox against real parts: an SMTP relay that is down, slow, then up; a worker killed
mid-delivery; two workers racing on PostgreSQL; the Redis broker. Each test has a database
of its own that its processes share (tests/services.py)."""

from __future__ import annotations

import signal
import time

import pytest
import sqlalchemy as sa
from flask import g

from grants.extensions import db
from grants.jobs import outbox
from grants.messages.services import post_message
from grants.models import JobStatus, OutboxItem, Role
from tests import factories
from tests.services import Portal, Relay, free_port, fresh_database, wait_for


def _world(app):
    """An officer and a group of one member with an address, an application between them."""
    with app.app_context():
        g.writes = True  # SQLite: write lock at BEGIN, as a POST takes it (grants/factory.py)
        officer = factories.user(Role.OFFICER)
        member = factories.user(Role.APPLICANT)
        member.email = "group@example.org"
        org = factories.organisation(member)
        application = factories.application(factories.call(), org, by=member)
        db.session.commit()
        return officer.id, application.id


def _write(app, officer_id, application_id, n=1):
    """The officer writes `n` messages to the group, each committed; seconds it took."""
    from grants.models import Application, User

    started = time.monotonic()
    with app.app_context():
        g.writes = True
        for i in range(n):
            post_message(db.session.get(User, officer_id),
                         db.session.get(Application, application_id), f"Message {i}")
            db.session.commit()
    return time.monotonic() - started


def _rows(app):
    with app.app_context():
        rows = db.session.execute(sa.select(OutboxItem.status, OutboxItem.attempts)
                                  .where(OutboxItem.kind == "notice")).all()
        db.session.rollback()
        return rows


@pytest.fixture
def portal(tmp_path, request):
    kind = getattr(request, "param", "sqlite")
    with fresh_database(kind, tmp_path) as url:
        relay_port = free_port()
        p = Portal(url, tmp_path, SMTP_PORT=str(relay_port))
        p.relay = Relay(relay_port)
        p.build()
        yield p
        p.stop_all()
        p.relay.down()


def test_relay_down_then_slow_then_up_the_action_never_waits_and_each_notice_arrives_once(
        portal):
    app, relay = portal.app, portal.relay
    officer, application = _world(app)
    portal.worker()

    # Down: nothing listens on the relay's port. The message is posted all the same.
    _write(app, officer, application)
    wait_for(lambda: any(a >= 1 for _s, a in _rows(app)), what="a first, failed attempt")
    assert [s for s, _a in _rows(app)] == [JobStatus.PENDING]  # waiting for its retry

    # Slow: the relay answers only after the test lets it. Posting cannot be waiting on it,
    # or the post would never return while the relay is held.
    relay.hold.clear()
    relay.refuse_after_hold = False
    relay.up()
    _write(app, officer, application)
    wait_for(relay.arrived.is_set, what="the worker reaching the held relay")
    assert relay.accepted == []
    relay.hold.set()

    # Up: both notices arrive, once each, and the rows are done.
    wait_for(lambda: len(relay.accepted) >= 2, what="two notices")
    time.sleep(2)  # a copy sent twice would arrive within the retry time
    ids = relay.message_ids()
    assert len(ids) == 2 and len(set(ids)) == 2
    assert all(m["To"] == "group@example.org" for m in relay.accepted)
    assert all("Message 0" not in m.get_payload() for m in relay.accepted)
    wait_for(lambda: [s for s, _a in _rows(app)] == [JobStatus.DONE] * 2, what="rows done")


def test_a_worker_killed_mid_delivery_and_restarted_sends_one_notice(portal):
    app, relay = portal.app, portal.relay
    officer, application = _world(app)
    relay.hold.clear()  # the relay takes the message's data and keeps the worker waiting
    relay.up()
    first = portal.worker(log="worker1")
    _write(app, officer, application)
    wait_for(relay.arrived.is_set, what="the worker in the middle of the delivery")
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    relay.hold.set()  # the dead worker's connection gets 451: the relay kept nothing
    assert _rows(app) == [(JobStatus.RUNNING, 1)]

    # The second worker's sweep runs as it starts, then once a minute: start it once the
    # dead worker's lease (3 s) has run out, or its first sweep finds the row still leased
    # and the next one comes after this test has stopped waiting.
    time.sleep(3.5)
    portal.worker(log="worker2")
    wait_for(lambda: len(relay.accepted) >= 1, what="the notice, from the second worker")
    time.sleep(2)
    assert len(relay.accepted) == 1
    assert _rows(app) == [(JobStatus.DONE, 2)]


@pytest.mark.parametrize("portal", ["postgresql"], indirect=True)
def test_two_workers_racing_on_postgresql_deliver_each_row_once(portal):
    app, relay = portal.app, portal.relay
    relay.up()
    officer, application = _world(app)
    with app.app_context():  # 60 notices waiting before any worker starts
        g.writes = True
        from grants.models import User

        user = db.session.scalars(sa.select(User).where(User.email.is_not(None))).one()
        for _ in range(60):
            from grants import notifications

            notifications.notify(user, "message")
        db.session.commit()
    portal.worker(log="worker1")
    portal.worker(log="worker2")
    wait_for(lambda: len(relay.accepted) >= 60, timeout=90, what="60 notices")
    time.sleep(3)
    ids = relay.message_ids()
    assert len(ids) == 60 and len(set(ids)) == 60
    assert sorted(_rows(app)) == [(JobStatus.DONE, 1)] * 60


def test_with_redis_as_broker_the_queue_delivers_without_waiting_for_the_sweep(
        tmp_path, portal):
    import redis

    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis does not answer on 127.0.0.1:6379")
    portal.env["JOBS_BROKER_URL"] = "redis://127.0.0.1:6379/0"
    portal.env["JOBS_QUEUE_NAME"] = f"grants-test-{tmp_path.name}"
    app = portal.build()
    portal.relay.up()
    officer, application = _world(app)
    # No periodic tick, so no sweep: only the queue can bring the row to this worker.
    portal.worker("--no-periodic")
    time.sleep(3)  # the worker is listening
    _write(app, officer, application)
    wait_for(lambda: len(portal.relay.accepted) == 1, timeout=20, what="the notice via Redis")
    r = redis.Redis(host="127.0.0.1", port=6379)
    for key in r.scan_iter(f"huey.*{portal.env['JOBS_QUEUE_NAME']}*"):
        r.delete(key)


def test_a_row_is_written_with_the_action_or_not_at_all(portal):
    app = portal.app
    officer, application = _world(app)
    from grants.models import Application, User

    with app.app_context():
        post_message(db.session.get(User, officer), db.session.get(Application, application),
                     "Rolled back")
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxItem)) == 0
        assert outbox.stats()["depth"] == 0


def test_a_post_while_the_worker_waits_on_a_slow_relay_does_not_wait_for_it(portal):
    # SQLite: the worker's transactions take the write lock at BEGIN; one held open over the
    # relay's answer would make every post wait for the relay (and fail after the 5 s
    # busy timeout). The relay here answers only when the test lets it.
    app, relay = portal.app, portal.relay
    officer, application = _world(app)
    relay.hold.clear()
    relay.refuse_after_hold = False
    relay.up()
    portal.worker()
    _write(app, officer, application)
    wait_for(relay.arrived.is_set, what="the worker waiting on the held relay")
    seconds = _write(app, officer, application, n=3)  # while the worker still waits
    assert seconds < 2.5, seconds
    relay.hold.set()
    wait_for(lambda: len(relay.accepted) >= 4, what="four notices")
    wait_for(lambda: [s for s, _a in _rows(app)] == [JobStatus.DONE] * 4, what="rows done")
