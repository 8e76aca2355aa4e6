"""The outbox's two figures (`python -m bench.run --only jobs`; also at the end of `make bench`).

1. An officer's message posted over HTTP (gunicorn, production settings, a real log-in) while
   the SMTP relay is down (nothing listens), slow (each message answered after 5 s) and up.
   The post writes an outbox row and the worker sends later, so the three should take the
   same time. Measured on a copy of the bench database (the posts would otherwise grow a
   thread that the next run reuses), with a job worker beside gunicorn, so that the outbox
   drains and the bench can say how long delivery took.
2. Notices delivered per second by one worker process (`flask --app grants worker
   --threads N`): NOTICES rows written into the outbox of an empty database first (and
   handed to the queue, as a commit does), a relay answering at once, then the time from the
   worker's start until every row is done. SQLite with its SQLite file queue; PostgreSQL
   with Redis as the broker (when both answer).
"""

from __future__ import annotations

import os
import resource
import sqlite3
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from bench import config
from bench.client import Client
from bench.inproc import make_app
from bench.pages import OFFICER
from bench.relay import Relay
from bench.server import gunicorn

POSTS = int(os.environ.get("BENCH_JOB_POSTS", "50"))  # timed in each state of the relay
WARM_UP = 8  # posts before the measure: every gunicorn worker has compiled its templates
SLOW_SECONDS = 5.0  # the slow relay's answer to each message
POST_WORKER_THREADS = 4  # the worker beside gunicorn while posting
NOTICES = int(os.environ.get("BENCH_JOB_NOTICES", "2000"))
BATCH = 200  # notices committed together while filling the outbox
THREADS = (1, 4)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


def settings(relay: Relay, broker: str, queue: str) -> dict[str, str]:
    """What gunicorn and the worker get beside the bench's own settings."""
    return {"MAIL_BACKEND": "smtp", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(relay.port),
            "SMTP_STARTTLS": "0", "MAIL_FROM": "portal@example.org",
            "PORTAL_URL": "https://portal.example.org/",
            "JOBS_BROKER_URL": broker, "JOBS_QUEUE_NAME": queue,
            # A notice refused while the relay is down is tried again after 1 s (then 2,
            # 4...) rather than 30 s: the bench waits for the outbox to drain.
            "JOBS_RETRY_SECONDS": "1"}


def _app(url: str, env: dict[str, str]):
    """The runner's own app on the database, writing to the same queue."""
    return make_app(url, JOBS_BROKER_URL=env["JOBS_BROKER_URL"],
                    JOBS_QUEUE_NAME=env["JOBS_QUEUE_NAME"], PORTAL_URL=env["PORTAL_URL"])


def _dispose(app) -> None:
    from grants.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


# Databases and queues of the measure's own ------------------------------------------------


def redis_answers() -> bool:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.RedisError:
        return False
    return True


@contextmanager
def queue_of_its_own(kind: str, folder: Path):
    """(broker URL, queue name) of a queue nobody else uses; its keys removed after."""
    name = f"benchjobs{uuid.uuid4().hex[:10]}"  # Huey keeps only [a-z0-9] of a Redis name
    if kind != "redis":
        yield "sqlite:///" + str(folder / f"{name}.sqlite3"), name
        return
    import redis

    try:
        yield REDIS_URL, name
    finally:
        r = redis.Redis.from_url(REDIS_URL)
        for key in r.scan_iter(f"huey.*{name}*"):
            r.delete(key)


@contextmanager
def postgres_database(url: str, copy: bool = False):
    """A new database on `url`'s server, empty or (`copy`) a copy of `url`'s; dropped after.
    A copy needs nobody connected to the original (the runner disposes its own engines)."""
    from grants.config import database_url

    base = sa.engine.make_url(database_url(url))
    name = f"{base.database}_jobs_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    quote = admin.dialect.identifier_preparer.quote
    try:
        with admin.connect() as conn:
            source = ""
            if copy:  # FILE_COPY (PostgreSQL 15+): copies the files, not block by block via WAL
                newer = conn.scalar(sa.text("SHOW server_version_num")) >= "150000"
                source = f" TEMPLATE {quote(base.database)}" + (
                    " STRATEGY FILE_COPY" if newer else "")
            conn.execute(sa.text(f"CREATE DATABASE {quote(name)}{source}"))
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                 "WHERE datname = :n"), {"n": name})
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {quote(name)}"))
        admin.dispose()


@contextmanager
def copy_of(url: str, folder: Path):
    """A copy of the bench database at `url`, gone after."""
    if not url.startswith("sqlite:///"):
        with postgres_database(url, copy=True) as copied:
            yield copied
        return
    target = folder / "posts.sqlite3"
    with closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as src, \
            closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
    yield "sqlite:///" + str(target)


@contextmanager
def empty_database(kind: str, folder: Path):
    """A migrated database with nothing in it, gone after."""

    @contextmanager
    def sqlite():
        yield "sqlite:///" + str(folder / "delivery.sqlite3")

    with (postgres_database(config.POSTGRES_URL) if kind == "postgresql" else sqlite()) as url:
        subprocess.run([str(config.VENV_BIN / "flask"), "--app", "grants", "db", "upgrade"],  # noqa: S603
                       cwd=config.ROOT, env=config.env_for(url), capture_output=True, check=True)
        yield url


@contextmanager
def job_worker(url: str, env: dict[str, str], threads: int, log: Path, *extra: str):
    """`flask --app grants worker` as an operator starts it, production settings; stopped
    (SIGTERM: it finishes the jobs under way) at the end of the `with`."""
    cmd = [str(config.VENV_BIN / "flask"), "--app", "grants", "worker",
           "--threads", str(threads), *extra]
    with open(log, "ab") as out:  # the child keeps its own copy of the file
        proc = subprocess.Popen(cmd, cwd=config.ROOT,  # noqa: S603  our own command
                                env={**config.env_for(url, production=True), **env},
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# The outbox as the runner sees it -----------------------------------------------------------


def _last_id(app) -> int:
    from grants.extensions import db
    from grants.models import OutboxItem

    with app.app_context():
        return db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(OutboxItem.id), 0)))


def _notices(app, after: int, *statuses) -> int:
    """Notice rows written after row `after`, in one of `statuses`."""
    from grants.extensions import db
    from grants.models import OutboxItem

    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).where(
            OutboxItem.kind == "notice", OutboxItem.id > after, OutboxItem.status.in_(statuses)))


def _finished_at(app, after: int) -> list[datetime]:
    from grants.extensions import db
    from grants.models import JobStatus, OutboxItem

    with app.app_context():
        return list(db.session.scalars(sa.select(OutboxItem.finished_at).where(
            OutboxItem.kind == "notice", OutboxItem.id > after,
            OutboxItem.status == JobStatus.DONE)))


def _wait(done: Callable[[], bool], timeout: float, proc: subprocess.Popen, what: str,
          every: float = 0.2) -> float:
    """Seconds until `done()`; fails if the worker stops or `timeout` passes."""
    started = time.perf_counter()
    while not done():
        if proc.poll() is not None:
            raise RuntimeError(f"the job worker stopped (exit {proc.returncode}) {what}")
        if time.perf_counter() - started > timeout:
            raise RuntimeError(f"timed out after {timeout:.0f} s {what}")
        time.sleep(every)
    return time.perf_counter() - started


def _drained(app, after: int, proc: subprocess.Popen, timeout: float, what: str) -> float:
    from grants.jobs.outbox import WAITING

    return _wait(lambda: _notices(app, after, *WAITING) == 0, timeout, proc, what)


# 1. The post's time with the relay down, slow, up -------------------------------------------


def _thread(app) -> tuple[int, int]:
    """(application id, members with an address): the first sent application the officer
    may write to whose group has a member with an address."""
    from grants.extensions import db
    from grants.models import Application, ApplicationStatus, Membership, User
    from grants.policy import Permission, can

    with app.app_context():
        officer = db.session.scalar(sa.select(User).where(User.username == OFFICER))
        with_address = sa.select(Membership.organisation_id).join(
            User, User.id == Membership.user_id).where(User.email.is_not(None))
        for application in db.session.scalars(sa.select(Application).where(
                Application.status.not_in(list(ApplicationStatus.UNSENT)),
                Application.organisation_id.in_(with_address)).order_by(Application.id)
                .limit(50)):
            if can(officer, Permission.MESSAGE_APPLICATION, application):
                members = db.session.scalar(sa.select(sa.func.count()).select_from(
                    with_address.where(
                        Membership.organisation_id == application.organisation_id).subquery()))
                return application.id, members
    raise RuntimeError("no application whose group has a member with an e-mail address: "
                       "bench data from before generation 3?")


def _post(client: Client, path: str, token: str, n: int) -> list[float]:
    """`n` messages posted one after another; each one's seconds."""
    times = []
    for i in range(n):
        started = time.perf_counter()
        status, headers, _body = client.request("POST", path, {
            "body": f"Bench message {i + 1}: is there news on the visit?", "csrf_token": token})
        times.append(time.perf_counter() - started)
        if status != 302 or "#messages" not in headers.get("Location", ""):
            raise RuntimeError(f"message post: HTTP {status}")
    return times


def _figures(times: list[float]) -> dict:
    ms = sorted(t * 1000 for t in times)
    return {"posts": len(ms), "median_ms": round(statistics.median(ms), 1),
            "p95_ms": round(statistics.quantiles(ms, n=20, method="inclusive")[18], 1),
            "max_ms": round(ms[-1], 1)}


def post_times(url: str, workers: int) -> dict:
    """The officer's post with the relay down, slow and up; how long delivery took."""
    from bench.app.commands import BENCH_PASSWORD, bench_totp_secret

    kind = "redis" if url.startswith("postgresql") and redis_answers() else "sqlite"
    with tempfile.TemporaryDirectory(dir=config.DATA, prefix="jobs-") as tmp, \
            copy_of(url, Path(tmp)) as copied, Relay() as relay, \
            queue_of_its_own(kind, Path(tmp)) as (broker, queue):
        env = settings(relay, broker, queue)
        app = _app(copied, env)
        try:
            application_id, members = _thread(app)
            out = {"broker": "Redis" if kind == "redis" else "SQLite file",
                   "members_with_address": members, "worker_threads": POST_WORKER_THREADS,
                   "slow_relay_seconds": SLOW_SECONDS}
            with gunicorn(copied, workers, env) as port, job_worker(
                    copied, env, POST_WORKER_THREADS, Path(tmp) / "worker.log",
                    "--no-periodic") as proc:
                out.update(_relay_states(app, relay, proc, port, application_id,
                                         lambda client: client.login(
                                             OFFICER, BENCH_PASSWORD, bench_totp_secret(OFFICER))))
            out["notices_accepted"], out["duplicates"] = relay.accepted, relay.duplicates()
            return out
        finally:
            _dispose(app)


def _relay_states(app, relay: Relay, proc, port: int, application_id: int, login) -> dict:
    client = Client(port)
    login(client)
    path = f"/applications/{application_id}/messages"
    token = client.csrf(f"/applications/{application_id}")
    relay.up()
    start = _last_id(app)
    _post(client, path, token, WARM_UP)
    _drained(app, start, proc, 60, "delivering the warm-up's notices")
    out = {}
    for state, delay in (("down", None), ("slow", SLOW_SECONDS), ("up", 0.0)):
        if delay is None:
            relay.down()
        else:
            relay.up(delay)
        start = _last_id(app)
        began = time.perf_counter()
        figures = _figures(_post(client, path, token, POSTS))
        posted = time.perf_counter()
        figures["notices_written"] = _notices(app, start, *_all_statuses())
        if delay is None:
            relay.up()  # back: the refused notices go on their next try
            figures["relay_down_for_s"] = round(time.perf_counter() - began, 1)
        waited = _drained(app, start, proc, 600, f"delivering the relay-{state} notices")
        figures["delivered_s_after_last_post"] = round(
            time.perf_counter() - posted if delay is not None else waited, 1)
        out[state] = figures
        print(f"  post, relay {state:<4}  median {figures['median_ms']:7.1f} ms  p95 "
              f"{figures['p95_ms']:7.1f} ms  max {figures['max_ms']:7.1f} ms  "
              f"delivered {figures['delivered_s_after_last_post']:6.1f} s after",
              flush=True)
    return out


def _all_statuses():
    from grants.models import JobStatus

    return tuple(JobStatus)


# 2. Notices a second, one worker process ----------------------------------------------------


def _fill(app, user_id: int, n: int = NOTICES) -> float:
    """`n` notices for the user, committed BATCH at a time (each commit hands its rows to
    the queue); seconds it took."""
    from flask import g

    from grants import notifications
    from grants.extensions import db
    from grants.models import User

    started = time.perf_counter()
    with app.app_context():
        g.writes = True  # SQLite: take the write lock at BEGIN, as the portal's writes do
        user = db.session.get(User, user_id)
        for i in range(n):
            notifications.notify(user, "message")
            if (i + 1) % BATCH == 0 or i + 1 == n:
                db.session.commit()
    return time.perf_counter() - started


def _member(url: str) -> int:
    from flask import g

    from bench.app.commands import BENCH_PASSWORD
    from grants.auth import services
    from grants.extensions import db

    app = make_app(url)
    try:
        with app.app_context():
            g.writes = True
            user, _code = services.register("bench-jobs-member", BENCH_PASSWORD,
                                            email="member@example.org")
            db.session.commit()
            return user.id
    finally:
        _dispose(app)


def delivery_rates(kind: str, broker_kind: str) -> dict:
    """NOTICES notices through one worker process with 1 and 4 threads."""
    out = {"broker": "Redis" if broker_kind == "redis" else "SQLite file", "notices": NOTICES}
    with tempfile.TemporaryDirectory(dir=config.DATA, prefix="jobs-") as tmp, \
            empty_database(kind, Path(tmp)) as url, Relay() as relay:
        relay.up()
        user_id = _member(url)
        for threads in THREADS:
            with queue_of_its_own(broker_kind, Path(tmp)) as (broker, queue):
                env = settings(relay, broker, queue)
                app = _app(url, env)
                try:
                    out[f"threads={threads}"] = _one_run(app, url, env, relay, user_id,
                                                         threads, Path(tmp))
                finally:
                    _dispose(app)
            run = out[f"threads={threads}"]
            print(f"  delivery {kind:<10} {threads} thread(s): {run['notices_per_s']:7.1f} "
                  f"notices/s ({run['wall_s']} s from the worker's start for {NOTICES:,}; "
                  f"worker CPU {run['worker_cpu_s']} s, relay {run['relay_cpu_s']} s)",
                  flush=True)
    return out


def _one_run(app, url, env, relay: Relay, user_id: int, threads: int, tmp: Path) -> dict:
    from grants.jobs.outbox import WAITING
    from grants.models import JobStatus

    start = _last_id(app)
    fill_s = _fill(app, user_id)
    accepted = relay.accepted
    cpu, runner = _cpu(resource.RUSAGE_CHILDREN), _cpu(resource.RUSAGE_SELF)
    with job_worker(url, env, threads, tmp / f"worker-{threads}.log") as proc:
        wall = _wait(lambda: _notices(app, start, *WAITING) == 0, 1800, proc,
                     f"delivering {NOTICES} notices", every=0.1)
        runner = _cpu(resource.RUSAGE_SELF) - runner
    cpu = _cpu(resource.RUSAGE_CHILDREN) - cpu  # the worker's, counted once it has exited
    done = _finished_at(app, start)
    first, last = _utc(min(done)), _utc(max(done))
    span = (last - first).total_seconds()
    return {"threads": threads, "fill_s": round(fill_s, 1), "wall_s": round(wall, 1),
            "done": len(done), "failed": _notices(app, start, JobStatus.FAILED),
            "relay_accepted": relay.accepted - accepted,
            # first to last delivery: the rate once the worker is up
            "notices_per_s": round((len(done) - 1) / span, 1) if span else None,
            "notices_per_s_wall": round(len(done) / wall, 1),
            # CPU seconds of the worker process (its start included) and of the runner,
            # which is the relay (and a look at the outbox ten times a second)
            "worker_cpu_s": round(cpu, 1), "relay_cpu_s": round(runner, 1),
            "worker_cpu_ms_per_notice": round(cpu * 1000 / max(len(done), 1), 1)}


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _utc(moment) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# Both, for bench/run.py -----------------------------------------------------------------------


def run(databases: dict[str, str], workers: int) -> dict:
    """Both measures on each database ({"sqlite": url, "postgresql": url})."""
    results: dict = {"posts": {}, "delivery": {}, "machine_cpus": os.cpu_count(),
                     "load_average_start": os.getloadavg()}
    for name, url in databases.items():
        print(f"\n== jobs: {name}", flush=True)
        results["posts"][name] = post_times(url, workers)
        broker = "sqlite"
        if name == "postgresql":
            if not redis_answers():
                results["delivery"][name] = {"note": f"Redis does not answer at {REDIS_URL}"}
                continue
            broker = "redis"
        results["delivery"][name] = delivery_rates(name, broker)
    results["load_average_end"] = os.getloadavg()
    return results


def table(jobs: dict) -> str:
    lines = ["", f"Outbox: an officer's message post over HTTP ({POSTS} posts a state, "
             f"median / p95 ms), and notices delivered per second by one worker"]
    for name, run in jobs.get("posts", {}).items():
        if "down" not in run:
            lines.append(f"post ({name}): {run}")
            continue
        cells = "  ".join(f"{s} {run[s]['median_ms']:.1f} / {run[s]['p95_ms']:.1f}"
                          for s in ("down", "slow", "up"))
        lines.append(f"post ({name}, relay): {cells}; slow relay ({run['slow_relay_seconds']:g} s "
                     f"a message, {run['worker_threads']} threads): delivered "
                     f"{run['slow']['delivered_s_after_last_post']} s after the last post; "
                     f"{run['notices_accepted']} notices, {run['duplicates']} twice")
    for name, run in jobs.get("delivery", {}).items():
        if "note" in run:
            lines.append(f"delivery ({name}): {run['note']}")
            continue
        cells = ", ".join(f"{r['threads']} thread(s) {r['notices_per_s']} /s "
                          f"({r['wall_s']} s wall, worker CPU {r['worker_cpu_ms_per_notice']} "
                          f"ms a notice)"
                          for k, r in run.items() if k.startswith("threads="))
        lines.append(f"delivery ({name}, {run['broker']} queue, {run['notices']:,} notices): "
                     f"{cells}")
    return "\n".join(lines)


# Where a notice's time goes ---------------------------------------------------------------


def profile(kind: str = "sqlite", notices: int = 300) -> str:
    """pyinstrument's view of `notices` notices sent one after another in this process, as a
    worker thread sends them (grants.jobs.worker.run_one), the relay in a process of its own
    so that it takes nothing from the profiled one. `python -m bench.jobs [postgresql]`."""
    import socket
    import sys

    from flask import g
    from pyinstrument import Profiler

    from bench.server import free_port
    from grants.extensions import db
    from grants.jobs import worker
    from grants.models import OutboxItem

    port = free_port()
    relay = subprocess.Popen([sys.executable, "-c",  # noqa: S603  our own module
                              f"import time; from bench.relay import Relay; Relay({port}).up();"
                              " time.sleep(3600)"], cwd=config.ROOT)
    try:
        _wait(lambda: socket.socket().connect_ex(("127.0.0.1", port)) == 0, 30, relay,
              "for the relay")
        with tempfile.TemporaryDirectory(dir=config.DATA, prefix="jobs-") as tmp, \
                empty_database(kind, Path(tmp)) as url:
            user_id = _member(url)
            app = make_app(url, MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=port,
                           SMTP_STARTTLS=False, PORTAL_URL="https://portal.example.org/",
                           JOBS_BROKER_URL="memory://")
            _fill(app, user_id, notices)
            with app.app_context():
                ids = list(db.session.scalars(sa.select(OutboxItem.id)))
            profiler = Profiler(interval=0.0005)
            with app.app_context():
                g.writes = True
                profiler.start()
                started = time.perf_counter()
                states = {worker.run_one(item_id).state for item_id in ids}
                seconds = time.perf_counter() - started
                profiler.stop()
            _dispose(app)
    finally:
        relay.kill()
        relay.wait()
    head = (f"{len(ids)} notices in {seconds:.2f} s ({len(ids) / seconds:.0f}/s, one thread, "
            f"{kind}); outcomes {sorted(states)}")
    return head + "\n" + profiler.output_text(color=False, unicode=False)


if __name__ == "__main__":
    import sys

    print(profile(*sys.argv[1:2]))
