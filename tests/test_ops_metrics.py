"""/metrics: counted by endpoint (never a path), readable from this host or with the token
only, the outbox's state read at scrape time, and the counts of several processes summed."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta

import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from grants import ROOT
from grants.config import new_data_key
from grants.extensions import db
from grants.models import JobStatus, OutboxItem, WorkerBeat
from grants.models.types import utcnow

OUTSIDE = {"REMOTE_ADDR": "203.0.113.9"}
TOKEN = "a-long-random-metrics-token-0123456789"


def _samples(text: str) -> dict[tuple, float]:
    """{(sample name, sorted labels): value} of an exposition."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def _value(name, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
def token(app):
    app.config["METRICS_TOKEN"] = TOKEN
    yield TOKEN
    app.config["METRICS_TOKEN"] = None


def test_this_host_reads_the_metrics(client):
    r = client.get("/metrics")
    assert r.status_code == 200 and r.mimetype == "text/plain"
    assert "grants_requests_total" in r.get_data(as_text=True)
    assert "Set-Cookie" not in r.headers
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200


def test_another_address_gets_the_page_any_unknown_address_gets(client):
    r = client.get("/metrics", environ_base=OUTSIDE)
    assert r.status_code == 404 and b"could not find" in r.data
    assert b"grants_" not in r.data


def test_the_token_opens_it_from_elsewhere_and_a_wrong_one_does_not(client, token):
    def get(value):
        return client.get("/metrics", environ_base=OUTSIDE,
                          headers={"Authorization": value}).status_code

    assert get(f"Bearer {token}") == 200
    assert get(f"bearer {token}") == 200
    assert get("Bearer not-the-token") == 404
    assert get(f"Bearer {token}x") == 404
    assert get(f"Basic {token}") == 404
    assert get("Bearer é") == 404  # not ASCII: compared as bytes, refused, no 500
    assert client.get("/metrics", environ_base=OUTSIDE).status_code == 404


def test_a_request_a_proxy_on_this_host_forwarded_is_not_this_hosts(app, client):
    for header in ({"X-Forwarded-For": "198.51.100.7"}, {"Forwarded": "for=198.51.100.7"},
                   {"X-Real-IP": "198.51.100.7"}):
        assert client.get("/metrics", headers=header).status_code == 404, header
    # With TRUSTED_PROXIES, ProxyFix has put the client's own address in REMOTE_ADDR.
    app.config["TRUSTED_PROXIES"] = "1"
    try:
        assert client.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}).status_code \
            == 200
    finally:
        app.config.pop("TRUSTED_PROXIES")


def test_requests_are_counted_by_endpoint_and_status(client, auth, world):
    auth.login(world.applicant)
    labels = {"endpoint": "organisations.show", "method": "GET", "status": "200"}
    before = _value("grants_requests_total", **labels)
    seconds = _value("grants_request_seconds_count", endpoint="organisations.show")
    missing = _value("grants_requests_total", endpoint="none", method="GET", status="404")
    odd = _value("grants_requests_total", endpoint="none", method="other", status="405")
    assert client.get(f"/orgs/{world.org.id}").status_code == 200
    assert client.get(f"/orgs/{world.org.id}/no-such-page").status_code == 404
    assert client.open("/orgs/", method="BREW").status_code == 405
    assert _value("grants_requests_total", **labels) == before + 1
    assert _value("grants_request_seconds_count", endpoint="organisations.show") == seconds + 1
    assert _value("grants_requests_total", endpoint="none", method="GET", status="404") \
        == missing + 1
    assert _value("grants_requests_total", endpoint="none", method="other", status="405") \
        == odd + 1


def test_no_label_holds_a_path_or_an_id(app, client, auth, world):
    auth.login(world.officer)
    for path in (f"/orgs/{world.org.id}", f"/applications/{world.submitted.id}",
                 f"/orgs/{world.org.id}?q=someone@example.org", "/orgs/987654321"):
        client.get(path)
    text = client.get("/metrics").get_data(as_text=True)
    endpoints = set(re.findall(r'endpoint="([^"]*)"', text))
    # Endpoint names only (other apps of the suite, the bench's, count in the same process).
    assert "organisations.show" in endpoints
    assert all(re.fullmatch(r"[a-z_]+(\.[a-z_0-9]+)?", e) for e in endpoints), endpoints
    assert "987654321" not in text and "example.org" not in text and "/orgs" not in text


def test_the_outbox_and_the_workers_are_read_at_scrape_time(app, client):
    def gauges():
        found = _samples(client.get("/metrics").get_data(as_text=True))
        return {name: value for (name, _labels), value in found.items()
                if name.startswith(("grants_outbox", "grants_jobs_failed", "grants_worker"))}

    before = gauges()
    now = utcnow()
    with app.app_context():
        db.session.add_all([
            OutboxItem(key="t-old", kind="notice", status=JobStatus.PENDING,
                       created_at=now - timedelta(hours=2)),
            OutboxItem(key="t-new", kind="notice", status=JobStatus.RUNNING, created_at=now),
            OutboxItem(key="t-failed", kind="notice", status=JobStatus.FAILED, created_at=now),
            OutboxItem(key="t-done", kind="notice", status=JobStatus.DONE, created_at=now),
            WorkerBeat(name="host:1", seen_at=now - timedelta(seconds=90)),
            WorkerBeat(name="host:2", seen_at=now - timedelta(seconds=30)),
        ])
        db.session.commit()
    after = gauges()
    assert after["grants_outbox_depth"] == before["grants_outbox_depth"] + 2
    assert after["grants_jobs_failed"] == before["grants_jobs_failed"] + 1
    assert 7200 <= after["grants_outbox_oldest_age_seconds"] < 7200 + 60
    assert 30 <= after["grants_worker_heartbeat_age_seconds"] < 90


def test_a_scrape_still_answers_when_the_outbox_cannot_be_read(tmp_path):
    from grants import create_app

    other = create_app({"TESTING": True, "SECRET_KEY": "m" * 40, "DATA_KEYS": new_data_key(),
                        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/gone/x.sqlite3"})
    r = other.test_client().get("/metrics")
    assert r.status_code == 200
    assert "grants_requests_total" in r.get_data(as_text=True)
    assert "grants_outbox_depth" not in r.get_data(as_text=True)


# -- several processes: prometheus_client's multiprocess mode ---------------------------

WRITER = """
import sys
from grants import create_app
from grants.config import new_data_key

app = create_app({"TESTING": True, "SECRET_KEY": "m" * 40, "DATA_KEYS": new_data_key("m1"),
                  "SQLALCHEMY_DATABASE_URI": sys.argv[1], "RATELIMIT_STORAGE_URI": "memory://"})
client = app.test_client()
for _ in range(int(sys.argv[2])):
    assert client.get("/healthz").status_code == 200
if sys.argv[3] == "scrape":
    sys.stdin.readline()  # the other writer has finished
    sys.stdout.write(client.get("/metrics").get_data(as_text=True))
"""


def _env(metrics_dir, database_url) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROMETHEUS")}
    return {**env, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), "PYTHONPATH": str(ROOT),
            "DATABASE_URL": database_url, "SECRET_KEY": "m" * 40,
            "DATA_KEYS": new_data_key("m1"), "LOG_LEVEL": "WARNING"}


def _writer(metrics_dir, database_url, count, then="") -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "-c", WRITER, database_url, str(count), then], cwd=ROOT,
        env=_env(metrics_dir, database_url), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True)


def test_two_processes_counts_are_summed(tmp_path, database_url):
    """Two processes count into one folder at once; the second answers the scrape, when
    the first has finished, with the sum of both."""
    first = _writer(tmp_path, database_url, 3)
    second = _writer(tmp_path, database_url, 5, "scrape")
    first.communicate(timeout=60)
    assert first.returncode == 0
    text, _ = second.communicate("go\n", timeout=60)
    assert second.returncode == 0
    pids = {first.pid, second.pid}
    assert {int(p.stem.rpartition("_")[2]) for p in tmp_path.glob("counter_*.db")} >= pids
    found = _samples(text)
    healthz = (("endpoint", "ops.healthz"), ("method", "GET"), ("status", "200"))
    assert found[("grants_requests_total", healthz)] == 8
    assert found[("grants_request_seconds_count", (("endpoint", "ops.healthz"),))] == 8
    assert ("grants_outbox_depth", ()) in found  # read by the process that answered


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as r:  # noqa: S310 (a loopback URL)
        return r.status, r.read().decode()


def test_gunicorn_with_two_workers_sums_their_counts(tmp_path, database_url):
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "counter_999999.db").write_bytes(b"stale")  # a former run's: emptied
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = (tmp_path / "stderr").open("w")
    server = subprocess.Popen(  # noqa: S603 (gunicorn from our own environment)
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "-w", "2",
         "-b", f"127.0.0.1:{port}", "grants:create_app()"],
        cwd=ROOT, env={**_env(metrics_dir, database_url), "LOG_FORMAT": "json",
                       "LOG_LEVEL": "DEBUG"},
        stdout=subprocess.DEVNULL, stderr=log)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(base + "/healthz")
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        status, before = _get(base + "/metrics")
        for _ in range(40):
            assert _get(base + "/healthz") == (200, "ok")
        status, after = _get(base + "/metrics")
    finally:
        server.terminate()
        server.wait(30)
        log.close()
    assert status == 200
    healthz = ("grants_requests_total",
               (("endpoint", "ops.healthz"), ("method", "GET"), ("status", "200")))
    assert _samples(after)[healthz] - _samples(before)[healthz] == 40
    assert not (metrics_dir / "counter_999999.db").exists()
    assert len(list(metrics_dir.glob("counter_*.db"))) >= 2  # one file per worker
    # gunicorn's own lines and the workers' are JSON alike, each written once.
    lines = [json.loads(line) for line in (tmp_path / "stderr").read_text().splitlines()]
    assert any(line["logger"] == "gunicorn.error" and line["msg"].startswith("Booting worker")
               for line in lines)
    probes = [line for line in lines if line["logger"] == "grants.access"]
    assert [p["endpoint"] for p in probes].count("ops.metrics") == 2
    assert [p["endpoint"] for p in probes].count("ops.healthz") >= 40 + 1  # and the wait's
    assert len({p["request_id"] for p in probes}) == len(probes)


def test_an_unexpected_error_is_counted_with_its_endpoint(app, client):
    def boom():
        raise RuntimeError("broken")

    boom._public = True
    labels = {"endpoint": "ops.healthz", "method": "GET", "status": "500"}
    before = _value("grants_requests_total", **labels)
    original = app.view_functions["ops.healthz"]
    app.view_functions["ops.healthz"] = boom
    try:
        r = client.get("/healthz")
    finally:
        app.view_functions["ops.healthz"] = original
    assert r.status_code == 500 and len(r.headers["X-Request-ID"]) == 32
    assert _value("grants_requests_total", **labels) == before + 1
