"""A production run: the portal started as README's "Running it in production" says, with
production settings, against a fresh PostgreSQL database, the Redis on 127.0.0.1:6379 and an
SMTP relay of the test's own, and walked over real HTTP as its users would.

gunicorn serves with two workers behind a (pretended) reverse proxy that terminates HTTPS
(TRUSTED_PROXIES=1, X-Forwarded-* sent by the client), and `flask --app grants worker`
delivers the outbox from the Redis queue. An officer logs in with a password and a two-step
code, writes to a group on its application's thread, and the notice reaches the relay,
addressed to the group's member, with a link to the portal and not a word of the message.
Then many requests with the officer's session, spread over both workers, all work: the
session is in the database, not in a worker's memory.

Skipped when PostgreSQL or Redis does not answer; deselect with -m 'not production_run'.
The Redis keys the run makes (its queue, the rate limits' counts) are deleted after it.
"""

from __future__ import annotations

import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from flask import g

from bench.client import CSRF, Client
from bench.server import wait_ready
from grants.config import new_data_key
from grants.extensions import db
from grants.models import ApplicationStatus, JobStatus, OutboxItem, Role
from tests import factories
from tests.services import Portal, Relay, free_port, fresh_database, wait_for

pytestmark = pytest.mark.production_run

# A Redis database of its own: the job tests use 0, the rate-limit tests 15.
REDIS_URL = "redis://127.0.0.1:6379/14"
HOST = "portal.example.org"
# What nginx in front would add: the visitor's address, HTTPS, the public host name.
PROXY = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https",
         "X-Forwarded-Host": HOST}
MESSAGE = "Shelter booked for the 14th at the usual place"
MEMBER_EMAIL = "group@example.org"
# gunicorn's access log, one line a request: the worker's pid, the status, the path.
ACCESS_FORMAT = "%(p)s %(s)s %(m)s %(U)s"


def _redis():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis does not answer on 127.0.0.1:6379: a production run needs it "
                    "(the rate limits' counts and the job queue's broker)")
    return client


def _world(app) -> dict:
    """An officer with two-step verification, a group of one member with an address, and
    the group's sent application: written by the test's own app, committed."""
    with app.app_context():
        g.writes = True
        officer = factories.user(Role.OFFICER)
        member = factories.user(Role.APPLICANT)
        member.email = MEMBER_EMAIL
        org = factories.organisation(member)
        application = factories.application(factories.call(), org, by=member,
                                            status=ApplicationStatus.SUBMITTED)
        db.session.commit()
        return {"officer": officer.username, "secret": officer.totp_secret,
                "application": application.id}


@pytest.fixture
def production(tmp_path):
    redis = _redis()
    before = set(redis.keys())
    with fresh_database("postgresql", tmp_path) as url:
        relay = Relay().up()
        portal = Portal(
            url, tmp_path,
            GRANTS_ENV="production",
            SECRET_KEY="production-run-secret-key-" + uuid.uuid4().hex,
            DATA_KEYS=new_data_key("p1"),
            REDIS_URL=REDIS_URL,
            JOBS_BROKER_URL=REDIS_URL,
            JOBS_QUEUE_NAME=f"grants-prodrun-{uuid.uuid4().hex[:8]}",
            RATELIMIT_ENABLED="1",
            PORTAL_URL=f"https://{HOST}/",
            TRUSTED_PROXIES="1",
            SMTP_PORT=str(relay.port),
        )
        for test_only in ("JOBS_RETRY_SECONDS", "JOBS_LEASE_SECONDS", "ARGON2_TIME_COST"):
            portal.env.pop(test_only)  # production's own defaults
        portal.relay, portal.redis = relay, redis
        portal.build()
        try:
            yield portal
        finally:
            portal.stop_all()
            relay.down()
            made = set(redis.keys()) - before
            if made:
                redis.delete(*made)
            redis.close()


def _workers_that_served(portal, path: str) -> set[str]:
    """The pids of the gunicorn workers that answered `path` with 200, from the access log."""
    log = (portal.tmp_path / "access.log").read_text()
    return set(re.findall(rf"^<(\d+)> 200 GET {re.escape(path)}$", log, re.MULTILINE))


def _notice_rows(app) -> list[JobStatus]:
    with app.app_context():
        rows = db.session.scalars(sa.select(OutboxItem.status)
                                  .where(OutboxItem.kind == "notice")).all()
        db.session.rollback()
        return list(rows)


def test_a_production_run_delivers_a_notice_and_shares_sessions_across_workers(production):
    portal, relay = production, production.relay
    world = _world(portal.app)
    timings = {}
    started = time.monotonic()
    port = free_port()
    web = portal.web(port, 2, "--access-logfile", str(portal.tmp_path / "access.log"),
                     "--access-logformat", ACCESS_FORMAT)
    portal.worker()
    try:
        wait_ready(web, port, "/auth/login", PROXY, timeout=60)
    except RuntimeError:
        pytest.fail("gunicorn did not answer:\n" + portal.log("web")[-3000:])
    timings["web answering"] = time.monotonic() - started

    # The officer logs in: password, then the two-step code of the secret made above.
    client = Client(port, PROXY)
    client.login(world["officer"], factories.PASSWORD, world["secret"])
    cookie = client.set_cookies["grants_session"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie

    # The application's page, its thread's form, and the message written to the group.
    page = f"/applications/{world['application']}"
    status, headers, body = client.request("GET", page)
    assert status == 200 and 'id="message-form"' in body.decode()
    assert headers["Strict-Transport-Security"]  # HTTPS as the proxy said
    posted = time.monotonic()
    status, headers, _body = client.request("POST", f"{page}/messages", {
        "body": MESSAGE, "csrf_token": CSRF.search(body.decode()).group(1)})
    assert status == 302 and headers["Location"].endswith(f"{page}#messages")
    status, _headers, body = client.request("GET", page)
    assert status == 200 and "Message sent." in body.decode() and MESSAGE in body.decode()

    # The worker, woken through Redis, sends the notice to the group's member: the link is
    # the public https address, and nothing of the message is in it.
    wait_for(lambda: relay.accepted, timeout=20, what="the notice at the SMTP relay")
    timings["post to notice"] = time.monotonic() - posted
    notice = relay.accepted[0]
    assert notice["To"] == MEMBER_EMAIL
    text = notice.as_string()
    assert f"https://{HOST}/" in notice.get_payload(decode=True).decode()
    assert not any(word in text for word in ("Shelter", "14th", "usual place"))

    # The session works whichever worker answers: requests four at a time, until the access
    # log shows both workers serving the officer's page (sync workers: a busy one does not
    # accept, so the other takes the next).
    served: set[str] = set()
    for _round in range(10):
        with ThreadPoolExecutor(max_workers=4) as pool:
            answers = list(pool.map(lambda _i: client.request("GET", page), range(8)))
        assert all(s == 200 and MESSAGE in b.decode() for s, _h, b in answers)
        served = _workers_that_served(portal, page)
        if len(served) >= 2:
            break
    assert len(served) == 2, f"only worker(s) {served} answered"

    # The rate limits counted in Redis (the log-in's), and the notice went once.
    assert any(portal.redis.scan_iter(match="*LIMITER*"))
    assert len(relay.accepted) == 1
    assert _notice_rows(portal.app) == [JobStatus.DONE]
    for name in ("web", "worker"):
        assert "Traceback" not in portal.log(name), portal.log(name)[-3000:]
    timings["whole run"] = time.monotonic() - started
    print("production run: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
