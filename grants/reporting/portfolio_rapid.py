"""Rapid response in the portfolio (IV.4, IV.5): how many requests, how fast a decision and
a payment came, how many within the fund's target, in-country protection vs relocation.

A request is an application with a `rapid_category`, counted in the period it was sent
(`submitted_at`). Time to decision: submitted_at -> decided_at; time to payment:
submitted_at -> the first paid disbursement of its award. Within target: decided at or
before `rapid_due_at` (fixed from the fund's target when the request was sent), out of
the requests decided or already past their target.
"""

from __future__ import annotations

import sqlalchemy as sa

from grants.extensions import db
from grants.models import (
    Application,
    Award,
    Call,
    Disbursement,
    DisbursementStatus,
    RapidCategory,
    Tranche,
)
from grants.models.types import utcnow
from grants.reporting.portfolio import (
    CURRENT,
    PREVIOUS,
    Period,
    hours_between,
    in_either,
    percentiles,
    period_label,
    share,
    total,
)


def _requests(period: Period, fund_id: int | None, *columns) -> sa.Select:
    q = (sa.select(*columns).select_from(Application)
         .where(Application.rapid_category.is_not(None),
                in_either(Application.submitted_at, period)))
    if fund_id is not None:
        q = q.join(Call, Call.id == Application.call_id).where(Call.fund_id == fund_id)
    return q


def _counts(period: Period, fund_id: int | None) -> dict:
    when = period_label(Application.submitted_at, period)

    def count_if(cond, label):
        return total(sa.case((cond, 1), else_=0)).label(label)

    q = _requests(
        period, fund_id, when.label("period"), sa.func.count().label("requests"),
        count_if(Application.decided_at.is_not(None), "decided"),
        count_if(Application.decided_at <= Application.rapid_due_at, "within_target"),
        # Decided, or past the target undecided: both count in the share within target.
        count_if(sa.or_(Application.decided_at.is_not(None),
                        Application.rapid_due_at < utcnow()), "judged"),
        *(count_if(Application.rapid_category == c, c.value) for c in RapidCategory),
    ).group_by(when)
    return {r.period: r._asdict() for r in db.session.execute(q)}


def _decision_hours(period: Period, fund_id: int | None):
    return _requests(
        period, fund_id, period_label(Application.submitted_at, period).label("period"),
        hours_between(Application.submitted_at, Application.decided_at).label("v"),
    ).where(Application.decided_at.is_not(None)).subquery()


def _payment_hours(period: Period, fund_id: int | None):
    """Hours from each request to the first paid disbursement of its award, reached from the
    requests (a few thousand) through their award by index, not from every payment made.
    Outer joins keep the requests first in the plan; a request never paid is left out."""
    first_paid = sa.func.min(Disbursement.paid_at)
    paid = sa.and_(Disbursement.tranche_id == Tranche.id,
                   Disbursement.status == DisbursementStatus.PAID)
    return (_requests(
        period, fund_id, period_label(Application.submitted_at, period).label("period"),
        hours_between(Application.submitted_at, first_paid).label("v"))
        .outerjoin(Award, Award.application_id == Application.id)
        .outerjoin(Tranche, Tranche.award_id == Award.id).outerjoin(Disbursement, paid)
        .group_by(Application.submitted_at, Application.id)  # the order of the rapid index
        .having(first_paid.is_not(None)).subquery())


def summary(period: Period, fund_id: int | None = None) -> dict:
    """{period: {requests, decided, within_target, within_target_share, <category>...,
    decision: {n, median, p90}, payment: {n, median, p90}}} in hours. Three queries."""
    counts = _counts(period, fund_id)
    decision = {r.g: r._asdict() for r in
                db.session.execute(percentiles(_decision_hours(period, fund_id)))}
    payment = {r.g: r._asdict() for r in
               db.session.execute(percentiles(_payment_hours(period, fund_id)))}
    empty = {"n": 0, "median": None, "p90": None}
    out = {}
    for when in (CURRENT, PREVIOUS):  # two periods, not rows
        c = counts.get(when) or {"requests": 0, "decided": 0, "within_target": 0, "judged": 0,
                                 **{k.value: 0 for k in RapidCategory}}
        c["within_target_share"] = share(c["within_target"], c["judged"])
        c["decision"] = decision.get(when, empty)
        c["payment"] = payment.get(when, empty)
        out[when] = c
    return out
