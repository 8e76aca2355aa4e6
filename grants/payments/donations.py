"""Donations into a fund by card, and the fund's income ledger that Stripe's word fills.

A donation starts as a PaymentIntent created here (amount, currency and the fund's id; no
donor data: the card and any name or e-mail stay with Stripe). Its outcome comes only from
Stripe: `reconcile` reads the PaymentIntent and its refunds back from the API and brings
the donation and the ledger up to date, one entry per PaymentIntent or Refund id, so any
order, repeat or staleness of webhooks gives the same result.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from grants import money
from grants.errors import ServiceError
from grants.extensions import db
from grants.models import Donation, DonationStatus, Fund, FundIncome, IncomeKind
from grants.models.types import utcnow
from grants.payments import gateway

DEFAULT_MAX_MAJOR = 10_000  # per donation, in the fund's major units, unless configured


def donatable_funds() -> list[Fund]:
    return list(db.session.scalars(
        sa.select(Fund).where(Fund.accepts_donations, Fund.is_active).order_by(Fund.name)))


def donatable_fund(fund_id: int) -> Fund | None:
    fund = db.session.get(Fund, fund_id)
    return fund if fund is not None and fund.accepts_donations and fund.is_active else None


def limits(currency: str) -> tuple[int, int]:
    """Smallest and largest donation in minor units: 1.00 and DONATION_MAX (major units)."""
    unit = 10 ** money.exponent(currency)
    return unit, int(current_app.config.get("DONATION_MAX", DEFAULT_MAX_MAJOR)) * unit


def start(fund: Fund, amount_minor: int) -> tuple[Donation, str]:
    """Create the PaymentIntent and a pending donation; return it and the client secret
    that Stripe.js needs to take the card. Raises ServiceError if Stripe refuses."""
    low, high = limits(fund.currency)
    if not low <= amount_minor <= high:
        raise ServiceError("That amount is outside what can be given here.", "amount")
    try:
        intent = gateway.client().v1.payment_intents.create(params={
            "amount": amount_minor, "currency": fund.currency.lower(),
            "payment_method_types": ["card"], "metadata": {"fund": str(fund.id)},
        })
    except Exception as exc:  # Stripe's refusal or no connection: say so, store nothing
        failed = gateway.failure(exc)
        raise ServiceError(failed.msgid, **failed.params) from exc
    donation = Donation(fund_id=fund.id, amount_minor=amount_minor, currency=fund.currency,
                        payment_intent_id=intent.id, status=DonationStatus.PENDING)
    db.session.add(donation)
    db.session.flush()
    return donation, intent.client_secret


def _locked(payment_intent_id: str) -> Donation | None:
    # Row lock on PostgreSQL so two webhooks about one payment apply one after the other.
    return db.session.scalar(sa.select(Donation).where(
        Donation.payment_intent_id == payment_intent_id).with_for_update())


def reconcile(payment_intent_id: str) -> Donation | None:
    """Bring a donation and the income ledger in line with what Stripe says now.

    Returns None for a PaymentIntent that is not one of our donations. Raises
    gateway.PaymentFailed if Stripe cannot be asked (the webhook is then retried).
    """
    donation = _locked(payment_intent_id)
    if donation is None:
        return None
    try:
        api = gateway.client().v1
        intent = api.payment_intents.retrieve(payment_intent_id)
        refunds = []
        if intent.status == "succeeded":
            refunds = api.refunds.list(params={"payment_intent": payment_intent_id,
                                               "limit": 100}).data
    except Exception as exc:
        raise gateway.failure(exc) from exc
    _apply(donation, intent, refunds)
    return donation


def _entry_exists(stripe_id: str) -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(FundIncome).where(
        FundIncome.stripe_object_id == stripe_id)) > 0


def _add_entry(donation: Donation, kind: IncomeKind, amount: int, stripe_id: str) -> None:
    if not _entry_exists(stripe_id):
        db.session.add(FundIncome(fund_id=donation.fund_id, donation_id=donation.id, kind=kind,
                                  amount_minor=amount, currency=donation.currency,
                                  stripe_object_id=stripe_id))
        db.session.flush()


def _apply(donation: Donation, intent, refunds) -> None:
    if intent.status == "succeeded":
        received = getattr(intent, "amount_received", None) or intent.amount
        _add_entry(donation, IncomeKind.DONATION, received, intent.id)
        donation.succeeded_at = donation.succeeded_at or utcnow()
    for refund in refunds:
        if refund.status == "succeeded":
            _add_entry(donation, IncomeKind.REFUND, -refund.amount, refund.id)
    donation.refunded_minor = -db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(FundIncome.amount_minor), 0)).where(
            FundIncome.donation_id == donation.id, FundIncome.kind == IncomeKind.REFUND))
    donation.status = _status(donation, intent)
    db.session.flush()


def _status(donation: Donation, intent) -> DonationStatus:
    if _entry_exists(intent.id):  # it succeeded once: only refunds change that
        if donation.refunded_minor >= donation.amount_minor:
            return DonationStatus.REFUNDED
        if donation.refunded_minor > 0:
            return DonationStatus.PARTIALLY_REFUNDED
        return DonationStatus.SUCCEEDED
    if intent.status == "canceled" or getattr(intent, "last_payment_error", None):
        return DonationStatus.FAILED
    return DonationStatus.PENDING


def income_by_fund() -> list[tuple[Fund, int, int]]:
    """Each fund with income: what donors gave and what was refunded (negative)."""
    given = sa.func.sum(sa.case((FundIncome.kind == IncomeKind.DONATION,
                                 FundIncome.amount_minor), else_=0))
    refunded = sa.func.sum(sa.case((FundIncome.kind == IncomeKind.REFUND,
                                    FundIncome.amount_minor), else_=0))
    rows = db.session.execute(sa.select(Fund, given, refunded).join(
        FundIncome, FundIncome.fund_id == Fund.id).group_by(Fund.id).order_by(Fund.name))
    return [(fund, int(g), int(r)) for fund, g, r in rows]


def recent_income(limit: int = 50) -> list[tuple[FundIncome, str]]:
    """The latest ledger entries with their fund's name, newest first."""
    return [tuple(row) for row in db.session.execute(
        sa.select(FundIncome, Fund.name).join(Fund, FundIncome.fund_id == Fund.id)
        .order_by(FundIncome.id.desc()).limit(limit))]
