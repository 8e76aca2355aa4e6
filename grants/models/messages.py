"""In-portal messages: notifications outside the portal never carry their text."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.extensions import db
from grants.models.types import EncryptedText, UTCDateTime, utcnow


class Message(db.Model):
    __tablename__ = "messages"
    __table_args__ = (
        sa.CheckConstraint(
            "application_id IS NOT NULL OR award_id IS NOT NULL", name="has_thread"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    award_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("awards.id", ondelete="CASCADE"), index=True
    )
    sender_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(EncryptedText("messages.body"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    sender: Mapped[User | None] = relationship()  # noqa: F821
