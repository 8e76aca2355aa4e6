"""Running outbox rows: take one, do its work, record the outcome.

A row is taken with one conditional UPDATE (pending and due, or running past a dead
worker's lease), which any number of workers on SQLite or PostgreSQL can race on: the
database gives it to exactly one. The take is committed before the work starts, so a worker
killed mid-job leaves a row whose lease runs out and which another worker takes again; the
row's key (the e-mail's Message-ID) keeps that second run to one effect.

A failure is tried again later, waiting twice as long each time, and after
JOBS_MAX_ATTEMPTS is left FAILED for an admin (grants/jobs/views.py). Only the error's
class is kept: its message may quote an address.
"""

from __future__ import annotations

import logging
import os
import random
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from grants.extensions import db
from grants.models import JobStatus, OutboxItem, WorkerBeat
from grants.models.types import utcnow
from grants.ops.metrics import JOB_FAILURES

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=1)

# kind -> what doing it means: handler(payload, key). Filled by the modules that own the
# work (grants/jobs/kinds.py), so that this module knows no feature. A handler that waits on
# something outside (an SMTP relay) commits its reads first: on SQLite the worker's
# transactions hold the write lock (grants/factory.py), which the portal's posts wait for.
HANDLERS: dict[str, Callable[[dict[str, Any], str], None]] = {}


@dataclass(frozen=True)
class Outcome:
    state: str  # "done", "retry", "failed", or "skipped" (another worker has it, or gone)
    retry_at: datetime | None = None


def take(item_id: int, now: datetime) -> bool:
    """Claim the row for this worker until its lease ends; False if another has it, it is
    not due, or it is finished. Commits."""
    lease = now + timedelta(seconds=current_app.config["JOBS_LEASE_SECONDS"])
    claimable = sa.or_(
        sa.and_(OutboxItem.status == JobStatus.PENDING, OutboxItem.due_at <= now),
        sa.and_(OutboxItem.status == JobStatus.RUNNING, OutboxItem.locked_until < now))
    taken = db.session.execute(
        sa.update(OutboxItem).where(OutboxItem.id == item_id, claimable)
        .values(status=JobStatus.RUNNING, locked_until=lease,
                attempts=OutboxItem.attempts + 1)
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return taken == 1


def run_one(item_id: int, now: datetime | None = None) -> Outcome:
    """Take the row and do its work once; what happened."""
    if not take(item_id, now or utcnow()):
        return Outcome("skipped")
    item = db.session.get(OutboxItem, item_id)
    kind, payload, key = item.kind, dict(item.payload), item.key
    try:
        handler = HANDLERS[kind]
        handler(payload, key)
        db.session.commit()  # what the work wrote in the database, if anything
    except Exception as exc:  # noqa: BLE001  every failure is recorded, none lost
        db.session.rollback()
        JOB_FAILURES.labels(kind=kind).inc()
        log.warning("job %s (%s) failed: %s", item_id, kind, type(exc).__name__)
        return _failed(item_id, type(exc).__name__)
    _finish(item_id, JobStatus.DONE)
    return Outcome("done")


def _failed(item_id: int, error: str) -> Outcome:
    item = db.session.get(OutboxItem, item_id)
    now = utcnow()
    item.last_error, item.locked_until = error[:120], None
    if item.attempts >= current_app.config["JOBS_MAX_ATTEMPTS"]:
        item.status, item.finished_at = JobStatus.FAILED, now
        db.session.commit()
        return Outcome("failed")
    item.status, item.due_at = JobStatus.PENDING, now + backoff(item.attempts)
    retry_at = item.due_at
    db.session.commit()
    return Outcome("retry", retry_at)


def _finish(item_id: int, status: JobStatus) -> None:
    db.session.execute(
        sa.update(OutboxItem).where(OutboxItem.id == item_id)
        .values(status=status, finished_at=utcnow(), locked_until=None)
        .execution_options(synchronize_session=False))
    db.session.commit()


def backoff(attempts: int) -> timedelta:
    """Wait before the next try: JOBS_RETRY_SECONDS doubling with each failed attempt, an
    hour at most, a tenth either way at random so that retries do not arrive together."""
    base = current_app.config["JOBS_RETRY_SECONDS"] * 2 ** max(attempts - 1, 0)
    seconds = min(base, MAX_BACKOFF.total_seconds())
    return timedelta(seconds=seconds * random.uniform(0.9, 1.1))  # noqa: S311  # nosec B311


def due(now: datetime, limit: int = 200) -> list[int]:
    """Rows a worker may take now, oldest first."""
    return list(db.session.scalars(
        sa.select(OutboxItem.id).where(sa.or_(
            sa.and_(OutboxItem.status == JobStatus.PENDING, OutboxItem.due_at <= now),
            sa.and_(OutboxItem.status == JobStatus.RUNNING, OutboxItem.locked_until < now)))
        .order_by(OutboxItem.due_at, OutboxItem.id).limit(limit)))


def sweep(now: datetime | None = None, limit: int = 200) -> dict[str, int]:
    """Run every row that is due (the queue lost it, its retry time came, or its worker
    died); a count of outcomes."""
    now = now or utcnow()
    ids = due(now, limit)
    db.session.commit()  # the look ends its transaction before the takes start theirs
    tally: dict[str, int] = {}
    for item_id in ids:
        state = run_one(item_id).state
        tally[state] = tally.get(state, 0) + 1
    return tally


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def beat(name: str | None = None, now: datetime | None = None) -> None:
    """Say this worker is alive."""
    name, now = name or worker_name(), now or utcnow()
    row = db.session.get(WorkerBeat, name)
    if row is None:
        db.session.add(WorkerBeat(name=name, started_at=now, seen_at=now))
    else:
        row.seen_at = now
    db.session.commit()


def last_beat() -> datetime | None:
    """When the most recently heard worker last said it was alive."""
    return db.session.scalar(
        sa.select(WorkerBeat.seen_at).order_by(WorkerBeat.seen_at.desc()).limit(1))


def retry(item: OutboxItem) -> None:
    """An admin sends a failed job round again, from its first attempt."""
    item.status, item.attempts, item.due_at = JobStatus.PENDING, 0, utcnow()
    item.finished_at = item.locked_until = None


def discard(item: OutboxItem) -> None:
    item.status, item.finished_at = JobStatus.DISCARDED, utcnow()
