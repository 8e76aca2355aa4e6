"""Log lines: JSON in production (text in development), every line written during a request
carrying that request's id, the id sent back in X-Request-ID, and one access line per
request naming its endpoint, never its path, its query, the user or the address."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest

from grants import config
from grants.extensions import db
from grants.ops import logs
from tests import factories
from tests.factories import PASSWORD


@pytest.fixture
def log_lines(app):
    """What the portal's log handler writes, as JSON lines, during the test."""
    stream = io.StringIO()
    logs.configure("json", "INFO", stream)

    def read() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    yield read
    logs.configure(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])


def _access(lines, endpoint):
    return [line for line in lines if line["logger"] == "grants.access"
            and line["endpoint"] == endpoint]


def test_a_log_in_leaves_one_line_with_no_name_address_or_path(app, client, log_lines):
    with app.app_context():
        user = factories.user(username="quiet-heron")
        user.email = "heron@example.org"
        org = factories.organisation(user, name="Heron Collective")
        db.session.commit()
        org_id = org.id
    r = client.post("/auth/login?lang=es", data={"username": "quiet-heron",
                                                 "password": PASSWORD, "next": ""})
    assert r.status_code == 302
    page = client.get(f"/orgs/{org_id}?q=heron@example.org",
                      headers={"X-Request-ID": "probe-0001-abcd"})
    assert page.status_code == 200 and page.headers["X-Request-ID"] == "probe-0001-abcd"

    lines = log_lines()
    (login,) = _access(lines, "auth.login")
    assert login["request_id"] == r.headers["X-Request-ID"]
    assert {k: login[k] for k in ("level", "method", "status")} == {
        "level": "INFO", "method": "POST", "status": 302}
    assert set(login) >= {"ts", "level", "logger", "msg", "request_id", "duration_ms"}
    (shown,) = _access(lines, "organisations.show")
    assert shown["request_id"] == "probe-0001-abcd" and shown["status"] == 200
    written = "\n".join(json.dumps(line) for line in lines)
    for secret in ("quiet-heron", "heron@example.org", "Heron", f"/orgs/{org_id}", "lang=es",
                   "127.0.0.1", PASSWORD, "/auth/login"):
        assert secret not in written, secret


@pytest.mark.parametrize("given", ["short", "has space 12345", "x" * 65, "semi;colon-123",
                                   "\u00e9t\u00e9-1234567"])
def test_an_unsafe_request_id_is_replaced_by_a_new_one(client, log_lines, given):
    r = client.get("/auth/login", headers={"X-Request-ID": given})
    made = r.headers["X-Request-ID"]
    assert made != given and len(made) == 32 and made.isalnum()
    assert [line["request_id"] for line in _access(log_lines(), "auth.login")] == [made]


def test_every_line_written_during_a_request_carries_its_id(app, client, log_lines):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    try:
        r = client.get("/readyz", headers={"X-Request-ID": "readiness-probe-7"})
    finally:
        app.config["REDIS_URL"] = None
    assert r.status_code == 503
    (warning,) = [line for line in log_lines() if line["logger"] == "grants.ops.health"]
    assert warning["level"] == "WARNING" and warning["request_id"] == "readiness-probe-7"
    assert warning["msg"] == "readiness: redis did not answer (ConnectionError)"


def test_probes_are_logged_at_debug_only(client, log_lines):
    client.get("/healthz")
    client.get("/metrics")
    assert _access(log_lines(), "ops.healthz") == [] == _access(log_lines(), "ops.metrics")


def test_outside_a_request_the_id_is_null_and_an_exception_keeps_its_message_out(log_lines):
    log = logging.getLogger("grants.somewhere")
    typed = "someone" + "@example.org"
    try:
        raise ValueError(typed)
    except ValueError:
        log.exception("could not %s", "deliver")
    (line,) = log_lines()
    assert line["request_id"] is None and line["msg"] == "could not deliver"
    assert line["level"] == "ERROR" and line["exc_type"] == "ValueError"
    assert "test_ops_logging.py" in line["traceback"]
    assert typed not in json.dumps(line)


def test_the_text_format_shows_the_request_id(app, client):
    stream = io.StringIO()
    logs.configure("text", "INFO", stream)
    try:
        client.get("/auth/login", headers={"X-Request-ID": "text-format-01"})
    finally:
        logs.configure(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])
    (line,) = stream.getvalue().splitlines()
    assert re.fullmatch(r"\d{4}-\d\d-\d\d [\d:,]+ INFO grants\.access \[text-format-01\] "
                        r"GET auth\.login 200 \d+\.\d ms", line), line


def test_one_handler_however_many_apps_are_built(app):
    root = logging.getLogger()
    before = len(root.handlers)
    logs.configure("json")
    logs.configure(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])
    assert len(root.handlers) == before


def test_json_in_production_text_in_development(monkeypatch, tmp_path):
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    monkeypatch.setenv("GRANTS_ENV", "production")
    assert config.defaults(str(tmp_path))["LOG_FORMAT"] == "json"
    monkeypatch.setenv("GRANTS_ENV", "development")
    assert config.defaults(str(tmp_path))["LOG_FORMAT"] == "text"
    monkeypatch.setenv("LOG_FORMAT", "json")
    assert config.defaults(str(tmp_path))["LOG_FORMAT"] == "json"
    with pytest.raises(config.ConfigError):
        logs.formatter("xml")
