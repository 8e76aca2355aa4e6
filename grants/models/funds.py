"""Funds: the pots of money calls and awards draw on."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from grants.extensions import db
from grants.models.types import UTCDateTime, utcnow


class Fund(db.Model):
    __tablename__ = "funds"
    __table_args__ = (sa.CheckConstraint("envelope_minor >= 0", name="envelope_nonnegative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    currency: Mapped[str] = mapped_column(sa.String(3))
    # The fund's budget envelope, in minor units of `currency`.
    envelope_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    is_protection: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    accepts_donations: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    rapid_response_target_hours: Mapped[int] = mapped_column(default=72, server_default="72")
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
