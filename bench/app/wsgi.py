"""The app gunicorn serves in the benchmark: the portal as configured by the environment
(production settings), with the bench's bare route and rate limits off.

    gunicorn -w 4 'bench.app.wsgi:create_bench_app()'
"""

from __future__ import annotations

from grants import create_app


def create_bench_app():
    # Many requests from one address and one account are the point of a load test.
    return create_app({"BENCH": True, "RATELIMIT_ENABLED": False})
