"""With REDIS_URL set, every worker counts against the same limits.

Two separate processes (as two gunicorn workers would be) each build the app with REDIS_URL
and count attempts for one key: the second process is refused once the shared count passes
the limit. Skipped when no Redis answers on 127.0.0.1:6379 (CI has one).
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys

import pytest

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

WORKER = """
import sys
from grants import create_app
from grants.config import new_data_key
from grants.security import ratelimit

app = create_app({"SECRET_KEY": "x" * 40, "DATA_KEYS": new_data_key("w1"),
                  "SQLALCHEMY_DATABASE_URI": "sqlite://", "REDIS_URL": sys.argv[1]})
assert app.config["RATELIMIT_STORAGE_URI"] == sys.argv[1]
allowed = 0
with app.app_context():
    for _ in range(int(sys.argv[3])):
        try:
            ratelimit.check("test-shared", sys.argv[2], "5 per minute")
            allowed += 1
        except ratelimit.RateLimited:
            pass
print(allowed)
"""


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")
def test_two_workers_share_the_counts_in_redis():
    key = "user-" + secrets.token_hex(8)

    def worker(attempts: int) -> int:
        out = subprocess.run(  # noqa: S603 (our own interpreter and script)
            [sys.executable, "-c", WORKER, REDIS_URL, key, str(attempts)],
            capture_output=True, text=True, timeout=60, check=True)
        return int(out.stdout.strip().splitlines()[-1])

    assert worker(3) == 3  # the first worker: 3 of 5 used
    assert worker(4) == 2  # the second worker may only use the 2 left
