"""What every request leaves behind: an id (taken from X-Request-ID when it is a short safe
token, else made here, and sent back in the same header), its count and duration in the
metrics, and one access-log line.

The line and the metrics name the request by its route's endpoint ("applications.show"),
never by its path, which carries ids; never the query string, the user, an address or what
was sent.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, g, request

from grants.ops import logs
from grants.ops.metrics import LATENCY, REQUESTS

REQUEST_ID = re.compile(r"[A-Za-z0-9-]{8,64}")
HEADER = "X-Request-ID"
# Any other method a client invents is counted as "other": a label holds few values.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Probes and scrapes come every few seconds: their lines are written at DEBUG.
QUIET = frozenset({"ops.healthz", "ops.readyz", "ops.metrics"})

access = logging.getLogger("grants.access")


def request_id(given: str | None) -> str:
    """The caller's id if it is a short safe token, else a new one."""
    return given if given and REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def _begin() -> None:
    g.request_started = time.perf_counter()
    g.request_id = request_id(request.headers.get(HEADER))


def _finish(response):
    started = g.get("request_started")
    seconds = time.perf_counter() - started if started is not None else 0.0
    endpoint = request.endpoint or "none"
    method = request.method if request.method in METHODS else "other"
    status = response.status_code
    REQUESTS.labels(endpoint=endpoint, method=method, status=str(status)).inc()
    LATENCY.labels(endpoint=endpoint).observe(seconds)
    rid = g.get("request_id") or request_id(None)
    response.headers[HEADER] = rid
    ms = round(seconds * 1000, 1)
    access.log(logging.DEBUG if endpoint in QUIET else logging.INFO,
               "%s %s %s %.1f ms", method, endpoint, status, ms,
               extra={"method": method, "endpoint": endpoint, "status": status,
                      "duration_ms": ms})
    return response


def init_app(app: Flask) -> None:
    """Called before any other hook is registered: the id and the clock start first, and
    the count and the line are taken last, after every other after_request hook."""
    from flask.logging import default_handler

    logs.configure(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])
    app.logger.removeHandler(default_handler)  # the root's handler writes the app's lines
    app.before_request(_begin)
    app.after_request(_finish)
