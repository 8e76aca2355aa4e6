"""Named rate limits checked explicitly by services (login, 2FA, registration).

They share Flask-Limiter's storage: in memory for the embedded setup, Redis when REDIS_URL
is set, so that several workers or hosts count together.
"""

from __future__ import annotations

import hashlib

from flask import current_app
from limits import parse

from grants.errors import N_
from grants.extensions import limiter


class RateLimited(Exception):
    """Too many attempts; the message is safe to show."""


def check(scope: str, key: str, limit: str) -> None:
    """Count one attempt for `key` under `scope`; raise RateLimited past `limit`.

    Keys are hashed so that user names never sit in the limiter's storage in clear.
    """
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    if not limiter.limiter.hit(parse(limit), "grants", scope, digest):
        raise RateLimited(N_("Too many attempts. Please wait a few minutes and try again."))


def reset() -> None:
    """Forget every count (tests, and an admin after an incident)."""
    limiter.reset()
