"""Money in the portfolio: awarded and paid by year, fund, call type and country; budget
categories; the shares of Section IV.6-IV.8 and IV.10; protection funding year on year (IV.1).

An award counts in the period its approval falls in (`approved_at`: when it became active),
once it is active, suspended or closed (never while waiting for a second officer, never
once cancelled). A payment counts when it was paid (`Disbursement.paid_at`). Every sum is
per currency.
"""

from __future__ import annotations

import sqlalchemy as sa

from grants.extensions import db
from grants.models import (
    Application,
    Award,
    AwardStatus,
    BudgetLine,
    Call,
    Disbursement,
    DisbursementStatus,
    Fund,
    Organisation,
    OrgKind,
    SupportType,
    Tranche,
)
from grants.models.applications import PROTECTION_CATEGORIES, PSYCHOSOCIAL_CATEGORIES
from grants.reporting.portfolio import (
    CURRENT,
    PREVIOUS,
    Period,
    in_either,
    period_label,
    share,
    total,
)

COUNTED = (AwardStatus.ACTIVE, AwardStatus.SUSPENDED, AwardStatus.CLOSED)
DIMENSIONS = ("year", "fund", "call_type", "country")
UNREGISTERED = (OrgKind.UNREGISTERED_GROUP, OrgKind.INDIVIDUAL_DEFENDER)
REGRANTING = "regranting"  # the call type shown for an award to an intermediary


def _year(column):
    return sa.cast(sa.cast(sa.extract("year", column), sa.Integer), sa.String)


def _award_joins(q: sa.Select) -> sa.Select:
    return (q.join(Fund, Fund.id == Award.fund_id)
            .join(Organisation, Organisation.id == Award.organisation_id)
            .outerjoin(Application, Application.id == Award.application_id)
            .outerjoin(Call, Call.id == Application.call_id))


def _facets(when, period: Period) -> list:
    call_type = sa.case((Award.regrant_type.is_not(None), sa.literal(REGRANTING)),
                        else_=sa.func.coalesce(sa.cast(Call.call_type, sa.String), "other"))
    return [period_label(when, period).label("period"), _year(when).label("year"),
            Fund.name.label("fund"), call_type.label("call_type"),
            sa.func.coalesce(Application.country, Organisation.country).label("country")]


def _scope(q: sa.Select, when, period: Period, fund_id: int | None) -> sa.Select:
    q = q.where(Award.status.in_(COUNTED), in_either(when, period))
    return q if fund_id is None else q.where(Award.fund_id == fund_id)


def _amounts(period: Period, fund_id: int | None):
    """Each award approved and each payment paid in either period, with its facets."""
    awarded = _scope(_award_joins(sa.select(
        sa.literal("awarded").label("measure"), Award.currency.label("currency"),
        Award.amount_minor.label("amount"), *_facets(Award.approved_at, period),
    ).select_from(Award)), Award.approved_at, period, fund_id)
    paid = _scope(_award_joins(sa.select(
        sa.literal("paid").label("measure"), Disbursement.currency.label("currency"),
        Disbursement.amount_minor.label("amount"), *_facets(Disbursement.paid_at, period),
    ).select_from(Disbursement).join(Tranche, Tranche.id == Disbursement.tranche_id)
        .join(Award, Award.id == Tranche.award_id)), Disbursement.paid_at, period, fund_id
    ).where(Disbursement.status == DisbursementStatus.PAID)
    return sa.union_all(awarded, paid).cte("amounts")


def _pivot(measure_col, period_col, amount_col) -> list:
    cols = []
    for measure in ("awarded", "paid"):
        for when in (CURRENT, PREVIOUS):
            cond = sa.and_(measure_col == measure, period_col == when)
            cols.append(total(sa.case((cond, amount_col), else_=0))
                        .label(f"{measure}_{when}"))
            cols.append(total(sa.case((cond, 1), else_=0)).label(f"n_{measure}_{when}"))
    return cols


def breakdowns(period: Period, fund_id: int | None = None) -> dict:
    """{dimension: {currency: [row, ...]}} with a "total" dimension; each row has `key`,
    awarded_current, awarded_previous, paid_current, paid_previous and their counts. One query."""
    m = _amounts(period, fund_id)
    parts = [sa.select(sa.literal("total").label("dim"), sa.literal("").label("key"),
                       m.c.currency, *_pivot(m.c.measure, m.c.period, m.c.amount))
             .group_by(m.c.currency)]
    for dim in DIMENSIONS:
        parts.append(sa.select(sa.literal(dim).label("dim"), m.c[dim].label("key"),
                               m.c.currency, *_pivot(m.c.measure, m.c.period, m.c.amount))
                     .group_by(m.c[dim], m.c.currency))
    union = sa.union_all(*parts).subquery()
    rows = db.session.execute(sa.select(union).order_by(union.c.dim, union.c.currency,
                                                         union.c.key))
    out: dict = {d: {} for d in ("total", *DIMENSIONS)}
    for r in rows:  # one row per (dimension, key, currency): aggregates, not grants
        out[r.dim].setdefault(r.currency, []).append(r._asdict())
    return out


def _award_scope_subquery(period: Period, fund_id: int | None):
    q = _scope(_award_joins(sa.select(
        Award.id.label("award_id"), Award.currency, Award.amount_minor, Award.years,
        Award.support_type, Award.regrant_type, Organisation.kind.label("org_kind"),
        Application.intermediary_id, period_label(Award.approved_at, period).label("period"),
        Fund.is_protection,
    ).select_from(Award)), Award.approved_at, period, fund_id)
    return q.subquery("scoped")


def shares(period: Period, fund_id: int | None = None) -> dict:
    """{currency: {period: {total, n, multi_year, core, intermediary, unregistered} and their
    shares}} of the amounts awarded (IV.6, IV.7). One query."""
    s = _award_scope_subquery(period, fund_id)

    def amount_if(cond, label):
        return total(sa.case((cond, s.c.amount_minor), else_=0)).label(label)

    q = (sa.select(
        s.c.currency, s.c.period, sa.func.count().label("n"),
        total(s.c.amount_minor).label("total"),
        amount_if(s.c.years > 1, "multi_year"),
        amount_if(s.c.support_type == SupportType.CORE, "core"),
        amount_if(sa.or_(s.c.regrant_type.is_not(None), s.c.intermediary_id.is_not(None)),
                  "intermediary"),
        amount_if(s.c.org_kind.in_(UNREGISTERED), "unregistered"),
    ).group_by(s.c.currency, s.c.period).order_by(s.c.currency))
    return _by_currency(db.session.execute(q),
                        ("multi_year", "core", "intermediary", "unregistered"))


def _by_currency(rows, parts: tuple[str, ...]) -> dict:
    out: dict = {}
    for r in rows:  # at most two rows (periods) per currency
        d = r._asdict()
        for p in parts:
            d[f"{p}_share"] = share(d[p], d["total"])
        out.setdefault(r.currency, {})[r.period] = d
    return out


def _lines_in_scope(period: Period, fund_id: int | None, *columns) -> sa.Select:
    return _scope(sa.select(*columns).select_from(BudgetLine)
                  .join(Award, Award.id == BudgetLine.award_id), Award.approved_at,
                  period, fund_id)


def budget_shares(period: Period, fund_id: int | None = None) -> dict:
    """{currency: {period: {total, protection, psychosocial, *_share}}} of the awards'
    budget lines (IV.8, IV.10). One query."""
    when = period_label(Award.approved_at, period)

    def amount_in(categories, label):
        chosen = BudgetLine.category.in_(sorted(categories))
        return total(sa.case((chosen, BudgetLine.amount_minor), else_=0)).label(label)

    q = _lines_in_scope(
        period, fund_id, BudgetLine.currency, when.label("period"),
        total(BudgetLine.amount_minor).label("total"),
        amount_in(PROTECTION_CATEGORIES, "protection"),
        amount_in(PSYCHOSOCIAL_CATEGORIES, "psychosocial"),
    ).group_by(BudgetLine.currency, when).order_by(BudgetLine.currency)
    return _by_currency(db.session.execute(q), ("protection", "psychosocial"))


def categories(period: Period, fund_id: int | None = None) -> dict:
    """{currency: [{key: category, current, previous}]} of the awards' budget lines."""
    when = period_label(Award.approved_at, period)
    cur = total(sa.case((when == CURRENT, BudgetLine.amount_minor), else_=0))
    prev = total(sa.case((when == PREVIOUS, BudgetLine.amount_minor), else_=0))
    q = _lines_in_scope(period, fund_id, BudgetLine.currency,
                        sa.cast(BudgetLine.category, sa.String).label("key"),
                        cur.label("current"), prev.label("previous"),
                        ).group_by(BudgetLine.currency, BudgetLine.category
                                   ).order_by(BudgetLine.currency, cur.desc())
    out: dict = {}
    for r in db.session.execute(q):  # one row per currency and category
        out.setdefault(r.currency, []).append(r._asdict())
    return out


def protection_year_on_year(year: int, fund_id: int | None = None) -> dict:
    """{currency: {fund_this, fund_last, lines_this, lines_last}}: awards from protection
    funds (`Fund.is_protection`) and the protection budget lines of all awards (IV.8
    categories), approved in `year` and the year before (IV.1). One query."""
    period = Period.calendar_year(year)
    this_year = sa.case((Award.approved_at >= period.since, 1), else_=0)
    funds = _scope(sa.select(
        sa.literal("fund").label("measure"), this_year.label("this_year"),
        Award.currency.label("currency"), Award.amount_minor.label("amount"),
    ).select_from(Award).join(Fund, Fund.id == Award.fund_id).where(Fund.is_protection),
        Award.approved_at, period, fund_id)
    lines = _lines_in_scope(
        period, fund_id, sa.literal("lines").label("measure"), this_year.label("this_year"),
        BudgetLine.currency.label("currency"), BudgetLine.amount_minor.label("amount"),
    ).where(BudgetLine.category.in_(sorted(PROTECTION_CATEGORIES)))
    u = sa.union_all(funds, lines).subquery()

    def amount(measure, this):
        cond = sa.and_(u.c.measure == measure, u.c.this_year == (1 if this else 0))
        return total(sa.case((cond, u.c.amount), else_=0))

    q = sa.select(u.c.currency, amount("fund", True).label("fund_this"),
                  amount("fund", False).label("fund_last"),
                  amount("lines", True).label("lines_this"),
                  amount("lines", False).label("lines_last")).group_by(u.c.currency)
    return {r.currency: r._asdict() for r in db.session.execute(q.order_by(u.c.currency))}
