"""Load one page with wrk from a second process and read its figures."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

LUA = Path(__file__).with_name("wrk.lua")


def wrk(port: int, path: str, *, cookie: str = "", method: str = "GET", body: str = "",
        headers: dict | None = None, seconds: int = 10, connections: int = 8,
        threads: int = 2) -> dict:
    """requests/s, p50/p95/p99 latency (ms) and errors for `path`, over `seconds`."""
    env = dict(os.environ, BENCH_METHOD=method, BENCH_BODY=body, BENCH_COOKIE=cookie,
               BENCH_HEADERS="|".join(f"{k}: {v}" for k, v in (headers or {}).items()))
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s",
           "-s", str(LUA), f"http://127.0.0.1:{port}{path}"]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout  # noqa: S603
    line = next(x for x in out.splitlines() if x.startswith("BENCH_JSON "))
    raw = json.loads(line[len("BENCH_JSON "):])
    seconds_run = raw["duration_us"] / 1e6
    errors = sum(v for k, v in raw.items() if k.startswith("errors_"))
    done = raw["requests"] > 0  # none finished: no latency to give (see single_request_ms)
    return {"requests": raw["requests"], "rps": round(raw["requests"] / seconds_run, 1),
            "p50_ms": raw["p50_us"] / 1000 if done else None,
            "p95_ms": raw["p95_us"] / 1000 if done else None,
            "p99_ms": raw["p99_us"] / 1000 if done else None,
            "max_ms": raw["max_us"] / 1000 if done else None,
            "errors": errors, "non_2xx_3xx": raw["errors_status"],
            "bytes_per_request": round(raw["bytes"] / max(raw["requests"], 1))}
