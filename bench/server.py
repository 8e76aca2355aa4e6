"""gunicorn serving the bench app on 127.0.0.1 on a free port, for the length of a `with`."""

from __future__ import annotations

import http.client
import signal
import socket
import subprocess
import time
from contextlib import contextmanager

from bench.config import ROOT, VENV_BIN, env_for


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ready(port: int, path: str, headers: dict) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", path, headers=headers)
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


def wait_ready(proc: subprocess.Popen, port: int, path: str = "/_bench/bare",
               headers: dict | None = None, timeout: float = 120) -> None:
    """Wait until the server `proc` answers 200 at `path` (it boots its workers and imports
    the app first); RuntimeError if it exits or takes longer than `timeout` seconds.
    The production run test (tests/test_production_run.py) waits on the portal with it."""
    deadline = time.monotonic() + timeout
    while not _ready(port, path, headers or {}):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("gunicorn did not start")
        time.sleep(0.25)


@contextmanager
def gunicorn(url: str, workers: int = 4, settings: dict | None = None):
    """Serve with production settings (DEBUG off, fixed keys, rate limits off), and any
    further `settings` in the environment (bench/jobs.py: the mail relay and the queue)."""
    port = free_port()
    cmd = [str(VENV_BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}",
           "--log-level", "warning", "bench.app.wsgi:create_bench_app()"]
    env = {**env_for(url, production=True), **(settings or {})}
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)  # noqa: S603
    try:
        wait_ready(proc, port)
        yield port
    finally:
        proc.send_signal(signal.SIGINT)  # quick shutdown: drop what the load left queued
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
