"""The portfolio at scale and the tallies it reads: the page runs the same number of queries
for 10 and for 1,000 awards; focus populations are counted once, when an application is
first sent, with an upsert."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from grants.applications import services
from grants.extensions import db
from grants.models import (
    ApplicationStatus,
    Award,
    AwardStatus,
    BudgetLine,
    Disbursement,
    FocusTally,
    OrgKind,
    SupportType,
    Tranche,
)
from grants.models.types import UTCDateTime
from grants.reporting import focus
from tests import factories
from tests.conftest import count_queries

PAID_AT = datetime(2026, 3, 1, 12, tzinfo=UTC)


def _bulk_awards(fund_id: int, org_id: int, first: int, n: int) -> None:
    """n awards with a budget line, a tranche and a paid disbursement each, in four
    statements (set-based inserts: the test stays fast at 1,000)."""
    now = datetime.now(UTC)
    db.session.execute(sa.insert(Award), [dict(
        reference=f"BULK-{first + i:05d}", organisation_id=org_id, fund_id=fund_id,
        amount_minor=10_000 + i, currency="USD" if i % 3 else "EUR",
        start_date=date(2026, 1, 1), end_date=date(2026, 12, 31), years=1 + i % 3,
        support_type=SupportType.CORE if i % 2 else SupportType.PROJECT,
        status=AwardStatus.ACTIVE, approved_at=PAID_AT - timedelta(days=1 + i % 200),
        created_at=now) for i in range(n)])
    new = sa.select(Award).where(Award.reference.like("BULK-%"),
                                 ~sa.exists().where(Tranche.award_id == Award.id))
    new = new.subquery()
    db.session.execute(sa.insert(BudgetLine).from_select(
        ["award_id", "category", "year", "description", "amount_minor", "currency"],
        sa.select(new.c.id, sa.literal("protection_security"), sa.literal(1),
                  sa.literal("", BudgetLine.description.type),  # encrypted, as typed text is
                  new.c.amount_minor, new.c.currency)))
    db.session.execute(sa.insert(Tranche).from_select(
        ["award_id", "sequence", "due_date", "amount_minor", "currency", "status"],
        sa.select(new.c.id, sa.literal(1), sa.literal(date(2026, 1, 1)), new.c.amount_minor,
                  new.c.currency, sa.literal("released"))))
    when = sa.literal(PAID_AT, UTCDateTime())
    db.session.execute(sa.insert(Disbursement).from_select(
        ["tranche_id", "amount_minor", "currency", "route", "status", "idempotency_key",
         "created_at", "updated_at", "paid_at"],
        sa.select(Tranche.id, Tranche.amount_minor, Tranche.currency,
                  sa.literal("bank_transfer"), sa.literal("paid"),
                  sa.literal("bulk-") + sa.cast(Tranche.id, sa.String), when, when, when)
        .join(Award, Award.id == Tranche.award_id)
        .where(Award.reference.like("BULK-%"),
               ~sa.exists().where(Disbursement.tranche_id == Tranche.id))))
    db.session.commit()


def test_the_page_runs_as_many_queries_for_1000_awards_as_for_10(app, client, auth, world):
    with app.app_context():
        fund, org = factories.fund(), factories.organisation(kind=OrgKind.REGISTERED_NGO)
        ids = fund.id, org.id
        _bulk_awards(*ids, first=0, n=10)
    auth.login(world.officer)

    def page_queries() -> tuple[int, str]:
        with count_queries(app) as statements:
            r = client.get("/portfolio/?start=2026-01-01&end=2026-12-31")
        assert r.status_code == 200
        return len(statements), r.data.decode()

    few, page = page_queries()
    assert "€" in page and "$" in page
    with app.app_context():
        _bulk_awards(*ids, first=10, n=990)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Disbursement).where(
            Disbursement.idempotency_key.like("bulk-%"))) == 1000
    many, page = page_queries()
    assert few == many, (few, many)
    assert 10 < many < 40  # every section's aggregate, the session, the funds list


def _sendable(call, org, user, populations):
    application = factories.application(call, org, by=user)
    application.focus_populations = populations
    db.session.flush()
    return application


def test_sending_counts_each_chosen_population_once_and_never_own_words(app, world):
    with app.app_context():
        call = factories.call(factories.fund(), questions=0)
        user = factories.user()
        org = factories.organisation(user)
        first = _sendable(call, org, user, ["women", "lgbtiq", "own:rural midwives"])
        services.submit_application(user, first)
        second = _sendable(call, org, user, ["women"])
        services.submit_application(user, second)
        # Sent again after a question: not counted a second time.
        first.status = ApplicationStatus.MORE_INFO_REQUESTED
        services.submit_application(user, first)
        services.submit_application(user, _sendable(call, org, user, None))
        tallies = {t.population: (t.year, t.count) for t in db.session.scalars(
            sa.select(FocusTally).where(FocusTally.fund_id == call.fund_id))}
        year = first.submitted_at.year
        assert tallies == {"women": (year, 2), "lgbtiq": (year, 1)}


def test_the_upsert_adds_to_an_existing_tally_in_one_statement(app):
    with app.app_context():
        fund = factories.fund()
        focus.increment(fund.id, 2026, ["women"])
        focus.increment(fund.id, 2026, ["women", "journalists"])
        focus.increment(fund.id, 2027, ["women"])
        rows = db.session.execute(sa.select(FocusTally.year, FocusTally.population,
                                            FocusTally.count)
                                  .where(FocusTally.fund_id == fund.id)
                                  .order_by(FocusTally.year, FocusTally.population)).all()
        assert [tuple(r) for r in rows] == [(2026, "journalists", 1), (2026, "women", 2),
                                            (2027, "women", 1)]


def test_the_demo_data_fills_every_section(app, client, auth):
    from demo.data import load_demo
    from grants.models import User

    with app.app_context():
        assert load_demo()
        db.session.commit()
        officer = db.session.scalar(sa.select(User).where(User.username == "officer"))
    auth.login(officer)
    r = client.get("/portfolio/")
    page = r.data.decode()
    assert r.status_code == 200
    for section in ("money", "shares", "protection", "rapid", "burden", "focus", "voice"):
        assert f'id="{section}"' in page
    assert "€" in page and "$" in page and "not shown" in page and "<svg" in page
    assert len(r.data) < 40_000  # cheap phones: the whole page, charts included
