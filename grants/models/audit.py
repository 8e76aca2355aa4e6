"""The audit event log: append-only, each entry chained to the previous by hash."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from grants.extensions import db
from grants.models.types import UTCDateTime, utcnow


class AuditEvent(db.Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    object_type: Mapped[str | None] = mapped_column(sa.String(32))
    object_id: Mapped[int | None]
    # Non-sensitive facts only (ids, states, amounts); never defenders' data.
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
