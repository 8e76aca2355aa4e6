"""Named rate limits checked explicitly by services (login, 2FA, registration).

They count in Flask-Limiter's kind of storage (the `limits` library): in memory for the
embedded setup, Redis when REDIS_URL is set, so that several workers or hosts count
together. When Redis does not answer, each process counts in its own memory instead, so
log-in keeps working and is still limited (per worker rather than across them); Redis is
tried again every RATELIMIT_STORAGE_RETRY_SECONDS and used again as soon as it answers.

Flask-Limiter's own in-memory fallback (RATELIMIT_IN_MEMORY_FALLBACK_ENABLED) does not
cover these checks: it notices a dead storage, and looks for its return, only while
applying the limits of decorated routes, and it keeps one storage for the whole process
(the last app's). So the fallback is here, per app: `Store`.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
import time
import weakref
from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app, has_app_context
from limits import parse
from limits.errors import StorageError
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import STRATEGIES
from redis.backoff import NoBackoff
from redis.retry import Retry

from grants.errors import N_
from grants.ops.metrics import RATELIMIT_FALLBACKS

log = logging.getLogger(__name__)

T = TypeVar("T")

# Redis on the same network answers in a millisecond; one that does not answer within
# these costs a request at most about 0.4 s (one retry for a connection that went stale),
# and only the request that tries it again, once per RETRY_SECONDS, while it is down.
REDIS_OPTIONS = {"socket_connect_timeout": 0.2, "socket_timeout": 0.2,
                 "retry": Retry(NoBackoff(), 1)}
RETRY_SECONDS = 5.0

_STORES: weakref.WeakSet[Store] = weakref.WeakSet()


class RateLimited(Exception):
    """Too many attempts; the message is safe to show."""


class Store:
    """The shared storage (Redis), or this process's memory while it does not answer.

    A warning is logged when it stops answering and another when it answers again, not
    one per request; each operation done in memory meanwhile counts in RATELIMIT_FALLBACKS.
    Never logged: keys, user names, the storage's address (it may hold a password).
    """

    def __init__(self, uri: str, options: dict | None = None,
                 retry_seconds: float = RETRY_SECONDS) -> None:
        self.memory = MemoryStorage()
        self.shared: Storage | None = None
        if not uri.startswith("memory"):
            self.shared = storage_from_string(uri, wrap_exceptions=True, **(options or {}))
        self.retry_seconds = retry_seconds
        self._down = False
        self._next_try = 0.0
        self._lock = threading.Lock()
        _STORES.add(self)

    @property
    def down(self) -> bool:
        return self._down

    def run(self, operation: Callable[[Storage], T]) -> T:
        """`operation(storage)` on the shared storage, or in memory while it is down."""
        if self.shared is None:
            return operation(self.memory)
        if self._should_try():
            try:
                result = operation(self.shared)
            except StorageError as exc:
                self._went_down(exc)
            else:
                self._answered()
                return result
        RATELIMIT_FALLBACKS.inc()
        return operation(self.memory)

    def _should_try(self) -> bool:
        if not self._down:
            return True
        with self._lock:  # while down, one request at a time tries it again
            now = time.monotonic()
            if now < self._next_try:
                return False
            self._next_try = now + self.retry_seconds
            return True

    def _went_down(self, exc: StorageError) -> None:
        with self._lock:
            self._next_try = time.monotonic() + self.retry_seconds
            if self._down:
                return
            self._down = True
        cause = type(exc.storage_error).__name__  # the type only: no address, no key
        log.warning("rate limits: the shared storage does not answer (%s); counting in this "
                    "process's memory, trying it again every %g s", cause,
                    self.retry_seconds)

    def _answered(self) -> None:
        if not self._down:
            return
        with self._lock:
            was_down, self._down = self._down, False
        if was_down:
            log.warning("rate limits: the shared storage answers again; counting there")

    def reset(self) -> None:
        self.memory.reset()
        if self.shared is not None:
            # Not answering: its counts end with their windows, as they would anyway.
            with contextlib.suppress(StorageError):
                self.shared.reset()


def init_app(app: Flask) -> None:
    """The app's store, from RATELIMIT_STORAGE_URI (REDIS_URL, else memory) and
    RATELIMIT_STORAGE_OPTIONS (short timeouts for Redis unless given)."""
    uri = app.config["RATELIMIT_STORAGE_URI"]
    options = app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {})
    if uri.startswith(("redis", "valkey")):
        for name, value in REDIS_OPTIONS.items():
            options.setdefault(name, value)
    app.extensions["grants.ratelimit"] = Store(
        uri, options, app.config.get("RATELIMIT_STORAGE_RETRY_SECONDS", RETRY_SECONDS))


def store() -> Store:
    """The current app's store (the rate limits', also used by grants.auth.webauthn)."""
    return current_app.extensions["grants.ratelimit"]


def check(scope: str, key: str, limit: str) -> None:
    """Count one attempt for `key` under `scope`; raise RateLimited past `limit`.

    Keys are hashed so that user names never sit in the limiter's storage in clear.
    """
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    strategy = STRATEGIES[current_app.config.get("RATELIMIT_STRATEGY") or "fixed-window"]
    if not store().run(lambda storage: strategy(storage).hit(
            parse(limit), "grants", scope, digest)):
        raise RateLimited(N_("Too many attempts. Please wait a few minutes and try again."))


def reset() -> None:
    """Forget every count (tests, and an admin after an incident): the current app's, or
    outside an app every store this process made."""
    for each in [store()] if has_app_context() else list(_STORES):
        each.reset()
