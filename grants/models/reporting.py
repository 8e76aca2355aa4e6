"""Portfolio reporting and the defenders' voice (Section IV.2, IV.11, IV.12).

Nothing here links a defender to what they said: a survey answer carries no award,
report, organisation or user, no timestamp finer than a quarter and a random key (so the
order of insertion says nothing); focus-population tallies are counts per fund and year.
"""

from __future__ import annotations

import enum
import secrets
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.extensions import db
from grants.models.labels import Labelled
from grants.models.types import EncryptedText, UTCDateTime, enum_column, utcnow


class Publication(Labelled):
    """How an award appears in 360Giving open data; the default protects the recipient."""

    ANONYMOUS = "anonymous"  # no name, a 360G-<publisher>-<code> id, country only
    NAMED = "named"  # the organisation's name, still country only and a generic description
    WITHHELD = "withheld"  # left out of open data altogether

    _labels = enum.nonmember({
        "anonymous": _l("Anonymous: no name, the country only"),
        "named": _l("Named: the group's name, the country only"),
        "withheld": _l("Withheld: not published"),
    })


class SurveyInvitation(db.Model):
    """An offer of the anonymous survey to a group after one of its reports was accepted.

    It records only that the group may answer once (and whether it did or said no);
    the answer itself lives in `SurveyResponse` with nothing pointing back here."""

    __tablename__ = "survey_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        sa.ForeignKey("reports.id", ondelete="CASCADE"), unique=True
    )
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Closed once answered or declined; which of the two is not kept.
    closed: Mapped[bool] = mapped_column(default=False, server_default=sa.false())


def random_key() -> str:
    return secrets.token_hex(16)


class SurveyResponse(db.Model):
    """One anonymous answer: scores 1-5 and what to change, in a quarter ("2026-Q4")."""

    __tablename__ = "survey_responses"
    __table_args__ = (
        sa.CheckConstraint("respectful BETWEEN 1 AND 5", name="respectful_range"),
        sa.CheckConstraint("burden BETWEEN 1 AND 5", name="burden_range"),
        sa.CheckConstraint("useful BETWEEN 1 AND 5", name="useful_range"),
    )

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True, default=random_key)
    period: Mapped[str] = mapped_column(sa.String(7), index=True)
    respectful: Mapped[int] = mapped_column(sa.SmallInteger)
    # 1 = very light, 5 = very heavy.
    burden: Mapped[int] = mapped_column(sa.SmallInteger)
    useful: Mapped[int] = mapped_column(sa.SmallInteger)
    change: Mapped[str | None] = mapped_column(EncryptedText("survey_responses.change"))


class CommitmentStatus(Labelled):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"

    _labels = enum.nonmember({
        "planned": _l("Planned"),
        "in_progress": _l("In progress"),
        "done": _l("Done"),
        "dropped": _l("Dropped"),
    })


class Consultation(db.Model):
    """A consultation with defenders an officer recorded: participants only as counts."""

    __tablename__ = "consultations"
    __table_args__ = (sa.CheckConstraint("participants >= 0", name="participants_nonnegative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    held_on: Mapped[date] = mapped_column(index=True)
    topic: Mapped[str] = mapped_column(sa.String(200))
    fund_id: Mapped[int | None] = mapped_column(sa.ForeignKey("funds.id"), index=True)
    # Where, at most to the country (optional: a regional or online meeting has none).
    country: Mapped[str | None] = mapped_column(sa.String(2))
    participants: Mapped[int] = mapped_column(default=0, server_default="0")
    # Further counts by self-described group, e.g. {"women": 7, "youth": 3}; never names.
    participant_counts: Mapped[dict[str, int]] = mapped_column(
        sa.JSON, default=dict, server_default=sa.text("'{}'")
    )
    heard: Mapped[str | None] = mapped_column(EncryptedText("consultations.heard"))
    # What the funder will do about it, and how far that went.
    commitment: Mapped[str | None] = mapped_column(EncryptedText("consultations.commitment"))
    commitment_status: Mapped[CommitmentStatus] = mapped_column(
        enum_column(CommitmentStatus), default=CommitmentStatus.PLANNED
    )
    outcome: Mapped[str | None] = mapped_column(EncryptedText("consultations.outcome"))
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    fund: Mapped[Fund | None] = relationship()  # noqa: F821


class FocusTally(db.Model):
    """Counts of sent applications per self-described focus population (IV.2), per fund
    and year, kept in the clear for aggregates while each application's own answer stays
    encrypted. Shown only with counts under 5 suppressed."""

    __tablename__ = "focus_tallies"
    __table_args__ = (sa.UniqueConstraint("fund_id", "year", "population"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(sa.ForeignKey("funds.id"), index=True)
    year: Mapped[int]
    population: Mapped[str] = mapped_column(sa.String(40))
    count: Mapped[int] = mapped_column(default=0, server_default="0")
