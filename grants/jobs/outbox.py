"""Writing work into the outbox, in the caller's transaction, and reading its state.

`add` puts a row in the session: it is committed with the action that caused it, or rolled
back with it. Once the transaction commits, the rows it wrote are handed to the job queue
(`dispatch`, see grants/jobs/queue.py); a queue that is down loses nothing, because the
worker's sweep finds every row still pending in the table.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from grants.extensions import db
from grants.models import JobStatus, OutboxItem
from grants.models.types import utcnow

log = logging.getLogger(__name__)

_NEW = "grants.outbox.new"  # session.info: ids written in the transaction under way
WAITING = (JobStatus.PENDING, JobStatus.RUNNING)


def add(kind: str, payload: dict[str, Any] | None = None, *, key: str | None = None,
        due: datetime | None = None) -> OutboxItem:
    """Write one piece of work; it takes effect only if the caller's transaction commits.
    `key` makes it idempotent (one row, one effect per key); by default a fresh one."""
    item = OutboxItem(key=key or f"{kind}:{uuid.uuid4().hex}", kind=kind,
                      payload=payload or {}, status=JobStatus.PENDING,
                      attempts=0, due_at=due or utcnow())
    db.session.add(item)
    return item


def add_once(kind: str, key: str, payload: dict[str, Any] | None = None) -> bool:
    """Write the work under `key` unless a row has it already (periodic runs: one per
    slot, however many workers ask); returns whether this call wrote it."""
    exists = db.session.scalar(sa.select(OutboxItem.id).where(OutboxItem.key == key))
    if exists is not None:
        return False
    try:
        with db.session.begin_nested():
            add(kind, payload, key=key)
    except sa.exc.IntegrityError:  # another worker wrote it between the look and the write
        return False
    return True


def install(dispatch: Callable[[list[int]], None]) -> None:
    """Hand the ids of the rows a transaction wrote to `dispatch` once it has committed;
    forget them if it rolls back."""

    @sa.event.listens_for(db.session, "after_flush")
    def _collect(session, _context):
        ids = [obj.id for obj in session.new if isinstance(obj, OutboxItem)]
        if ids:
            session.info.setdefault(_NEW, []).extend(ids)

    @sa.event.listens_for(db.session, "after_commit")
    def _hand_over(session):
        ids = session.info.pop(_NEW, None)
        if ids:
            dispatch(ids)

    @sa.event.listens_for(db.session, "after_soft_rollback")
    def _forget(session, previous):
        if previous.parent is None:  # the whole transaction, not a savepoint in it
            session.info.pop(_NEW, None)


def stats(now: datetime | None = None) -> dict[str, float | int]:
    """The outbox's depth (rows waiting or running), the age in seconds of the oldest of
    them (0 when none), and how many failed past their retries."""
    now = now or utcnow()
    depth, oldest = db.session.execute(
        sa.select(sa.func.count(), sa.func.min(OutboxItem.created_at))
        .where(OutboxItem.status.in_(WAITING))
    ).one()
    failed = db.session.scalar(
        sa.select(sa.func.count()).where(OutboxItem.status == JobStatus.FAILED)
    )
    if isinstance(oldest, str):  # SQLite hands an aggregate back as text
        oldest = datetime.fromisoformat(oldest)
    if oldest is not None and oldest.tzinfo is None:  # an aggregate skips the column type
        oldest = oldest.replace(tzinfo=UTC)
    age = (now - oldest).total_seconds() if oldest is not None else 0.0
    return {"depth": depth, "oldest_age_seconds": max(age, 0.0), "failed": failed}
