"""Is this process ready for traffic: the database answers a `SELECT 1`, and Redis a PING
when REDIS_URL is set. A failure is named by its part only: no address, no error text."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Flask

from grants.extensions import db

log = logging.getLogger(__name__)

# Seconds a check may wait on Redis before the part counts as failed.
REDIS_TIMEOUT = 2.0


def failures(app: Flask) -> list[str]:
    """The parts that did not answer: [] when ready, else "database" and/or "redis"."""
    failed = []
    if not _answers("database", _database):
        failed.append("database")
    url = app.config.get("REDIS_URL")
    if url and not _answers("redis", lambda: _redis(app, url).ping()):
        failed.append("redis")
    return failed


def _answers(part: str, check) -> bool:
    try:
        check()
    except Exception as exc:  # whatever the driver raises, the part is not ready
        log.warning("readiness: %s did not answer (%s)", part, type(exc).__name__)
        return False
    return True


def _database() -> None:
    try:
        db.session.execute(sa.text("SELECT 1"))
    finally:
        db.session.rollback()


def _redis(app: Flask, url: str):
    """One client per app and URL, made at the first check (in the worker, after a fork)."""
    import redis

    kept = app.extensions.get("grants.ops.redis")
    if kept is None or kept[0] != url:
        client = redis.Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT,
                                      socket_timeout=REDIS_TIMEOUT)
        kept = app.extensions["grants.ops.redis"] = (url, client)
    return kept[1]
