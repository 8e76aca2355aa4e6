"""What /metrics shows and to whom.

The counters and histograms of grants/ops/metrics.py; in multiprocess mode
(PROMETHEUS_MULTIPROC_DIR set before prometheus_client is imported, as gunicorn.conf.py
explains) the sum of every worker's files. Beside them, read from the database at each
scrape by whichever worker answers: the outbox's depth, the age of its oldest waiting item,
the jobs failed past their retries, and the age of the freshest job-worker heartbeat.

Only a caller with `Authorization: Bearer <METRICS_TOKEN>` (when set) or one on this host
(a loopback address, not forwarded by a proxy) may read it; anyone else gets a 404.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
from contextlib import nullcontext
from datetime import UTC

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector

from grants.extensions import db
from grants.jobs import outbox
from grants.models import WorkerBeat
from grants.models.types import utcnow

log = logging.getLogger(__name__)

# Headers a proxy in front adds: a request carrying one came through it, not from this host.
PROXIED = ("Forwarded", "X-Real-IP")


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


class StateCollector:
    """The outbox's and the workers' state, read in an app context at scrape time."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self):
        # In the scrape's own request its context (and the request id in its logs) serves.
        ours = has_app_context() and current_app._get_current_object() is self.app
        with nullcontext() if ours else self.app.app_context():
            try:
                now = utcnow()
                stats = outbox.stats(now)
                seen = db.session.scalar(sa.select(sa.func.max(WorkerBeat.seen_at)))
            except Exception as exc:  # a scrape still shows the request metrics
                log.warning("metrics: the outbox could not be read (%s)", type(exc).__name__)
                return
            finally:
                db.session.rollback()
        yield GaugeMetricFamily("grants_outbox_depth", "Outbox items waiting or running.",
                                value=stats["depth"])
        yield GaugeMetricFamily("grants_outbox_oldest_age_seconds",
                                "Age of the oldest outbox item waiting or running (0: none).",
                                value=stats["oldest_age_seconds"])
        yield GaugeMetricFamily("grants_jobs_failed",
                                "Outbox items failed past their retries, not yet retried "
                                "or discarded.", value=stats["failed"])
        if seen is not None:  # no worker ever started: no sample (alert on its absence)
            if seen.tzinfo is None:  # an aggregate skips the column type
                seen = seen.replace(tzinfo=UTC)
            yield GaugeMetricFamily("grants_worker_heartbeat_age_seconds",
                                    "Seconds since the freshest job-worker heartbeat.",
                                    value=max((now - seen).total_seconds(), 0.0))


class _ThisProcess:
    """The default registry's metrics (this process's counters, its CPU and memory)."""

    def collect(self):
        yield from REGISTRY.collect()


def registry(app: Flask) -> CollectorRegistry:
    found = CollectorRegistry()
    path = multiprocess_dir()
    if path:
        MultiProcessCollector(found, path=path)
    else:
        found.register(_ThisProcess())
    found.register(StateCollector(app))
    return found


def scrape(app: Flask, accept: str | None) -> tuple[bytes, str]:
    """The exposition in the format the scraper asked for, and its content type."""
    encode, content_type = choose_encoder(accept or "")
    return encode(registry(app)), content_type


def may_read(request, config) -> bool:
    token = config.get("METRICS_TOKEN")
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(),
                                                              token.encode()):
            return True
    return _from_this_host(request, config)


def _from_this_host(request, config) -> bool:
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:  # a Unix socket gives no address
        return False
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    if not address.is_loopback:
        return False
    # A proxy on this host makes every request come from loopback. With TRUSTED_PROXIES,
    # ProxyFix has put the client's address in place of the proxy's from X-Forwarded-For;
    # without it, a forwarded request is not this host's own.
    if any(h in request.headers for h in PROXIED):
        return False
    return "X-Forwarded-For" not in request.headers or bool(config.get("TRUSTED_PROXIES"))
