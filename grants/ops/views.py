"""The routes a load balancer, an orchestrator and Prometheus ask: /healthz (the process
is up; touches nothing), /readyz (the database and Redis answer) and /metrics (this host or
the bearer of METRICS_TOKEN only; a 404 for anyone else). Public, GET only, no session."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, request

from grants.ops import exposition, health
from grants.web import public

bp = Blueprint("ops", __name__)


@bp.route("/healthz")
@public
def healthz():
    return Response("ok", mimetype="text/plain")


@bp.route("/readyz")
@public
def readyz():
    failed = health.failures(current_app)
    if failed:
        return {"status": "unavailable", "failed": failed}, 503
    return {"status": "ok"}


@bp.route("/metrics")
@public
def metrics():
    if not exposition.may_read(request, current_app.config):
        abort(404)  # not advertised: the same page as any unknown address
    body, content_type = exposition.scrape(current_app, request.headers.get("Accept"))
    return Response(body, content_type=content_type)
