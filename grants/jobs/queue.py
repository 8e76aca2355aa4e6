"""The job queue, on Huey: its broker, its tasks, its consumer (`flask --app grants worker`).

Why Huey: one small, well-kept library (no dependencies of its own beyond redis-py, which
the portal has) that gives all three things the portal needs from a queue: a Redis broker
for workers on any number of hosts; a SQLite file as broker when there is no Redis, so
that `make run` delivers with nothing else installed; and a periodic scheduler inside the
consumer, so that no cron is needed. Celery needs a separate beat process and has no
embedded broker; RQ has no scheduler of its own and needs Redis; Dramatiq needs Redis or
RabbitMQ and a scheduler beside it.

The queue only carries "run outbox row N now"; the outbox table is the truth. A message
the queue loses (a broker restarted, an enqueue that failed after the commit) is found by
the sweep that `tick` runs every minute, which also runs the periodic jobs and says the
worker is alive.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from flask import Flask, current_app, g
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab

from grants.jobs import outbox, schedule, worker

log = logging.getLogger(__name__)
NAME = "grants"
QUEUE_PAUSE = 10.0  # seconds the queue is left alone after it did not answer


def make_huey(url: str, name: str = NAME) -> Huey:
    """The queue on the broker `url`: redis://..., sqlite:///path or memory://."""
    if url.startswith(("redis://", "rediss://", "unix://")):
        import redis

        # Short to connect: a broker that is down must not hold up the request whose
        # commit hands it a row (the read timeout stays above the consumer's 1 s wait).
        pool = redis.ConnectionPool.from_url(url, socket_timeout=5, socket_connect_timeout=0.5)
        return RedisHuey(name, connection_pool=pool, results=False)
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(name, filename=str(path), results=False)
    if url == "memory://":
        return MemoryHuey(name, results=False)
    raise ValueError("JOBS_BROKER_URL must start with redis://, sqlite:/// or be memory://")


def init_app(app: Flask) -> None:
    """The app's queue and tasks; rows committed by the app are handed to it."""
    huey = make_huey(app.config["JOBS_BROKER_URL"], app.config["JOBS_QUEUE_NAME"])

    @huey.task(name="deliver")
    def deliver(item_id: int) -> None:
        with app.app_context():
            g.writes = True  # SQLite: take the write lock at BEGIN (grants/factory.py)
            outcome = worker.run_one(item_id)
        if outcome.state == "retry":
            deliver.schedule((item_id,), delay=max(
                (outcome.retry_at - worker.utcnow()).total_seconds(), 1))

    @huey.periodic_task(crontab(minute="*"), name="tick")
    def tick() -> None:
        with app.app_context():
            g.writes = True
            worker.beat()
            schedule.plan()
            worker.sweep()
            now = worker.utcnow()
            held = worker.held(now)
        for item_id, until in held:  # a worker that died mid-job: look again at its lease end
            deliver.schedule((item_id,), delay=(until - now).total_seconds() + 0.5)

    app.extensions["grants.jobs"] = {"huey": huey, "deliver": deliver, "tick": tick}
    import grants.jobs.kinds  # noqa: F401  (fills worker.HANDLERS)

    outbox.install(_dispatch)


def _dispatch(ids: list[int]) -> None:
    """After a commit: ask the queue to run the rows now. A broker that does not answer
    costs nothing: the rows wait in the table for the next sweep, and for QUEUE_PAUSE
    seconds the queue is not asked again, so that an outage costs one request at most one
    connection timeout."""
    jobs = current_app.extensions["grants.jobs"]
    if time.monotonic() < jobs.get("down_until", 0.0):
        return
    try:
        for item_id in ids:
            jobs["deliver"](item_id)
    except Exception as exc:  # noqa: BLE001  the action is committed; the sweep delivers
        jobs["down_until"] = time.monotonic() + QUEUE_PAUSE
        log.warning("job queue unreachable (%s): %d job(s) wait for the sweep",
                    type(exc).__name__, len(ids))


def consume(app: Flask, threads: int = 2, periodic: bool = True) -> None:
    """Run the worker until it is stopped: on SIGINT it finishes the jobs it is running; on
    SIGTERM it stops at once, and a job cut short is taken again when its lease ends."""
    jobs = app.extensions["grants.jobs"]
    with app.app_context():
        worker.beat()
    jobs["tick"]()  # at once, not at the next minute: what a stopped worker left is taken up
    consumer = jobs["huey"].create_consumer(
        workers=threads, worker_type="thread", periodic=periodic,
        initial_delay=0.05, backoff=1.5, max_delay=1.0)
    consumer.run()
