"""The portal's Prometheus metrics (the official client). The modules that count import
their metric from here; grants/ops/ exposes them."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

REQUESTS = Counter(
    "grants_requests", "Requests answered, by endpoint and status.",
    ["endpoint", "method", "status"],
)
LATENCY = Histogram(
    "grants_request_seconds", "Time to answer a request, by endpoint.", ["endpoint"],
)
RATELIMIT_FALLBACKS = Counter(
    "grants_ratelimit_fallbacks",
    "Rate-limit checks counted in the process's memory because the shared store (Redis) "
    "did not answer.",
)
JOB_FAILURES = Counter(
    "grants_job_failures", "Job attempts that failed, by kind (retried or not).", ["kind"],
)
