"""The outbox: work with an effect outside the database, written in the same transaction as
the action that causes it, and delivered afterwards by the job worker (grants/jobs).

A row holds what the work is and whom it concerns by id, never content: a notice's e-mail
is written when it is delivered, from the user's row, in the user's language.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from grants.extensions import db
from grants.models.types import UTCDateTime, utcnow


class JobStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for its due time or for a worker
    RUNNING = "running"  # claimed by a worker until locked_until
    DONE = "done"
    FAILED = "failed"  # failed past its retries: an admin retries or discards it
    DISCARDED = "discarded"


class OutboxItem(db.Model):
    __tablename__ = "outbox"
    __table_args__ = (sa.Index("ix_outbox_status_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The idempotency key: one effect per key, whichever worker runs it and however often.
    # It is also the e-mail's Message-ID, so that a relay can drop a copy sent twice.
    key: Mapped[str] = mapped_column(sa.String(120), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    status: Mapped[str] = mapped_column(sa.String(12), default=JobStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The class of the last error (never its message, which may quote an address).
    last_error: Mapped[str | None] = mapped_column(sa.String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WorkerBeat(db.Model):
    """A job worker says it is alive (grants doctor, Admin > Jobs and the metrics read it)."""

    __tablename__ = "worker_beats"

    name: Mapped[str] = mapped_column(sa.String(200), primary_key=True)  # host:pid
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
