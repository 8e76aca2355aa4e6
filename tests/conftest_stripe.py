"""Fixtures for the Stripe tests; a test module imports the ones it uses.

- `fake_stripe` (session): tests/stripe_server.py, localstripe plus Connect, transfers and
  idempotency, in a thread on 127.0.0.1 and a free port. State in memory only.
- `stripe_on`: Stripe configured for one test (keys, STRIPE_API_BASE = the fake, no SDK
  retries, STRIPE_JS_URL = the fake's Stripe.js), the fake wiped first; undone after.
- `webhooks`: the app served over real HTTP so that the fake's signed webhooks reach it;
  `webhooks.wait_for(type, object_id)` returns once that event was answered.

How the HTTP server sees the test's data. Every test runs inside one outer transaction on
one connection that is rolled back at its end (tests/conftest.py), so the test's rows are
never committed and no other connection could see them (on SQLite one would even block on
the write lock). The server thread therefore uses *that same connection*: it serves the same
`app`, whose `db.engines[None]` the test fixture has bound to the connection, and its
session commits to a savepoint like the test's do. A connection must not be used by two
threads at once, so a gate serialises them: the server takes a delivery only while the test
thread is blocked in `wait_for`, and `wait_for` cannot return before the delivery is
answered. `wait_for` first commits the test thread's session (to its savepoint) so that the
server's savepoint nests inside no open one. Each test registers its own webhook URL (a
token in the query string) and the fake binds each event to the URLs registered when it was
raised, so a late event from an earlier test gets 503 and never touches the database. This
works the same on SQLite (file database, connections not tied to a thread) and PostgreSQL,
and nothing is ever committed for real.
"""

from __future__ import annotations

import atexit
import hashlib
import hmac
import io
import json
import threading
import time
import uuid
from dataclasses import dataclass
from urllib.parse import parse_qs

import pytest
import requests
import stripe
from flask import has_app_context
from werkzeug.serving import make_server

from grants.extensions import db
from tests.stripe_server import FakeStripe

WEBHOOK_SECRET = "whsec_test_secret"
SECRET_KEY = "sk_test_grants"


# One fake server and one HTTP receiver per test run. Each module that imports these
# fixtures gets its own copy of a "session" fixture, so the objects are kept here instead.
_running: dict = {}


def _stop_all() -> None:
    if "receiver" in _running:
        server = _running.pop("receiver").server
        server.shutdown()
        server.server_close()
    if "fake" in _running:
        _running.pop("fake").stop()


@pytest.fixture(scope="session")
def fake_stripe():
    if "fake" not in _running:
        _running["fake"] = FakeStripe().start()
        atexit.register(_stop_all)
    return _running["fake"]


def sdk(fake: FakeStripe) -> stripe.StripeClient:
    """The SDK as Stripe.js or a person in Stripe's dashboard would act, against the fake."""
    return stripe.StripeClient(SECRET_KEY, base_addresses={"api": fake.url},
                               max_network_retries=0)


def connect(fake: FakeStripe, org_id: int, *, ready: bool = True) -> str:
    """An Express account at the fake, onboarded (or not), recorded on the organisation
    (flushed, not committed)."""
    from grants.models import Organisation

    api = sdk(fake).v1
    account = api.accounts.create(params={"type": "express",
                                          "capabilities": {"transfers": {"requested": True}}})
    if ready:
        link = api.account_links.create(params={
            "account": account.id, "type": "account_onboarding",
            "refresh_url": "http://localhost/r", "return_url": "http://localhost/x"})
        requests.get(link.url, allow_redirects=False, timeout=5).raise_for_status()
    org = db.session.get(Organisation, org_id)
    org.stripe_account_id, org.stripe_payouts_enabled = account.id, ready
    db.session.flush()
    return account.id


def fail_next(fake: FakeStripe, mode: str = "error", path: str = "/v1/",
              method: str | None = None) -> None:
    """The next request to `path` (a prefix), by `method` if given, fails as `mode` says."""
    data = {"mode": mode, "path": path} | ({"method": method} if method else {})
    requests.post(fake.url + "/_config/fail_next", data=data, timeout=5).raise_for_status()


@pytest.fixture
def stripe_on(app, fake_stripe, monkeypatch):
    requests.delete(fake_stripe.url + "/_config/all", timeout=5).raise_for_status()
    settings = {
        "STRIPE_SECRET_KEY": SECRET_KEY,
        "STRIPE_PUBLISHABLE_KEY": "pk_test_grants",
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_API_BASE": fake_stripe.url,
        "STRIPE_JS_URL": fake_stripe.url + "/js.stripe.com/v3/",
        "STRIPE_MAX_NETWORK_RETRIES": 0,
    }
    for key, value in settings.items():
        monkeypatch.setitem(app.config, key, value)
    return fake_stripe


def sign(payload: bytes, *, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    """A Stripe-Signature header for `payload` (Stripe's scheme: HMAC-SHA256 of t.payload)."""
    at = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), b"%d.%s" % (at, payload), hashlib.sha256).hexdigest()
    return f"t={at},v1={mac}"


@dataclass
class Delivery:
    type: str
    event_id: str
    object_id: str | None
    status: int
    body: bytes
    signature: str


class Receiver:
    """The app behind werkzeug's server, with the gate described in the module docstring."""

    def __init__(self, app):
        self.app, self._cond = app, threading.Condition()
        self._token: str | None = None
        self._open = False
        self.deliveries: list[Delivery] = []
        self.server = make_server("127.0.0.1", 0, self._wsgi, threaded=False)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def begin(self, fake: FakeStripe) -> None:
        self.fake = fake
        with self._cond:
            self._token, self.deliveries = uuid.uuid4().hex, []
        url = f"http://127.0.0.1:{self.server.server_port}/stripe/webhook?t={self._token}"
        requests.post(fake.url + "/_config/webhooks/grants",
                      data={"url": url, "secret": WEBHOOK_SECRET}, timeout=5).raise_for_status()

    def end(self) -> None:
        with self._cond:
            self._token = None
            self._cond.notify_all()

    def _wsgi(self, environ, start_response):
        token = parse_qs(environ.get("QUERY_STRING", "")).get("t", [None])[0]
        with self._cond:
            self._cond.wait_for(lambda: token != self._token or self._open)
            if token is None or token != self._token:
                start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
                return [b"not this test's webhook"]
            return self._serve(environ, start_response)

    def _serve(self, environ, start_response):
        raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(raw)
        seen = []

        def keep_status(status, headers, exc_info=None):
            seen.append(int(status.split()[0]))
            return start_response(status, headers, exc_info)

        result = self.app(environ, keep_status)
        body = b"".join(result)
        getattr(result, "close", lambda: None)()
        event = json.loads(raw)
        self.deliveries.append(Delivery(
            event["type"], event["id"], event["data"]["object"].get("id"), seen[0], raw,
            environ.get("HTTP_STRIPE_SIGNATURE", "")))
        self._cond.notify_all()
        return [body]

    def find(self, type_: str, object_id: str | None = None) -> Delivery | None:
        return next((d for d in self.deliveries if d.type == type_
                     and object_id in (None, d.object_id)), None)

    def wait_for(self, type_: str, object_id: str | None = None, timeout: float = 5) -> Delivery:
        if has_app_context():
            db.session.commit()
        with self._cond:
            self._open = True
            self._cond.notify_all()
            try:
                self._cond.wait_for(lambda: self.find(type_, object_id), timeout)
            finally:
                self._open = False
        found = self.find(type_, object_id)
        assert found is not None, f"no {type_} webhook for {object_id} within {timeout}s"
        return found


@pytest.fixture(scope="session")
def webhook_receiver(app):
    if "receiver" not in _running:
        _running["receiver"] = Receiver(app)
    return _running["receiver"]


@pytest.fixture
def webhooks(stripe_on, webhook_receiver):
    webhook_receiver.begin(stripe_on)
    yield webhook_receiver
    webhook_receiver.end()
