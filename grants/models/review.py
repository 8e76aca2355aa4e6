"""Reviews of applications: a reviewer's declaration, scores and recommendation."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.extensions import db
from grants.models.labels import Labelled
from grants.models.types import EncryptedText, UTCDateTime, enum_column, utcnow


class Recommendation(Labelled):
    FUND = "fund"
    FUND_WITH_CONDITIONS = "fund_with_conditions"
    DECLINE = "decline"

    _labels = enum.nonmember({
        "fund": _l("Fund"),
        "fund_with_conditions": _l("Fund, with conditions"),
        "decline": _l("Do not fund"),
    })


class Review(db.Model):
    __tablename__ = "reviews"
    __table_args__ = (
        sa.UniqueConstraint("application_id", "reviewer_id"),
        sa.CheckConstraint("score IS NULL OR score BETWEEN 1 AND 5", name="score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    reviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    # When the reviewer answered the conflict-of-interest question; None: not yet asked.
    # Nothing of the application is shown to a reviewer before this is set.
    declared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    conflict_declared: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    conflict_note: Mapped[str | None] = mapped_column(EncryptedText("reviews.conflict_note"))
    # Per-criterion scores, e.g. {"relevance": 4, "feasibility": 3}; `score` is their mean.
    criteria_scores: Mapped[dict[str, int]] = mapped_column(sa.JSON, default=dict)
    score: Mapped[int | None]
    recommendation: Mapped[Recommendation | None] = mapped_column(enum_column(Recommendation))
    comment: Mapped[str | None] = mapped_column(EncryptedText("reviews.comment"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    application: Mapped[Application] = relationship()  # noqa: F821
    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id])  # noqa: F821
