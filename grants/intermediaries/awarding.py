"""A regranting award the funder makes to an intermediary directly, without an
application (a common regrant, a transfer, a fiscal sponsorship: the 360Giving regrant
types). It has the tranches, yearly reports and two-person rule of any award, from
grants.awards.services; `regranting_minor` is the part the intermediary may sub-grant."""

from __future__ import annotations

import secrets
from datetime import date

import sqlalchemy as sa

from grants.awards import services as awards
from grants.errors import ServiceError
from grants.extensions import db
from grants.models import (
    Award,
    AwardStatus,
    BudgetCategory,
    BudgetLine,
    Fund,
    Organisation,
    OrgKind,
    RegrantType,
    SupportType,
    User,
)
from grants.models.organisations import by_name
from grants.models.types import utcnow
from grants.security import audit


def make_regranting_award(actor: User, intermediary: Organisation, fund: Fund, *,
                          amount_minor: int, regranting_minor: int, start_date: date | None,
                          years: int, regrant_type: RegrantType, conditions: str = "") -> Award:
    """Award `amount_minor` of `fund` to a verified intermediary, `regranting_minor` of it
    to sub-grant; active at once, or waiting for a second officer above the threshold."""
    if not (intermediary.kind == OrgKind.INTERMEDIARY and intermediary.is_verified):
        raise ServiceError("Choose a verified intermediary.", "intermediary")
    if not fund.is_active:
        raise ServiceError("That fund is not active. Choose an active fund.", "fund")
    awards.check_terms(amount_minor=amount_minor, currency=fund.currency,
                       start_date=start_date, years=years)
    if not 0 < regranting_minor <= amount_minor:
        raise ServiceError("The part to sub-grant must be above zero and at most the award.",
                           "regranting")
    pending = awards.needs_second_approval(amount_minor, fund.currency)
    award = Award(
        reference=f"AW-RG-{secrets.token_hex(4).upper()}", organisation_id=intermediary.id,
        fund_id=fund.id, amount_minor=amount_minor, currency=fund.currency,
        start_date=start_date, end_date=awards.end_date(start_date, years), years=years,
        support_type=SupportType.PROJECT, regrant_type=regrant_type,
        regranting_minor=regranting_minor, conditions=(conditions or "").strip(),
        status=AwardStatus.PENDING_APPROVAL if pending else AwardStatus.ACTIVE,
        decided_by_id=actor.id, approved_at=None if pending else utcnow())
    db.session.add(award)
    award.report_requirements = awards.default_requirements(award)
    award.tranches = awards.default_tranches(award, award.report_requirements)
    award.budget_lines = [
        BudgetLine(category=BudgetCategory.PROGRAMME, year=year, description="Regranting",
                   amount_minor=part, currency=fund.currency)
        for year, part in enumerate(awards.even_split(amount_minor, years), start=1)]
    db.session.flush()
    audit.record(actor, "award.created", award, intermediary_id=intermediary.id,
                 amount_minor=amount_minor, regranting_minor=regranting_minor,
                 currency=fund.currency, regrant_type=regrant_type.value,
                 status=award.status.value)
    return award


def verified_intermediaries() -> list[Organisation]:
    return by_name(db.session.scalars(sa.select(Organisation).where(
        Organisation.kind == OrgKind.INTERMEDIARY, Organisation.is_verified.is_(True))))


def active_funds() -> list[Fund]:
    return list(db.session.scalars(sa.select(Fund).where(Fund.is_active.is_(True))
                                   .order_by(Fund.name)))
