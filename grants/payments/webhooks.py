"""Stripe's webhooks: verified by signature, each event applied once, in any order.

The event says *what* changed; the handlers read the object back from the API (donations,
accounts, transfers) and apply its current state, so a repeated, late or out-of-order event
cannot undo a newer one. Events we do not use are acknowledged and not recorded.
"""

from __future__ import annotations

import sqlalchemy as sa
import stripe
from flask import current_app

from grants.extensions import db
from grants.ids import id_or_none
from grants.models import Disbursement, DisbursementStatus, Organisation, StripeEvent
from grants.models.types import utcnow
from grants.payments import donations, gateway
from grants.security import audit

TOLERANCE = 300  # seconds between Stripe signing an event and us accepting it


class BadSignature(Exception):
    """A forged, altered or stale delivery."""


def enabled() -> bool:
    return gateway.enabled() and bool(current_app.config.get("STRIPE_WEBHOOK_SECRET"))


def verify(payload: bytes, signature: str | None) -> stripe.Event:
    """Check the Stripe-Signature header over the raw body; return the event.

    STRIPE_WEBHOOK_SECRET may list several secrets, comma-separated: Stripe signs each
    endpoint with its own, and Connect events (account.updated) need an endpoint of their
    own, which may point at the same URL.
    """
    secrets = [s.strip() for s in current_app.config["STRIPE_WEBHOOK_SECRET"].split(",")]
    for secret in filter(None, secrets):
        try:
            return stripe.Webhook.construct_event(payload, signature or "", secret,
                                                  tolerance=TOLERANCE)
        except (ValueError, stripe.SignatureVerificationError):
            continue
    raise BadSignature


def apply(event: stripe.Event) -> bool:
    """Apply an event unless it was applied before or is of no use; flush, never commit.

    The StripeEvent row goes in first: a concurrent duplicate fails on its unique id.
    Raises gateway.PaymentFailed when Stripe cannot be asked (answer so that it retries).
    """
    handler = HANDLERS.get(event.type)
    if handler is None or db.session.get(StripeEvent, event.id) is not None:
        return False
    obj = event.data.object
    db.session.add(StripeEvent(id=event.id, type=event.type, created=event.created,
                               object_id=getattr(obj, "id", None)))
    db.session.flush()
    handler(obj)
    return True


def _payment_intent(obj) -> None:
    donations.reconcile(obj.id)


def _id(value) -> str | None:
    """An id whether Stripe sent it as a string or an expanded object."""
    return value if isinstance(value, str) or value is None else value.id


def _charge(obj) -> None:
    if _id(getattr(obj, "payment_intent", None)):
        donations.reconcile(_id(obj.payment_intent))


def _refund(obj) -> None:
    if _id(getattr(obj, "payment_intent", None)):
        donations.reconcile(_id(obj.payment_intent))
    elif _id(getattr(obj, "charge", None)):
        charge = _fetch(lambda api: api.charges.retrieve(_id(obj.charge)))
        _charge(charge)


def _fetch(call):
    try:
        return call(gateway.client().v1)
    except Exception as exc:
        raise gateway.failure(exc) from exc


def _account(obj) -> None:
    org = db.session.scalar(sa.select(Organisation).where(
        Organisation.stripe_account_id == obj.id))
    if org is None:
        return
    account = _fetch(lambda api: api.accounts.retrieve(obj.id))
    enabled_now = bool(getattr(account, "payouts_enabled", False))
    if org.stripe_payouts_enabled != enabled_now:
        org.stripe_payouts_enabled = enabled_now
        audit.record(None, "stripe.account_updated", org, payouts_enabled=enabled_now)
        db.session.flush()


def _disbursement_for(transfer) -> Disbursement | None:
    found = db.session.scalar(sa.select(Disbursement).where(
        Disbursement.external_reference == transfer.id))
    wanted = id_or_none(transfer.metadata.to_dict().get("disbursement"))
    if found is None and wanted is not None:
        candidate = db.session.get(Disbursement, wanted)
        if candidate is not None and candidate.external_reference in (None, transfer.id):
            found = candidate
    return found


# SENDING too: Stripe made the transfer and reversed it before the job recorded it.
RETURNABLE = {DisbursementStatus.APPROVED, DisbursementStatus.SENDING, DisbursementStatus.SENT,
              DisbursementStatus.PAID}


def _transfer_reversed(obj) -> None:
    transfer = _fetch(lambda api: api.transfers.retrieve(obj.id))
    disbursement = _disbursement_for(transfer)
    if disbursement is None or disbursement.status not in RETURNABLE:
        return
    reversed_minor = getattr(transfer, "amount_reversed", 0) or 0
    if reversed_minor < transfer.amount:
        disbursement.last_error = "Stripe reversed part of the transfer."
        audit.record(None, "disbursement.partly_reversed", disbursement,
                     amount_minor=reversed_minor, transfer=transfer.id)
    else:
        disbursement.status = DisbursementStatus.RETURNED
        disbursement.ended_at = utcnow()
        disbursement.last_error = "Stripe reversed the transfer."
        audit.record(None, "disbursement.returned", disbursement, transfer=transfer.id,
                     amount_minor=reversed_minor)
    db.session.flush()


HANDLERS = {
    "payment_intent.succeeded": _payment_intent,
    "payment_intent.payment_failed": _payment_intent,
    "payment_intent.canceled": _payment_intent,
    "charge.refunded": _charge,
    "charge.refund.updated": _refund,
    "refund.created": _refund,
    "refund.updated": _refund,
    "account.updated": _account,
    "transfer.reversed": _transfer_reversed,
}
