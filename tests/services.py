"""Real parts for the tests of the job worker and the production run: a portal database of
the test's own (committed, unlike the suite's rolled-back one), an SMTP relay that can be
down, slow, blocked or up (aiosmtpd), and processes started as an operator would start
them (the job worker, gunicorn) with the settings in their environment."""

from __future__ import annotations

import asyncio
import email
import os
import socket
import subprocess  # nosec B404  the tests start the portal's own processes
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from grants import ROOT, create_app
from grants.config import new_data_key
from grants.extensions import db

PG_BASE = os.environ.get("TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_answers() -> bool:
    try:
        engine = sa.create_engine(_pg(PG_BASE), connect_args={"connect_timeout": 2})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except sa.exc.OperationalError:
        return False


def _pg(url: str) -> str:
    from grants import config

    return config.database_url(url)


@contextmanager
def fresh_database(kind: str, tmp_path: Path):
    """The URL of an empty database of `kind` ("sqlite" or "postgresql"), dropped after."""
    if kind == "sqlite":
        yield "sqlite:///" + str(tmp_path / "portal.sqlite3")
        return
    if not postgres_answers():
        pytest.skip("PostgreSQL does not answer on 127.0.0.1:5432")
    base = sa.engine.make_url(_pg(PG_BASE))
    name = f"jobs_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name})
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


class Portal:
    """One configuration, used both by the test's own app and by the processes it starts."""

    def __init__(self, database_url: str, tmp_path: Path, **settings: str):
        self.tmp_path = tmp_path
        self.env = {
            "GRANTS_ENV": "development",
            "DATABASE_URL": database_url,
            "SECRET_KEY": "jobs-test-secret-key-long-enough-0123456789",
            "DATA_KEYS": new_data_key("j1"),
            "JOBS_BROKER_URL": "sqlite:///" + str(tmp_path / "jobs.sqlite3"),
            "JOBS_RETRY_SECONDS": "1",
            "JOBS_LEASE_SECONDS": "3",
            "MAIL_BACKEND": "smtp",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_STARTTLS": "0",
            "MAIL_FROM": "portal@example.org",
            "PORTAL_URL": "http://127.0.0.1:5000/",
            "ARGON2_TIME_COST": "1",
            "RATELIMIT_ENABLED": "0",
            **settings,
        }
        self.app = None
        self.processes: list[subprocess.Popen] = []

    def build(self):
        """Migrate the database and return an app on it (settings as the processes')."""
        saved = {k: os.environ.get(k) for k in self.env}
        os.environ.update(self.env)
        try:
            self.app = create_app({"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 1024,
                                   "ARGON2_PARALLELISM": 1})
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        with self.app.app_context():
            flask_migrate.upgrade()
        return self.app

    def start(self, *args: str, log: str = "process") -> subprocess.Popen:
        """Start `python -m <args>` with the portal's settings in its environment."""
        env = {**os.environ, **self.env, "PYTHONUNBUFFERED": "1"}
        with open(self.tmp_path / f"{log}.log", "ab") as out:  # the child keeps its own copy
            proc = subprocess.Popen(  # noqa: S603  # nosec B603  our own modules
                [sys.executable, "-m", *args], cwd=ROOT, env=env, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append(proc)
        return proc

    def worker(self, *extra: str, log: str = "worker") -> subprocess.Popen:
        return self.start("flask", "--app", "grants", "worker", "--threads", "2", *extra,
                          log=log)

    def web(self, port: int, workers: int = 2, *extra: str, log: str = "web") -> subprocess.Popen:
        """gunicorn serving the portal on 127.0.0.1:`port`, as README's "Running it in
        production" starts it (options on the command line; a gunicorn.conf.py in the
        project's folder is read as it would be on a host)."""
        return self.start("gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}", *extra,
                          "grants:create_app()", log=log)

    def log(self, name: str) -> str:
        path = self.tmp_path / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop_all(self) -> None:
        for proc in self.processes:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)
        if self.app is not None:
            with self.app.app_context():
                db.session.remove()
                db.engine.dispose()


class Relay:
    """An SMTP server on a port of its own that the test turns down, slow, blocked or up.
    It keeps only the messages it acknowledged (250), as a real relay would."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.accepted: list[email.message.Message] = []
        self.delay = 0.0
        self.hold = threading.Event()
        self.hold.set()  # set: answer at once; cleared: wait, then refuse (451)
        self.arrived = threading.Event()  # a message's data arrived (answered or not)
        self._controller = None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802  aiosmtpd's name
        self.arrived.set()
        if not self.hold.is_set():
            loop = asyncio.get_running_loop()
            released = await loop.run_in_executor(None, self.hold.wait, 30)
            if not released or self.refuse_after_hold:
                return "451 Try again later"
        if self.delay:
            await asyncio.sleep(self.delay)
        self.accepted.append(email.message_from_bytes(envelope.content))
        return "250 OK"

    refuse_after_hold = True

    def up(self) -> Relay:
        if self._controller is None:
            self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
            self._controller.start()
        return self

    def down(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def message_ids(self) -> list[str]:
        return [m["Message-ID"] for m in self.accepted]


def wait_for(predicate, timeout: float = 30.0, every: float = 0.1, what: str = "") -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what or predicate}")
