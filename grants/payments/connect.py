"""Connected accounts: a group sets up where Stripe pays it (an Express account).

Only the account's id and whether it can receive payouts are kept here; whatever the group
tells Stripe during onboarding stays with Stripe. Nothing personal is sent: the account is
created with the group's country and our organisation id only.
"""

from __future__ import annotations

from grants.errors import ServiceError
from grants.extensions import db
from grants.models import Organisation
from grants.payments import gateway
from grants.security import audit


def _call(fn):
    try:
        return fn(gateway.client().v1)
    except Exception as exc:  # Stripe refused or could not be reached
        failed = gateway.failure(exc)
        raise ServiceError(failed.msgid, **failed.params) from exc


def ensure_account(actor, org: Organisation) -> str:
    """The organisation's connected account id, creating an Express account if none.

    The idempotency key makes a double click, or a retry after our commit failed, return
    the same account instead of opening a second one.
    """
    if org.stripe_account_id:
        return org.stripe_account_id
    account = _call(lambda api: api.accounts.create(
        params={"type": "express", "country": org.country,
                "capabilities": {"transfers": {"requested": True}},
                "metadata": {"organisation": str(org.id)}},
        options={"idempotency_key": f"organisation-{org.id}-express-account"}))
    org.stripe_account_id = account.id
    org.stripe_payouts_enabled = False
    audit.record(actor, "stripe.account_created", org)
    db.session.flush()
    return account.id


def onboarding_link(actor, org: Organisation, *, refresh_url: str, return_url: str) -> str:
    """Where to send the group's owner to fill in Stripe's onboarding (a one-time URL)."""
    account_id = ensure_account(actor, org)
    link = _call(lambda api: api.account_links.create(params={
        "account": account_id, "refresh_url": refresh_url, "return_url": return_url,
        "type": "account_onboarding"}))
    return link.url


def refresh(actor, org: Organisation) -> bool:
    """Read the account back from Stripe; record whether payouts are enabled; return it."""
    if not org.stripe_account_id:
        return False
    account = _call(lambda api: api.accounts.retrieve(org.stripe_account_id))
    enabled = bool(getattr(account, "payouts_enabled", False))
    if enabled != org.stripe_payouts_enabled:
        org.stripe_payouts_enabled = enabled
        audit.record(actor, "stripe.account_updated", org, payouts_enabled=enabled)
        db.session.flush()
    return enabled
