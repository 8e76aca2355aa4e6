"""The decision clock of a rapid-response request, and how fast the answer and
the money came.

The clock runs from sending to `rapid_due_at` (the fund's target, 72 hours by default,
fixed when the request was sent). Time to decision and time to payment are computed from
the timestamps already kept (submitted_at, decided_at, the first disbursement's sent_at and
paid_at) rather than stored twice.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import sqlalchemy as sa

from grants.extensions import db
from grants.models import Application, Award, Disbursement, DisbursementStatus, Tranche
from grants.models.types import utcnow


@dataclasses.dataclass(frozen=True)
class Clock:
    due_at: datetime
    seconds_left: int  # negative once past target

    @property
    def past_target(self) -> bool:
        return self.seconds_left < 0

    @property
    def hours_left(self) -> int:
        """Whole hours left; past target, minus the hours begun since (-1 within the first)."""
        return self.seconds_left // 3600


def clock(application: Application, now: datetime | None = None) -> Clock | None:
    """The request's decision clock while it waits; None when it is not a timed request or
    is already decided."""
    if application.rapid_due_at is None or application.decided_at is not None:
        return None
    left = application.rapid_due_at - (now or utcnow())
    return Clock(application.rapid_due_at, int(left.total_seconds()))


def time_to_decision(application: Application) -> timedelta | None:
    if application.submitted_at is None or application.decided_at is None:
        return None
    return application.decided_at - application.submitted_at


def first_payment(application: Application) -> Disbursement | None:
    return db.session.scalar(
        sa.select(Disbursement).join(Tranche).join(Award)
        .where(Award.application_id == application.id)
        .order_by(Disbursement.id).limit(1))


def time_to_payment(application: Application) -> tuple[timedelta | None, timedelta | None]:
    """(decision -> first money sent, decision -> first money paid), each None until then."""
    d = first_payment(application)
    if d is None or application.decided_at is None:
        return None, None
    return ((d.sent_at - application.decided_at) if d.sent_at else None,
            (d.paid_at - application.decided_at) if d.paid_at else None)


def waiting_payment(d: Disbursement | None) -> bool:
    return d is not None and d.status in (DisbursementStatus.SCHEDULED,
                                          DisbursementStatus.APPROVED,
                                          DisbursementStatus.SENDING)
