"""Writing work into the outbox, in the caller's transaction, and reading its state."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from grants.extensions import db
from grants.models import JobStatus, OutboxItem
from grants.models.types import utcnow


def stats(now: datetime | None = None) -> dict[str, float | int]:
    """The outbox's depth (rows waiting or running), the age in seconds of the oldest of
    them (0 when none), and how many failed past their retries."""
    now = now or utcnow()
    waiting = (JobStatus.PENDING, JobStatus.RUNNING)
    depth, oldest = db.session.execute(
        sa.select(sa.func.count(), sa.func.min(OutboxItem.created_at))
        .where(OutboxItem.status.in_(waiting))
    ).one()
    failed = db.session.scalar(
        sa.select(sa.func.count()).where(OutboxItem.status == JobStatus.FAILED)
    )
    if oldest is not None and oldest.tzinfo is None:  # an aggregate skips the column type
        from datetime import UTC

        oldest = oldest.replace(tzinfo=UTC)
    age = (now - oldest).total_seconds() if oldest is not None else 0.0
    return {"depth": depth, "oldest_age_seconds": max(age, 0.0), "failed": failed}
