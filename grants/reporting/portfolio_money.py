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
    share,
    total,
)

COUNTED = (AwardStatus.ACTIVE, AwardStatus.SUSPENDED, AwardStatus.CLOSED)
DIMENSIONS = ("year", "fund", "call_type", "country")
UNREGISTERED = (OrgKind.UNREGISTERED_GROUP, OrgKind.INDIVIDUAL_DEFENDER)
REGRANTING = "regranting"  # the call type shown for an award to an intermediary
THIS_YEAR, LAST_YEAR, OUTSIDE = "this_year", "last_year", "outside"


def _scope(q: sa.Select, when, period: Period, fund_id: int | None) -> sa.Select:
    q = q.where(Award.status.in_(COUNTED), in_either(when, period))
    return q if fund_id is None else q.where(Award.fund_id == fund_id)


def _bucket(when, period: Period):
    """The calendar year and the period of a moment known to fall in either period, as one
    number (year * 2, plus 1 in the current period): one key to group by instead of two.
    The same year and comparison as the labels always had."""
    year = sa.cast(sa.extract("year", when), sa.Integer)
    return year * 2 + sa.case((when >= period.since, 1), else_=0)


def _facets(when, period: Period) -> list:
    """What each amount is grouped by, as ids where a name would be looked up once per
    amount: the fund's, and the organisation's only for the few awards without an
    application (its country is the application's)."""
    call_type = sa.case((Award.regrant_type.is_not(None), sa.literal(REGRANTING)),
                        else_=sa.func.coalesce(sa.cast(Call.call_type, sa.String), "other"))
    return [_bucket(when, period).label("bucket"),
            Award.fund_id.label("fund_id"), call_type.label("call_type"),
            Application.country.label("app_country"),
            sa.case((Application.country.is_(None), Award.organisation_id)).label("org_id")]


def _with_application(q: sa.Select) -> sa.Select:
    return (q.outerjoin(Application, Application.id == Award.application_id)
            .outerjoin(Call, Call.id == Application.call_id))


def _amounts(period: Period, fund_id: int | None):
    """Each award approved and each payment paid in either period, summed per currency and
    facets at the finest grain (about a thousand rows, not tens of thousands), so that the
    five breakdowns add up those sums instead of each reading every amount again."""
    awarded = _scope(_with_application(sa.select(
        sa.literal("awarded").label("measure"), Award.currency.label("currency"),
        Award.amount_minor.label("amount"), *_facets(Award.approved_at, period),
    ).select_from(Award)), Award.approved_at, period, fund_id)
    paid = _scope(_with_application(sa.select(
        sa.literal("paid").label("measure"), Disbursement.currency.label("currency"),
        Disbursement.amount_minor.label("amount"), *_facets(Disbursement.paid_at, period),
    ).select_from(Disbursement).join(Tranche, Tranche.id == Disbursement.tranche_id)
        .join(Award, Award.id == Tranche.award_id)), Disbursement.paid_at, period, fund_id
    ).where(Disbursement.status == DisbursementStatus.PAID)
    rows = sa.union_all(awarded, paid).subquery()
    keys = [c for c in rows.c if c.name != "amount"]
    fine = (sa.select(*keys, total(rows.c.amount).label("amount"), sa.func.count().label("n"))
            .group_by(*keys).subquery())
    country = sa.func.coalesce(fine.c.app_country, Organisation.country)
    bucket = sa.cast(fine.c.bucket, sa.Integer)
    when = sa.case((bucket % 2 == 1, sa.literal(CURRENT)), else_=sa.literal(PREVIOUS))
    return (sa.select(fine.c.measure, when.label("period"), fine.c.currency,
                      sa.cast(bucket // 2, sa.String).label("year"), Fund.name.label("fund"),
                      fine.c.call_type, country.label("country"), fine.c.amount, fine.c.n)
            .select_from(fine).join(Fund, Fund.id == fine.c.fund_id)
            .outerjoin(Organisation, Organisation.id == fine.c.org_id).cte("amounts"))


def _pivot(m) -> list:
    cols = []
    for measure in ("awarded", "paid"):
        for when in (CURRENT, PREVIOUS):
            cond = sa.and_(m.c.measure == measure, m.c.period == when)
            cols.append(total(sa.case((cond, m.c.amount), else_=0))
                        .label(f"{measure}_{when}"))
            cols.append(total(sa.case((cond, m.c.n), else_=0)).label(f"n_{measure}_{when}"))
    return cols


def breakdowns(period: Period, fund_id: int | None = None) -> dict:
    """{dimension: {currency: [row, ...]}} with a "total" dimension; each row has `key`,
    awarded_current, awarded_previous, paid_current, paid_previous and their counts. One query."""
    m = _amounts(period, fund_id)
    parts = [sa.select(sa.literal("total").label("dim"), sa.literal("").label("key"),
                       m.c.currency, *_pivot(m))
             .group_by(m.c.currency)]
    for dim in DIMENSIONS:
        parts.append(sa.select(sa.literal(dim).label("dim"), m.c[dim].label("key"),
                               m.c.currency, *_pivot(m))
                     .group_by(m.c[dim], m.c.currency))
    union = sa.union_all(*parts).subquery()
    rows = db.session.execute(sa.select(union).order_by(union.c.dim, union.c.currency,
                                                         union.c.key))
    out: dict = {d: {} for d in ("total", *DIMENSIONS)}
    for r in rows:  # one row per (dimension, key, currency): aggregates, not grants
        out[r.dim].setdefault(r.currency, []).append(r._asdict())
    return out


# Shares, budget lines and protection year on year read the same awards: those approved in
# either period and, for protection (IV.1), in the calendar year of the period's end and
# the year before. The two spans always touch (the period ends in that year), so one range
# covers both; each figure sums only the awards of its own span.

def _spans(period: Period) -> dict:
    year = Period.calendar_year(period.end.year)
    return {CURRENT: period, PREVIOUS: period.previous(),
            THIS_YEAR: year, LAST_YEAR: year.previous()}


def _bounds(period: Period) -> tuple:
    spans = _spans(period).values()
    return min(s.since for s in spans), max(s.until for s in spans)


def _in_scope(q: sa.Select, period: Period, fund_id: int | None) -> sa.Select:
    since, until = _bounds(period)
    q = q.where(Award.status.in_(COUNTED), Award.approved_at >= since,
                Award.approved_at < until)
    return q if fund_id is None else q.where(Award.fund_id == fund_id)


def _within(span: Period, period: Period):
    """Approved in `span`, for an award already in scope: a bound the scope shares is not
    tested again (a calendar year then needs one comparison per row, not two)."""
    since, until = _bounds(period)
    return sa.and_(sa.true(), *([Award.approved_at >= span.since] if span.since > since else []),
                   *([Award.approved_at < span.until] if span.until < until else []))


def _sum_in(span: Period, period: Period, value, condition=None):
    cond = _within(span, period)
    if condition is not None:
        cond = sa.and_(cond, condition)
    return total(sa.case((cond, value), else_=0))


def _award_rows(period: Period, fund_id: int | None) -> list[dict]:
    """Per currency and period (current, previous, or neither): the shares' sums, and the
    protection funds' awards in this year and the last, with their counts."""
    spans = _spans(period)
    label = sa.case(*((_within(spans[w], period), sa.literal(w)) for w in (CURRENT, PREVIOUS)),
                    else_=sa.literal(OUTSIDE))
    amount = Award.amount_minor

    def amount_if(cond, name):
        return total(sa.case((cond, amount), else_=0)).label(name)

    protection = Fund.is_protection
    q = _in_scope(sa.select(
        Award.currency, label.label("period"), sa.func.count().label("n"),
        total(amount).label("total"),
        amount_if(Award.years > 1, "multi_year"),
        amount_if(Award.support_type == SupportType.CORE, "core"),
        amount_if(sa.or_(Award.regrant_type.is_not(None),
                         Application.intermediary_id.is_not(None)), "intermediary"),
        amount_if(Organisation.kind.in_(UNREGISTERED), "unregistered"),
        *(_sum_in(spans[y], period, v, protection).label(f"{p}{y}") for y in (THIS_YEAR, LAST_YEAR)
          for p, v in (("fund_", amount), ("n_fund_", 1))),
    ).select_from(Award).join(Fund, Fund.id == Award.fund_id)
        .join(Organisation, Organisation.id == Award.organisation_id)
        .outerjoin(Application, Application.id == Award.application_id), period, fund_id)
    q = q.group_by(Award.currency, label).order_by(Award.currency)
    return [r._asdict() for r in db.session.execute(q)]


SHARE_PARTS = ("multi_year", "core", "intermediary", "unregistered")


def _shares(rows: list[dict]) -> dict:
    out: dict = {}
    for r in rows:  # at most three rows (periods) per currency
        if r["period"] != OUTSIDE:
            d = {k: r[k] for k in ("currency", "period", "n", "total", *SHARE_PARTS)}
            for p in SHARE_PARTS:
                d[f"{p}_share"] = share(d[p], d["total"])
            out.setdefault(r["currency"], {})[r["period"]] = d
    return out


def shares(period: Period, fund_id: int | None = None) -> dict:
    """{currency: {period: {total, n, multi_year, core, intermediary, unregistered} and their
    shares}} of the amounts awarded (IV.6, IV.7). One query."""
    return _shares(_award_rows(period, fund_id))


def _line_rows(period: Period, fund_id: int | None) -> list[dict]:
    """Per currency and budget category: the lines' sums and counts in each span, the
    largest this period first. A calendar-year period is its own protection year: its
    sums are not added up twice."""
    spans = _spans(period)
    same = {y: w for y, w in ((THIS_YEAR, CURRENT), (LAST_YEAR, PREVIOUS))
            if spans[y] == spans[w]}
    cols = [_sum_in(spans[w], period, v).label(f"{p}{w}") for w in spans if w not in same
            for p, v in (("", BudgetLine.amount_minor), ("n_", 1))]
    q = _in_scope(sa.select(BudgetLine.currency,
                            sa.cast(BudgetLine.category, sa.String).label("key"), *cols)
                  .select_from(BudgetLine).join(Award, Award.id == BudgetLine.award_id),
                  period, fund_id)
    largest = _sum_in(spans[CURRENT], period, BudgetLine.amount_minor).desc()
    q = q.group_by(BudgetLine.currency, BudgetLine.category).order_by(BudgetLine.currency, largest)
    rows = [r._asdict() for r in db.session.execute(q)]
    for r in rows:  # one per currency and category
        for y, w in same.items():
            r[y], r[f"n_{y}"] = r[w], r[f"n_{w}"]
    return rows


def _categories(rows: list[dict]) -> dict:
    out: dict = {}
    for r in rows:  # one row per currency and category
        if r[f"n_{CURRENT}"] or r[f"n_{PREVIOUS}"]:
            out.setdefault(r["currency"], []).append(
                {k: r[k] for k in ("currency", "key", CURRENT, PREVIOUS)})
    return out


BUDGET_PARTS = {"protection": frozenset(c.value for c in PROTECTION_CATEGORIES),
                "psychosocial": frozenset(c.value for c in PSYCHOSOCIAL_CATEGORIES)}


def _budget_shares(rows: list[dict]) -> dict:
    """{currency: {period: {total, protection, psychosocial, *_share}}}: a period is there
    when it has at least one line."""
    sums: dict = {}
    for r in rows:  # aggregated rows, a dozen per currency
        for when in (CURRENT, PREVIOUS):
            if r[f"n_{when}"]:
                d = sums.setdefault((r["currency"], when), {
                    "currency": r["currency"], "period": when, "total": 0,
                    **dict.fromkeys(BUDGET_PARTS, 0)})
                d["total"] += r[when]
                for part, chosen in BUDGET_PARTS.items():
                    d[part] += r[when] if r["key"] in chosen else 0
    out: dict = {}
    for (currency, when), d in sorted(sums.items()):
        for part in BUDGET_PARTS:
            d[f"{part}_share"] = share(d[part], d["total"])
        out.setdefault(currency, {})[when] = d
    return out


def budget_shares(period: Period, fund_id: int | None = None) -> dict:
    """{currency: {period: {total, protection, psychosocial, *_share}}} of the awards'
    budget lines (IV.8, IV.10). One query."""
    return _budget_shares(_line_rows(period, fund_id))


def categories(period: Period, fund_id: int | None = None) -> dict:
    """{currency: [{key: category, current, previous}]} of the awards' budget lines."""
    return _categories(_line_rows(period, fund_id))


def _protection(award_rows: list[dict], line_rows: list[dict]) -> dict:
    """{currency: {fund_this, fund_last, lines_this, lines_last}}, for each currency with at
    least one protection fund award or protection line in either year."""
    sums: dict = {}
    for measure, rows in (("fund", award_rows), ("lines", line_rows)):
        for r in rows:  # aggregated rows
            if measure == "lines" and r["key"] not in BUDGET_PARTS["protection"]:
                continue
            d = sums.setdefault(r["currency"], {
                "currency": r["currency"], "fund_this": 0, "fund_last": 0, "lines_this": 0,
                "lines_last": 0, "n": 0})
            prefix = "fund_" if measure == "fund" else ""
            for y, name in ((THIS_YEAR, "this"), (LAST_YEAR, "last")):
                d[f"{measure}_{name}"] += r[f"{prefix}{y}"]
                d["n"] += r[f"n_{prefix}{y}"]
    return {c: {k: v for k, v in d.items() if k != "n"}
            for c, d in sorted(sums.items()) if d["n"]}


def protection_year_on_year(year: int, fund_id: int | None = None) -> dict:
    """{currency: {fund_this, fund_last, lines_this, lines_last}}: awards from protection
    funds (`Fund.is_protection`) and the protection budget lines of all awards (IV.8
    categories), approved in `year` and the year before (IV.1). Two queries."""
    period = Period.calendar_year(year)
    return _protection(_award_rows(period, fund_id), _line_rows(period, fund_id))


def awards_and_lines(period: Period, fund_id: int | None = None) -> dict:
    """shares, budget_shares, categories and protection (for the calendar year the period
    ends in) from two queries: one over the awards, one over their budget lines."""
    award_rows, line_rows = _award_rows(period, fund_id), _line_rows(period, fund_id)
    return {"categories": _categories(line_rows), "shares": _shares(award_rows),
            "budget_shares": _budget_shares(line_rows),
            "protection": _protection(award_rows, line_rows)}
