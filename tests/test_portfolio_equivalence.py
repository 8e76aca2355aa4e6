"""The portfolio's SQL aggregates against the same figures worked out in Python, award by
award and line by line, on a generated portfolio: calendar years, a period across two years,
a period that is not a calendar year (so that protection year on year reads other awards
than the period), and one fund. The aggregates were rewritten for speed (one pass over the
budget lines for categories, budget shares and protection; the money summed at its finest
grain before the breakdowns); this is what says they still mean the same thing.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from grants.extensions import db
from grants.models import (
    ApplicationStatus,
    Award,
    AwardStatus,
    BudgetCategory,
    BudgetLine,
    CallType,
    Disbursement,
    DisbursementStatus,
    Fund,
    OrgKind,
    PaymentRoute,
    RapidCategory,
    RegrantType,
    SupportType,
    Tranche,
)
from grants.models.applications import PROTECTION_CATEGORIES, PSYCHOSOCIAL_CATEGORIES
from grants.reporting import dashboard, portfolio_money, portfolio_rapid
from grants.reporting.portfolio import CURRENT, PREVIOUS, Period
from tests import factories

COUNTED = {AwardStatus.ACTIVE, AwardStatus.SUSPENDED, AwardStatus.CLOSED}
PERIODS = [Period.calendar_year(2026), Period(date(2025, 1, 1), date(2026, 12, 31)),
           Period(date(2026, 3, 15), date(2026, 9, 30)), Period(date(2025, 11, 1),
                                                               date(2026, 1, 31))]


def _at(rng: random.Random) -> datetime:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    return start + timedelta(hours=rng.randrange(3 * 365 * 24))


@pytest.fixture
def generated(app):
    """About 120 awards in two currencies over 2024-2026, with lines (some of amount 0),
    payments (some not paid), regrants, awards without an application, pending and
    cancelled ones, and rapid requests paid once, twice or never."""
    rng = random.Random(8)
    with app.app_context():
        usd = factories.fund(currency="USD", is_protection=True)
        eur = factories.fund(currency="EUR")
        usd2 = factories.fund(currency="USD")
        orgs = [factories.organisation(kind=k, country=c) for k in OrgKind
                for c in ("CO", "KE", "GT")]
        calls = [factories.call(f, call_type=t, questions=0, closes_at=None)
                 for f in (usd, eur, usd2) for t in (CallType.OPEN, CallType.CORE_SUPPORT,
                                                     CallType.RAPID_RESPONSE)]
        statuses = [*COUNTED, AwardStatus.PENDING_APPROVAL, AwardStatus.CANCELLED]
        for i in range(120):
            call = rng.choice(calls + [None] * 3)
            fund = call.fund if call else rng.choice([usd, eur, usd2])
            org = rng.choice(orgs)
            app_ = None
            if call is not None:
                app_ = factories.application(
                    call, org, status=ApplicationStatus.APPROVED, budget=False,
                    rapid_category=(rng.choice(list(RapidCategory))
                                    if call.call_type == CallType.RAPID_RESPONSE else None))
                app_.country = rng.choice(["CO", "PE", org.country])
                app_.submitted_at = _at(rng)
                app_.decided_at = app_.submitted_at + timedelta(hours=rng.randrange(1, 300))
                app_.rapid_due_at = app_.submitted_at + timedelta(hours=72)
            approved = _at(rng)
            award = Award(
                reference=f"EQ-{i:04d}", application=app_, organisation_id=org.id,
                fund_id=fund.id, amount_minor=rng.randrange(1, 50) * 1_000,
                currency=fund.currency, start_date=approved.date(),
                end_date=approved.date() + timedelta(days=365), years=rng.choice([1, 2, 3]),
                support_type=rng.choice(list(SupportType)), status=rng.choice(statuses),
                approved_at=approved,
                regrant_type=RegrantType.TRANSFER_TO_INTERMEDIARY if rng.random() < .1
                else None)
            award.budget_lines = [
                BudgetLine(category=rng.choice(list(BudgetCategory)),
                           amount_minor=rng.choice([0, 500, 1_000, 2_500]),
                           currency=fund.currency) for _ in range(rng.randrange(0, 5))]
            db.session.add(award)
            db.session.flush()
            for seq in range(rng.randrange(0, 4)):
                paid_at = approved + timedelta(days=rng.randrange(0, 400))
                status = rng.choice([DisbursementStatus.PAID, DisbursementStatus.PAID,
                                     DisbursementStatus.SENT])
                tranche = Tranche(award_id=award.id, sequence=seq + 1,
                                  due_date=paid_at.date(), amount_minor=1_000,
                                  currency=fund.currency)
                db.session.add(tranche)
                db.session.flush()
                db.session.add(Disbursement(
                    tranche_id=tranche.id, amount_minor=rng.randrange(1, 20) * 100,
                    currency=fund.currency, route=PaymentRoute.BANK_TRANSFER, status=status,
                    idempotency_key=f"eq-{i}-{seq}",
                    paid_at=paid_at if status == DisbursementStatus.PAID else None))
        db.session.commit()
        return [None, usd.id, eur.id]


def _label(when: datetime, period: Period) -> str | None:
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when
    for name, p in ((CURRENT, period), (PREVIOUS, period.previous())):
        if p.since <= when < p.until:
            return name
    return None


def _paid(award: Award) -> list[Disbursement]:
    return db.session.scalars(
        sa.select(Disbursement).join(Tranche, Tranche.id == Disbursement.tranche_id)
        .where(Tranche.award_id == award.id,
               Disbursement.status == DisbursementStatus.PAID)).all()


def _awards(fund_id):
    q = sa.select(Award).where(Award.status.in_(COUNTED))
    if fund_id is not None:
        q = q.where(Award.fund_id == fund_id)
    return db.session.scalars(q).all()


def _facets(award: Award, when: datetime) -> dict:
    a = award.application
    call_type = ("regranting" if award.regrant_type is not None
                 else (a.call.call_type.value if a is not None else "other"))
    return {"year": str(when.year), "fund": db.session.get(Fund, award.fund_id).name,
            "call_type": call_type,
            "country": (a.country if a is not None and a.country else None)
            or award.organisation.country}


def expected_breakdowns(period: Period, fund_id) -> dict:
    cells: dict = defaultdict(lambda: defaultdict(int))
    for award in _awards(fund_id):
        amounts = [("awarded", award.currency, award.amount_minor, award.approved_at)]
        amounts += [("paid", d.currency, d.amount_minor, d.paid_at) for d in _paid(award)]
        for measure, currency, amount, when in amounts:
            label = _label(when, period)
            if label is None:
                continue
            facets = {"total": "", **_facets(award, when)}
            for dim, key in facets.items():
                cell = cells[(dim, currency, key)]
                cell[f"{measure}_{label}"] += amount
                cell[f"n_{measure}_{label}"] += 1
    return {k: dict(v) for k, v in cells.items()}


def actual_breakdowns(m: dict) -> dict:
    out = {}
    for dim, by_currency in m.items():
        for currency, rows in by_currency.items():
            for r in rows:
                out[(dim, currency, r["key"])] = {k: v for k, v in r.items()
                                                  if k not in ("dim", "key", "currency") and v}
    return out


def expected_money(period: Period, fund_id) -> dict:
    shares: dict = {}
    lines: dict = {}
    for award in _awards(fund_id):
        label = _label(award.approved_at, period)
        if label is None:
            continue
        s = shares.setdefault(award.currency, {}).setdefault(label, defaultdict(int))
        s["n"] += 1
        s["total"] += award.amount_minor
        s["multi_year"] += award.amount_minor if award.years > 1 else 0
        s["core"] += award.amount_minor if award.support_type == SupportType.CORE else 0
        routed = award.regrant_type is not None or (
            award.application is not None and award.application.intermediary_id is not None)
        s["intermediary"] += award.amount_minor if routed else 0
        s["unregistered"] += award.amount_minor if award.organisation.kind in (
            OrgKind.UNREGISTERED_GROUP, OrgKind.INDIVIDUAL_DEFENDER) else 0
        for line in award.budget_lines:
            c = lines.setdefault(line.currency, {}).setdefault(
                line.category.value, {CURRENT: 0, PREVIOUS: 0, f"n_{CURRENT}": 0,
                                      f"n_{PREVIOUS}": 0})
            c[label] += line.amount_minor
            c[f"n_{label}"] += 1
    budget: dict = {}
    for currency, cats in lines.items():
        for label in (CURRENT, PREVIOUS):
            counted = [(k, c) for k, c in cats.items() if c[f"n_{label}"]]
            if not counted:  # a period is there once it has a line, even of amount 0
                continue
            b = budget.setdefault(currency, {})[label] = defaultdict(int)
            for key, c in counted:
                b["total"] += c[label]
                category = BudgetCategory(key)
                b["protection"] += c[label] if category in PROTECTION_CATEGORIES else 0
                b["psychosocial"] += c[label] if category in PSYCHOSOCIAL_CATEGORIES else 0
    return {"shares": shares, "categories": lines, "budget": budget}


def expected_protection(year: int, fund_id) -> dict:
    this, last = Period.calendar_year(year), Period.calendar_year(year - 1)
    out: dict = {}
    for award in _awards(fund_id):
        when = award.approved_at.replace(tzinfo=UTC)
        span = "this" if this.since <= when < this.until else (
            "last" if last.since <= when < last.until else None)
        if span is None:
            continue
        if db.session.get(Fund, award.fund_id).is_protection:
            d = out.setdefault(award.currency, defaultdict(int))
            d[f"fund_{span}"] += award.amount_minor
        for line in award.budget_lines:
            if line.category in PROTECTION_CATEGORIES:
                d = out.setdefault(line.currency, defaultdict(int))
                d[f"lines_{span}"] += line.amount_minor
    return {c: {"currency": c, **{k: d[k] for k in ("fund_this", "fund_last", "lines_this",
                                                     "lines_last")}}
            for c, d in sorted(out.items())}


@pytest.mark.parametrize("period", PERIODS, ids=lambda p: f"{p.start}-{p.end}")
def test_the_money_figures_are_those_worked_out_award_by_award(app, generated, period):
    with app.app_context():
        for fund_id in generated:
            f = dashboard.dashboard(period, fund_id)
            assert actual_breakdowns(f["money"]) == expected_breakdowns(period, fund_id)
            want = expected_money(period, fund_id)
            got_shares = {c: {w: {k: v for k, v in d.items() if not k.endswith("_share")
                                  and k not in ("currency", "period") and v}
                              for w, d in by.items()} for c, by in f["shares"].items()}
            assert got_shares == {c: {w: {k: v for k, v in d.items() if v}
                                      for w, d in by.items()}
                                  for c, by in want["shares"].items()}
            for c, rows in f["categories"].items():
                assert [r["current"] for r in rows] == sorted(
                    (r["current"] for r in rows), reverse=True)  # the largest first
                assert {r["key"]: (r["current"], r["previous"]) for r in rows} == {
                    k: (v[CURRENT], v[PREVIOUS]) for k, v in want["categories"][c].items()}
            assert set(f["categories"]) == set(want["categories"])
            got_budget = {c: {w: {k: d[k] for k in ("total", "protection", "psychosocial")}
                              for w, d in by.items()} for c, by in f["budget_shares"].items()}
            assert got_budget == {c: {w: {k: d[k] for k in ("total", "protection",
                                                            "psychosocial")}
                                      for w, d in by.items()}
                                  for c, by in want["budget"].items()}
            assert f["protection"] == expected_protection(period.end.year, fund_id)
            assert f["protection"] == portfolio_money.protection_year_on_year(
                period.end.year, fund_id)


def _median_p90(values: list[float]) -> tuple:
    if not values:
        return None, None
    v, n = sorted(values), len(values)
    median = (v[(n - 1) // 2] + v[n // 2]) / 2
    return median, v[math.ceil(0.9 * n) - 1]


@pytest.mark.parametrize("period", PERIODS, ids=lambda p: f"{p.start}-{p.end}")
def test_time_to_first_payment_is_that_worked_out_request_by_request(app, generated, period):
    with app.app_context():
        hours: dict = {CURRENT: [], PREVIOUS: []}
        for award in db.session.scalars(sa.select(Award)):
            a = award.application
            if a is None or a.rapid_category is None:
                continue
            label = _label(a.submitted_at, period)
            paid = [d.paid_at for d in _paid(award)]
            if label and paid:
                hours[label].append((min(paid) - a.submitted_at).total_seconds() / 3600)
        got = portfolio_rapid.summary(period)
        for label, values in hours.items():
            median, p90 = _median_p90(values)
            payment = got[label]["payment"]
            assert payment["n"] == len(values)
            assert payment["median"] == (None if median is None
                                         else pytest.approx(median, abs=1e-6))
            assert payment["p90"] == (None if p90 is None else pytest.approx(p90, abs=1e-6))
