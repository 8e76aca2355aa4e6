"""Fund rules."""

from __future__ import annotations

import sqlalchemy as sa

from grants import money
from grants.errors import ServiceError
from grants.extensions import db
from grants.models import Call, Fund, User
from grants.security import audit

FIELDS = ("name", "description", "is_protection", "accepts_donations",
          "rapid_response_target_hours", "is_active")


def save_fund(actor: User, fund: Fund | None, *, currency: str, envelope: str, **fields) -> Fund:
    """Create or update a fund. Its currency is fixed once a call uses it."""
    if currency not in money.CURRENCIES:
        raise ServiceError("Choose a currency from the list.", field="currency")
    envelope_minor = money.to_minor(envelope, currency, field="envelope")
    clash = db.session.scalar(sa.select(Fund.id).where(Fund.name == fields["name"].strip()))
    if clash is not None and (fund is None or clash != fund.id):
        raise ServiceError("Another fund has that name.", field="name")
    creating = fund is None
    if creating:
        fund = Fund(currency=currency)
        db.session.add(fund)
    elif currency != fund.currency:
        used = db.session.scalar(sa.select(sa.func.count()).where(Call.fund_id == fund.id))
        if used:
            raise ServiceError("The currency cannot change once a call uses this fund.",
                               field="currency")
        fund.currency = currency
    for key in FIELDS:
        setattr(fund, key, fields[key].strip() if isinstance(fields[key], str) else fields[key])
    fund.envelope_minor = envelope_minor
    db.session.flush()
    audit.record(actor, "fund.created" if creating else "fund.updated", fund,
                 currency=currency, envelope_minor=envelope_minor)
    return fund
