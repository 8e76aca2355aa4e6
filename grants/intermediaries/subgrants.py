"""Sub-grants an intermediary makes from a regranting award, and its payments to them.

A sub-grantee may be known by a code only: identifying details are optional, encrypted
when kept, and never written to the audit log, a URL or a notification. The money rule:
sub-granted <= the award's regranting part, paid <= sub-granted for each sub-grant, and
paid out <= what the funder paid the intermediary (its disbursement ledger) + what the
intermediary declared an advance from its own funds; all checked under the award's row
lock (see pool.lock).
"""

from __future__ import annotations

import re
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import defer

from grants import money
from grants.errors import ServiceError
from grants.extensions import db
from grants.intermediaries import pool as pools
from grants.models import (
    Application,
    Award,
    AwardStatus,
    BudgetCategory,
    PaymentRoute,
    SubGrant,
    SubGrantPayment,
    User,
)
from grants.payments import routes
from grants.security import audit

CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,31}$")
DETAILS_MAX_CHARS = 2000
# How an intermediary pays a movement: never a Stripe transfer (sub-grantees have none).


def clean_code(raw: str | None) -> str:
    code = (raw or "").strip().upper()
    if not CODE.match(code):
        raise ServiceError("A code is 2 to 32 letters, digits or dashes, for example "
                           "MOV-07. Do not use a name.", "recipient_code")
    return code


def make_sub_grant(actor: User, award: Award, *, recipient_code: str, amount_minor: int,
                   country: str, purpose: str = "", category: str = "other", theme: str = "",
                   recipient_details: str | None = None, recipient_organisation_id: int | None =
                   None, application: Application | None = None,
                   pass_through: bool = False) -> SubGrant:
    """Sub-grant `amount_minor` of the award's regranting part to a recipient known by code."""
    award = pools.lock(award)
    code = clean_code(recipient_code)
    _check_award(award)
    _check_fields(country=country, category=category, purpose=purpose,
                  details=recipient_details)
    _check_room(award, code, amount_minor)
    grant = SubGrant(
        award_id=award.id, intermediary_id=award.organisation_id, recipient_code=code,
        recipient_organisation_id=recipient_organisation_id,
        recipient_details=(recipient_details or "").strip() or None, country=country,
        purpose=(purpose or "").strip(), amount_minor=amount_minor, currency=award.currency,
        category=category, theme=(theme or "").strip()[:64],
        application_id=application.id if application else None, pass_through=pass_through,
        created_by_id=actor.id)
    db.session.add(grant)
    db.session.flush()
    audit.record(actor, "sub_grant.created", grant, award_id=award.id,
                 amount_minor=amount_minor, currency=award.currency,
                 pass_through=pass_through, details_kept=grant.recipient_details is not None)
    return grant


def _check_room(award: Award, code: str, amount_minor: int) -> None:
    """Under the award's lock: the code is free and the amount fits what is left."""
    if amount_minor <= 0:
        raise ServiceError("Enter an amount above zero.", "amount")
    if db.session.scalar(sa.select(SubGrant.id).where(SubGrant.award_id == award.id,
                                                      SubGrant.recipient_code == code)):
        raise ServiceError("This award already has a sub-grant with this code.",
                           "recipient_code")
    left = award.regranting_minor - pools.sub_granted(award)
    if amount_minor > left:
        raise ServiceError(
            "Only %(amount)s is left to sub-grant from %(reference)s; this sub-grant would "
            "pass it.", "amount", amount=money.format_money(left, award.currency),
            reference=award.reference)


def _check_award(award: Award) -> None:
    if award.regranting_minor is None:
        raise ServiceError("This award is not a regranting award.")
    if award.status != AwardStatus.ACTIVE:
        raise ServiceError("This award is not active: no sub-grants can be made from it.")


def _check_fields(*, country: str, category: str, purpose: str, details: str | None) -> None:
    if not re.fullmatch(r"[A-Z]{2}", country or ""):
        raise ServiceError("Choose a country from the list.", "country")
    if category not in {c.value for c in BudgetCategory}:
        raise ServiceError("Choose a category from the list.", "category")
    if len(purpose or "") > 300:
        raise ServiceError("Use at most 300 characters.", "purpose")
    if len(details or "") > DETAILS_MAX_CHARS:
        raise ServiceError("Use at most %(max)s characters.", "recipient_details",
                           max=DETAILS_MAX_CHARS)


def left_to_pay(grant: SubGrant) -> int:
    """What is still to be paid of the sub-grant (a payment is refused beyond it)."""
    return grant.amount_minor - grant.paid_minor


def record_payment(actor: User, grant: SubGrant, *, amount_minor: int, route: PaymentRoute,
                   paid_on: date, reference: str | None = None,
                   advance: bool = False) -> SubGrantPayment:
    """Record money paid to a sub-grantee; refused past what was sub-granted to them, and
    past what the funder paid the intermediary unless `advance`: then the part beyond it
    is recorded as an advance from the intermediary's own funds."""
    award = pools.lock(grant.award)  # the same lock as sub-granting: one writer per pool
    db.session.refresh(grant, ["paid_minor", "amount_minor"])
    if route not in routes.SUBGRANT:
        raise ServiceError("Choose how it was paid from the list.", "route")
    if amount_minor <= 0:
        raise ServiceError("Enter an amount above zero.", "amount")
    left = left_to_pay(grant)
    if amount_minor > left:
        raise ServiceError(
            "Only %(amount)s of %(recipient)s's sub-grant is left to pay.", "amount",
            amount=money.format_money(left, grant.currency), recipient=grant.recipient_code)
    if len(reference or "") > 500:
        raise ServiceError("Use at most 500 characters.", "reference")
    advance_minor = _beyond_received(award, amount_minor, advance)
    payment = SubGrantPayment(sub_grant_id=grant.id, amount_minor=amount_minor,
                              currency=grant.currency, route=route, paid_on=paid_on,
                              reference=(reference or "").strip() or None,
                              advance_minor=advance_minor, recorded_by_id=actor.id)
    db.session.add(payment)
    grant.paid_minor += amount_minor
    db.session.flush()
    audit.record(actor, "sub_grant.paid", grant, payment_id=payment.id,
                 amount_minor=amount_minor, route=route.value, advance_minor=advance_minor)
    return payment


def _beyond_received(award: Award, amount_minor: int, advance: bool) -> int:
    """Under the award's lock: the part of a payment beyond what the funder paid the
    intermediary and its earlier advances; refused unless declared an advance."""
    figures = pools.pool(award)
    beyond = min(amount_minor, max(0, amount_minor - figures.available))
    if beyond and not advance:
        raise ServiceError(
            "The funder has paid you %(received)s for %(reference)s and you have paid out "
            "%(paid)s, so %(left)s is left to pay from it. Wait for the funder's payment, or "
            "record the rest as an advance from your own funds.", "amount",
            received=money.format_money(figures.received, award.currency),
            reference=award.reference,
            paid=money.format_money(figures.paid_out, award.currency),
            left=money.format_money(max(figures.available, 0), award.currency))
    return beyond


def sub_grants_of(award: Award) -> sa.Select:
    """The award's sub-grants, newest first (details stay unloaded until one is opened)."""
    return (sa.select(SubGrant).where(SubGrant.award_id == award.id)
            .options(defer(SubGrant.recipient_details))
            .order_by(SubGrant.created_at.desc(), SubGrant.id.desc()))
