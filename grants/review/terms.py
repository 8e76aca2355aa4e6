"""The terms of an approval as the portal understood them, shown back to the officer before
the approval is final (wherever money is decided, the amount is shown back as it was
understood), and the warning when the amount is far from what the group asked for.

`Terms` has the attribute names of an `Award` (amount_minor, currency, years, support_type,
start_date, end_date, conditions, tranches, organisation), so one template shows either the
terms about to be approved or an award waiting for its second officer.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal

from flask import current_app

from grants.awards import services as awards
from grants.models import Application, Organisation, SupportType, User
from grants.models.types import utcnow
from grants.review.decisions import check_decider, check_no_award, check_route


@dataclasses.dataclass(frozen=True)
class PlannedTranche:
    sequence: int
    due_date: date
    amount_minor: int
    currency: str


@dataclasses.dataclass(frozen=True)
class Terms:
    amount_minor: int
    currency: str
    years: int
    support_type: SupportType
    start_date: date
    end_date: date
    conditions: str
    tranches: list[PlannedTranche]
    organisation: Organisation  # who receives the award: the group or its intermediary
    far: bool  # far from the amount requested: the officer ticks that it is meant


def far_from_request(application: Application, amount_minor: int, currency: str) -> bool:
    """True when the amount differs from the request by more than the configured factors
    (APPROVAL_WARN_ABOVE / APPROVAL_WARN_BELOW, e.g. 1.5 and 0.5 times), or is in another
    currency, where no comparison is possible."""
    requested = application.amount_requested_minor or 0
    if requested <= 0:
        return False
    if currency != application.currency:
        return True
    above = Decimal(str(current_app.config["APPROVAL_WARN_ABOVE"]))
    below = Decimal(str(current_app.config["APPROVAL_WARN_BELOW"]))
    return not requested * below <= amount_minor <= requested * above


def _planned(amount_minor: int, currency: str, start: date, years: int) -> list:
    return [PlannedTranche(i, due, amount, currency) for i, (due, amount) in enumerate(
        awards.planned_tranches(amount_minor, start, years), start=1)]


def preview(actor: User, application: Application, *, amount_minor: int, currency: str,
            start_date: date | None, years: int, support_type: SupportType,
            conditions: str = "", intermediary: Organisation | None = None) -> Terms:
    """The award an approval on these terms would make, refused (ServiceError) on the same
    grounds as `decisions.approve`, so a mistake shows on the form before the confirmation."""
    check_decider(actor, application)
    check_no_award(application)
    awards.check_terms(amount_minor=amount_minor, currency=currency, start_date=start_date,
                       years=years, max_years=max(application.call.max_years, 1))
    check_route(application, intermediary)
    return Terms(amount_minor=amount_minor, currency=currency, years=years,
                 support_type=support_type, start_date=start_date,
                 end_date=awards.end_date(start_date, years),
                 conditions=(conditions or "").strip(),
                 tranches=_planned(amount_minor, currency, start_date, years),
                 organisation=intermediary or application.organisation,
                 far=far_from_request(application, amount_minor, currency))


def preview_emergency(actor: User, application: Application, *, amount_minor: int, currency: str,
                      now: datetime | None = None) -> Terms:
    """An emergency award's terms (grants.awards.services.create_emergency_award): one
    year from today, one tranche due at once."""
    check_decider(actor, application)
    check_no_award(application)
    today = (now or utcnow()).date()
    awards.check_terms(amount_minor=amount_minor, currency=currency, start_date=today, years=1)
    return Terms(amount_minor=amount_minor, currency=currency, years=1,
                 support_type=SupportType.PROJECT, start_date=today,
                 end_date=awards.end_date(today, 1), conditions="",
                 tranches=[PlannedTranche(1, today, amount_minor, currency)],
                 organisation=application.organisation,
                 far=far_from_request(application, amount_minor, currency))
