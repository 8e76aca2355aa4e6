"""Sub-grants an intermediary makes from a regranting award, and what it paid them."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.extensions import db
from grants.models.payments import PaymentRoute
from grants.models.types import EncryptedText, UTCDateTime, enum_column, utcnow


class SubGrant(db.Model):
    """A grant an intermediary makes from a regranting award; the recipient may be a code."""

    __tablename__ = "sub_grants"
    __table_args__ = (
        sa.UniqueConstraint("award_id", "recipient_code"),
        sa.CheckConstraint("amount_minor > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(sa.ForeignKey("awards.id"), index=True)
    intermediary_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    recipient_code: Mapped[str] = mapped_column(sa.String(32))
    recipient_organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id")
    )
    recipient_details: Mapped[str | None] = mapped_column(
        EncryptedText("sub_grants.recipient_details")
    )
    country: Mapped[str] = mapped_column(sa.String(2))
    # Typed by the intermediary (or the application's title): encrypted. recipient_code
    # stays clear: a code by rule (clean_code), unique per award and counted distinct in the
    # upward report (grants/intermediaries/report.py).
    purpose: Mapped[str] = mapped_column(EncryptedText("sub_grants.purpose"), default="")
    amount_minor: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    # Kept equal to the sum of its payments, under the same lock; never above amount_minor.
    paid_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    # What it is for (a budget category) and the theme, for the aggregate upward report.
    category: Mapped[str] = mapped_column(sa.String(32), default="other", server_default="other")
    theme: Mapped[str] = mapped_column(sa.String(64), default="", server_default="")
    # Set when it comes from an application: a routed one (pass-through) or one sent to
    # the intermediary's own call.
    application_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="SET NULL"), index=True
    )
    pass_through: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    award: Mapped[Award] = relationship()  # noqa: F821
    payments: Mapped[list[SubGrantPayment]] = relationship(
        back_populates="sub_grant", cascade="all, delete-orphan", order_by="SubGrantPayment.id"
    )


class SubGrantPayment(db.Model):
    """Money an intermediary paid to a sub-grantee (bank, mobile money, cash via a trusted
    person); how it reached them is encrypted."""

    __tablename__ = "sub_grant_payments"
    __table_args__ = (
        sa.CheckConstraint("amount_minor > 0", name="amount_positive"),
        sa.CheckConstraint("advance_minor >= 0 AND advance_minor <= amount_minor",
                           name="advance_within_amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sub_grant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sub_grants.id", ondelete="CASCADE"), index=True
    )
    amount_minor: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    route: Mapped[PaymentRoute] = mapped_column(enum_column(PaymentRoute))
    reference: Mapped[str | None] = mapped_column(EncryptedText("sub_grant_payments.reference"))
    paid_on: Mapped[date]
    # The part paid beyond what the funder had paid the intermediary, which it declared an
    # advance from its own funds (grants.intermediaries.subgrants.record_payment).
    advance_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    sub_grant: Mapped[SubGrant] = relationship(back_populates="payments")
