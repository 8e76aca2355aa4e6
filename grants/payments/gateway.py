"""The one door to Stripe: its client from configuration, and transfers to connected accounts.

Stripe is off unless STRIPE_SECRET_KEY is set. Every call that moves money carries the
disbursement's idempotency key, so a retried request (ours or the SDK's) never pays twice.
Nothing personal is sent: ids and the award reference only.
"""

from __future__ import annotations

import stripe
from flask import current_app

from grants.errors import N_
from grants.models import Disbursement, DisbursementStatus, PaymentRoute

# Stripe's messages are about the request (a capability, a balance); cut them short anyway.
_MESSAGE_MAX = 300


class PaymentFailed(Exception):
    """Stripe refused or could not be reached; the message is safe to store and show.

    `message` is English (it is stored); `msgid` and `params` let a ServiceError show it
    in the reader's language.
    """

    def __init__(self, message: str, **params):
        self.msgid, self.params = message, params
        self.message = message % params if params else message
        super().__init__(self.message)


class StripeUnavailable(PaymentFailed):
    """Stripe could not be reached, or failed on its side (5xx), was busy with the same
    request (409) or asked us to slow down (429): the same request may succeed later. Any
    other error is Stripe's answer about the request itself (a 4xx: a bad destination, a
    balance too low, a key it does not know), which asking again will not change."""


# Answers that say "not now" rather than "no".
_TRY_AGAIN_STATUSES = frozenset({409, 429})


def enabled() -> bool:
    """Whether Stripe is configured (a secret key is set)."""
    return bool(current_app.config.get("STRIPE_SECRET_KEY"))


def client() -> stripe.StripeClient:
    """A Stripe client for the configured key, kept per app (it holds an HTTP session)."""
    cfg = current_app.config
    key, base = cfg.get("STRIPE_SECRET_KEY"), cfg.get("STRIPE_API_BASE")
    retries = cfg.get("STRIPE_MAX_NETWORK_RETRIES", 2)
    cache = current_app.extensions.setdefault("grants.stripe", {})
    if (key, base, retries) not in cache:
        if not key:
            raise PaymentFailed("Stripe is not configured on this portal.")
        cache.clear()
        cache[(key, base, retries)] = stripe.StripeClient(
            key, base_addresses={"api": base} if base else None, max_network_retries=retries)
    return cache[(key, base, retries)]


def failure(exc: Exception) -> PaymentFailed:
    """Turn an SDK error into a message fit for the ledger (no personal data is in it): a
    StripeUnavailable when asking again later may succeed, else a PaymentFailed."""
    if isinstance(exc, stripe.StripeError) and not isinstance(exc, stripe.APIConnectionError):
        code = exc.code or type(exc).__name__
        text = (exc.user_message or "the request was refused")[:_MESSAGE_MAX]
        status = exc.http_status
        kind = StripeUnavailable if status is None or status >= 500 \
            or status in _TRY_AGAIN_STATUSES else PaymentFailed
        return kind(N_("Stripe refused (%(code)s): %(text)s"), code=code, text=text)
    return StripeUnavailable(
        N_("Stripe could not be reached; nothing was paid. Try again later."))


def destination(disbursement: Disbursement) -> str | None:
    """The connected account that receives a Stripe transfer: the awarded group's."""
    org = disbursement.tranche.award.organisation
    return org.stripe_account_id if org.stripe_payouts_enabled else None


def transfer(disbursement: Disbursement) -> str:
    """Send a Stripe-route disbursement being sent (SENDING) to the group's connected
    account, once: returns the id of the transfer Stripe made for it, now or before.

    Raises PaymentFailed, before any call to Stripe, if the disbursement is not being sent,
    not for this route or has no ready destination account, and on Stripe's refusal;
    StripeUnavailable when Stripe could not be reached or failed on its side. The caller
    keeps the amounts' rule (a disbursement never above what is left); this function
    changes nothing in the database.
    """
    _refuse_unless_sendable(disbursement)
    made = earlier_transfer(disbursement)
    if made is not None:
        return made
    award = disbursement.tranche.award
    params = {
        "amount": disbursement.amount_minor,
        "currency": disbursement.currency.lower(),
        "destination": destination(disbursement),
        "transfer_group": award.reference,
        "metadata": {"disbursement": str(disbursement.id), "award": award.reference},
    }
    try:
        result = client().v1.transfers.create(
            params=params, options={"idempotency_key": disbursement.idempotency_key})
    except Exception as exc:  # the SDK's errors, and anything its HTTP client lets through
        raise failure(exc) from exc
    return result.id


def earlier_transfer(disbursement: Disbursement) -> str | None:
    """The transfer Stripe already made for this disbursement, if any: one in the award's
    transfer group whose metadata names it. Stripe replays a request under the same
    idempotency key for 24 hours only; a retry after that (an admin's, once Stripe was down
    all day) finds the transfer here and pays nothing twice."""
    award = disbursement.tranche.award
    wanted = str(disbursement.id)
    try:
        found = client().v1.transfers.list(params={"transfer_group": award.reference,
                                                   "limit": 100})
        for made in found.auto_paging_iter():
            metadata = made.metadata.to_dict() if made.metadata else {}
            if metadata.get("disbursement") == wanted:
                return made.id
    except PaymentFailed:
        raise
    except Exception as exc:  # the SDK's errors, and anything its HTTP client lets through
        raise failure(exc) from exc
    return None


def _refuse_unless_sendable(disbursement: Disbursement) -> None:
    if not enabled():
        raise PaymentFailed("Stripe is not configured on this portal.")
    if disbursement.route != PaymentRoute.STRIPE_TRANSFER:
        raise PaymentFailed("This disbursement is not paid through Stripe.")
    if disbursement.status != DisbursementStatus.SENDING:
        raise PaymentFailed("Only a disbursement being sent can be transferred.")
    tranche = disbursement.tranche
    if not 0 < disbursement.amount_minor <= tranche.amount_minor:
        raise PaymentFailed("The amount must be more than zero and within its tranche.")
    if disbursement.currency != tranche.award.currency:
        raise PaymentFailed("The disbursement's currency is not the award's.")
    if destination(disbursement) is None:
        raise PaymentFailed("The group has no Stripe account ready to receive payments.")
