"""Form content kept when a session or CSRF token lapses mid-typing, until the owner returns."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from grants.extensions import db
from grants.models.types import EncryptedJSON, UTCDateTime, utcnow


class FormRescue(db.Model):
    __tablename__ = "form_rescues"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(sa.String(100))
    # The posted fields as [name, value] pairs (a form may repeat a name).
    payload: Mapped[list[list[str]]] = mapped_column(EncryptedJSON("form_rescues.payload"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
