"""Money coming in (donations to a fund, from Stripe webhooks), money going out
(disbursements of an award's tranches) and what shapes how it goes out (each country's
restrictions on foreign funding)."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.extensions import db
from grants.models.labels import Labelled
from grants.models.types import EncryptedJSON, EncryptedText, UTCDateTime, enum_column, utcnow


class CountryContext(db.Model):
    """What admins know of a country's rules on foreign funding (e.g. foreign-agent or
    registration laws). Public knowledge, not about any person: stored in clear."""

    __tablename__ = "country_contexts"

    country: Mapped[str] = mapped_column(sa.String(2), primary_key=True)
    foreign_funding_restricted: Mapped[bool] = mapped_column(
        default=False, server_default=sa.false()
    )
    # Which laws, what they require, what has worked: shown to officers choosing a route.
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class DonationStatus(enum.StrEnum):
    PENDING = "pending"  # a PaymentIntent exists; the card was not charged yet
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"


class Donation(db.Model):
    """A gift to a fund by card. The donor's identity stays with Stripe."""

    __tablename__ = "donations"
    __table_args__ = (
        sa.CheckConstraint("amount_minor > 0", name="amount_positive"),
        sa.CheckConstraint("refunded_minor >= 0", name="refunded_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(sa.ForeignKey("funds.id"), index=True)
    amount_minor: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    payment_intent_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    status: Mapped[DonationStatus] = mapped_column(
        enum_column(DonationStatus), default=DonationStatus.PENDING
    )
    refunded_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    succeeded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    fund: Mapped[Fund] = relationship()  # noqa: F821


class IncomeKind(enum.StrEnum):
    DONATION = "donation"
    REFUND = "refund"  # money given back to a donor: a negative entry


class FundIncome(db.Model):
    """The fund's income ledger: one entry per succeeded payment or refund, never two for
    the same Stripe object however often its webhook arrives."""

    __tablename__ = "fund_income"
    __table_args__ = (sa.CheckConstraint("amount_minor <> 0", name="amount_nonzero"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(sa.ForeignKey("funds.id"), index=True)
    donation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("donations.id"), index=True)
    kind: Mapped[IncomeKind] = mapped_column(enum_column(IncomeKind))
    # Signed: a refund is negative.
    amount_minor: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    # The PaymentIntent or Refund id the entry comes from.
    stripe_object_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StripeEvent(db.Model):
    """A webhook event applied: its id is unique, so a replayed event is applied once."""

    __tablename__ = "stripe_events"

    id: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    type: Mapped[str] = mapped_column(sa.String(100))
    # Stripe's `created` for the event: to ignore a stale one about the same object.
    created: Mapped[int] = mapped_column(sa.BigInteger)
    object_id: Mapped[str | None] = mapped_column(sa.String(255), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PaymentRoute(Labelled):
    """How money reaches a group. What each route asks for and does is its entry in
    grants.payments.routes.ROUTES; its wordings are here."""

    STRIPE_TRANSFER = "stripe_transfer"
    BANK_TRANSFER = "bank_transfer"
    INTERMEDIARY = "intermediary"
    MOBILE_MONEY = "mobile_money"
    TRUSTED_PARTNER = "trusted_partner"  # cash or goods through a trusted partner

    # The ledger's wording: officers' pages, exports, the group's work list.
    _labels = enum.nonmember({
        "stripe_transfer": _l("Stripe transfer to the group's account"),
        "bank_transfer": _l("Bank transfer"),
        "intermediary": _l("Through an intermediary (its regranting pool)"),
        "mobile_money": _l("Mobile money"),
        "trusted_partner": _l("Cash or goods through a trusted partner"),
    })
    # Where a route words itself otherwise: on the rapid decision's choice, and in an
    # intermediary's record of how it paid a sub-grant.
    _rapid_labels = enum.nonmember({
        "trusted_partner": _l("Through a trusted partner (cash or goods)")})
    _subgrant_labels = enum.nonmember({
        "trusted_partner": _l("Cash through a trusted person")})

    @property
    def rapid_label(self):
        return self.worded("_rapid_labels")

    @property
    def subgrant_label(self):
        return self.worded("_subgrant_labels")


class DisbursementStatus(Labelled):
    SCHEDULED = "scheduled"
    APPROVED = "approved"
    # Handed to the job worker, which makes the Stripe transfer after the officer's commit
    # (grants/payments/ledger.py `transfer_job`): SENT once Stripe says yes, APPROVED again
    # (with `last_error`) if it refuses.
    SENDING = "sending"
    SENT = "sent"
    PAID = "paid"
    FAILED = "failed"
    RETURNED = "returned"
    CANCELLED = "cancelled"

    _labels = enum.nonmember({
        "scheduled": _l("Scheduled, waiting for approval"), "approved": _l("Approved, to send"),
        "sending": _l("Sending to Stripe"), "sent": _l("Sent"), "paid": _l("Paid"),
        "failed": _l("Failed"), "returned": _l("Returned"), "cancelled": _l("Cancelled"),
    })
    # What the group reads: the state only, in plain words.
    _group_labels = enum.nonmember({
        "scheduled": _l("Being prepared"), "approved": _l("Being prepared"),
        "sending": _l("Being prepared"), "sent": _l("On its way"), "paid": _l("Paid"),
        "failed": _l("Did not arrive"), "returned": _l("Came back"), "cancelled": _l("Cancelled"),
    })

    # Inside a sentence ("This payment is %(status)s: ..."): lower case.
    _sentence_labels = enum.nonmember({
        "scheduled": _l("scheduled"), "approved": _l("approved"),
        "sending": _l("being sent to Stripe"), "sent": _l("sent"),
        "paid": _l("paid"), "failed": _l("failed"), "returned": _l("returned"),
        "cancelled": _l("cancelled"),
    })

    @property
    def group_label(self):
        return self.worded("_group_labels")

    @property
    def in_sentence(self):
        return self.worded("_sentence_labels")


class Disbursement(db.Model):
    __tablename__ = "disbursements"
    __table_args__ = (sa.CheckConstraint("amount_minor > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tranche_id: Mapped[int] = mapped_column(sa.ForeignKey("tranches.id"), index=True)
    amount_minor: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    route: Mapped[PaymentRoute] = mapped_column(enum_column(PaymentRoute))
    status: Mapped[DisbursementStatus] = mapped_column(
        enum_column(DisbursementStatus), default=DisbursementStatus.SCHEDULED
    )
    # Idempotency key sent with any external payment call; unique so a retry never pays twice.
    idempotency_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    external_reference: Mapped[str | None] = mapped_column(sa.String(128))
    bank_details: Mapped[str | None] = mapped_column(EncryptedText("disbursements.bank_details"))
    via_organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"))
    # Route facts: mobile-money provider, trusted partner, Stripe destination account, the
    # masked end of an account number. Encrypted: they locate people.
    route_details: Mapped[dict | None] = mapped_column(
        EncryptedJSON("disbursements.route_details")
    )
    # The last error a payment provider answered (its message, never personal data).
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    scheduled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    second_approver_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When it failed, came back or was cancelled: its money is the tranche's again.
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(EncryptedText("disbursements.note"))

    tranche: Mapped[Tranche] = relationship()  # noqa: F821
    via_organisation: Mapped[Organisation | None] = relationship()  # noqa: F821


# Disbursements whose money is committed to the payee: they count against the tranche.
COMMITTED_DISBURSEMENT = frozenset({
    DisbursementStatus.SCHEDULED, DisbursementStatus.APPROVED, DisbursementStatus.SENDING,
    DisbursementStatus.SENT, DisbursementStatus.PAID,
})
