"""The portfolio dashboard: its figures against values worked out by hand on small
fixed data sets, small-cell suppression, and the page itself.

Query counts (10 vs 1,000 awards) and the focus tallies kept on sending are in
tests/test_portfolio_scale.py.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest

from grants.extensions import db
from grants.models import (
    ApplicationStatus,
    Award,
    AwardStatus,
    BudgetCategory,
    BudgetLine,
    CallStatus,
    CallType,
    Disbursement,
    DisbursementStatus,
    FocusTally,
    OrgKind,
    PaymentRoute,
    RapidCategory,
    RegrantType,
    Report,
    ReportKind,
    ReportRequirement,
    ReportStatus,
    SupportType,
    Tranche,
)
from grants.reporting import focus, portfolio_burden, portfolio_money, portfolio_rapid
from grants.reporting.portfolio import Period
from tests import factories

Y2026 = Period.calendar_year(2026)
_ref = itertools.count(1)


@pytest.fixture(autouse=True)
def _context(app, request):
    """An app context for the whole test, except where a test client makes requests (they
    would share its `g`, and with it the signed-in user)."""
    if "client" in request.fixturenames:
        yield
        return
    with app.app_context():
        yield


def at(y, m, d, h=0) -> datetime:
    return datetime(y, m, d, h, tzinfo=UTC)


def make_award(org, fund, amount, *, approved, call=None, years=1, support=SupportType.PROJECT,
               status=AwardStatus.ACTIVE, routed_via=None, regrant=False, lines=(),
               country=None) -> Award:
    app = None
    if call is not None:
        app = factories.application(call, org, status=ApplicationStatus.APPROVED, budget=False,
                                    intermediary_id=routed_via.id if routed_via else None)
        app.country = country or org.country
    award = Award(reference=f"PF-{next(_ref):05d}", application=app, organisation_id=org.id,
                  fund_id=fund.id, amount_minor=amount, currency=fund.currency,
                  start_date=approved.date(), end_date=approved.date() + timedelta(days=365),
                  years=years, support_type=support, status=status, approved_at=approved,
                  regrant_type=RegrantType.TRANSFER_TO_INTERMEDIARY if regrant else None)
    award.budget_lines = [BudgetLine(category=c, amount_minor=a, currency=fund.currency)
                          for c, a in lines]
    db.session.add(award)
    db.session.flush()
    return award


def pay(award, amount, paid_at, status=DisbursementStatus.PAID) -> Disbursement:
    tranche = Tranche(award_id=award.id, sequence=next(_ref), due_date=paid_at.date(),
                      amount_minor=amount, currency=award.currency)
    db.session.add(tranche)
    db.session.flush()
    d = Disbursement(tranche_id=tranche.id, amount_minor=amount, currency=award.currency,
                     route=PaymentRoute.BANK_TRANSFER, status=status,
                     idempotency_key=f"pf-{next(_ref)}",
                     paid_at=paid_at if status == DisbursementStatus.PAID else None)
    db.session.add(d)
    db.session.flush()
    return d


@pytest.fixture
def money_data(app):
    with app.app_context():
        return _money_data()


def _money_data():
    """USD (protection fund): A1 100,000 CO unregistered, routed, 1 year project;
    A2 300,000 KE, routed, 3-year core; A7 50,000 KE, 2-year project (all 2026);
    A4 200,000 regranting to an intermediary in KE (2025). EUR: A3 500,000 GT individual
    defender, 2-year core (2026). Not counted: a pending and a cancelled award, an unpaid
    and a 2027 payment."""
    usd = factories.fund(currency="USD", is_protection=True)
    eur = factories.fund(currency="EUR")
    co = factories.organisation(kind=OrgKind.UNREGISTERED_GROUP, country="CO")
    ke = factories.organisation(kind=OrgKind.REGISTERED_NGO, country="KE")
    gt = factories.organisation(kind=OrgKind.INDIVIDUAL_DEFENDER, country="GT")
    hub = factories.organisation(kind=OrgKind.INTERMEDIARY, country="KE")
    open_call = factories.call(usd, questions=0)
    core_call = factories.call(eur, call_type=CallType.CORE_SUPPORT, questions=0)
    c = BudgetCategory
    a1 = make_award(co, usd, 100_000, approved=at(2026, 3, 1), call=open_call, routed_via=hub,
                    lines=[(c.PROGRAMME, 60_000), (c.PROTECTION_SECURITY, 30_000),
                           (c.PSYCHOSOCIAL, 10_000)])
    a2 = make_award(ke, usd, 300_000, approved=at(2026, 6, 1), call=open_call, years=3,
                    support=SupportType.CORE, routed_via=hub,
                    lines=[(c.PROGRAMME, 200_000), (c.DIGITAL_SECURITY, 60_000),
                           (c.RELOCATION, 15_000), (c.PSYCHOSOCIAL, 25_000)])
    make_award(ke, usd, 50_000, approved=at(2026, 2, 1), call=open_call, years=2)
    a3 = make_award(gt, eur, 500_000, approved=at(2026, 9, 1), call=core_call, years=2,
                    support=SupportType.CORE,
                    lines=[(c.CORE_OPERATING, 450_000), (c.PROTECTION_SECURITY, 50_000)])
    a4 = make_award(hub, usd, 200_000, approved=at(2025, 5, 1), regrant=True)
    make_award(ke, usd, 999, approved=at(2026, 4, 1), call=open_call,
               status=AwardStatus.PENDING_APPROVAL)
    make_award(ke, usd, 777, approved=at(2026, 4, 1), call=open_call,
               status=AwardStatus.CANCELLED, lines=[(c.PROGRAMME, 777)])
    pay(a1, 40_000, at(2026, 4, 1))
    pay(a2, 100_000, at(2026, 7, 1))
    pay(a2, 10_000, at(2026, 7, 2), status=DisbursementStatus.SENT)
    pay(a4, 50_000, at(2025, 6, 1))
    pay(a3, 200_000, at(2027, 1, 2))
    db.session.commit()  # into the test's savepoint: the page's own session sees it
    return {"eur_id": eur.id, "eur_name": eur.name}


def rows_by_key(rows):
    return {r["key"]: r for r in rows}


def test_awarded_and_paid_per_currency_and_dimension(money_data):
    m = portfolio_money.breakdowns(Y2026)
    usd, eur = m["total"]["USD"][0], m["total"]["EUR"][0]
    assert (usd["awarded_current"], usd["awarded_previous"]) == (450_000, 200_000)
    assert (usd["paid_current"], usd["paid_previous"]) == (140_000, 50_000)
    assert (usd["n_awarded_current"], usd["n_paid_current"]) == (3, 2)
    assert (eur["awarded_current"], eur["paid_current"], eur["paid_previous"]) == (500_000, 0, 0)
    country = rows_by_key(m["country"]["USD"])
    assert set(country) == {"CO", "KE"}
    assert [country["CO"][k] for k in ("awarded_current", "paid_current")] == [100_000, 40_000]
    assert [country["KE"][k] for k in ("awarded_current", "awarded_previous", "paid_current",
                                       "paid_previous")] == [350_000, 200_000, 100_000, 50_000]
    assert rows_by_key(m["country"]["EUR"])["GT"]["awarded_current"] == 500_000
    types = rows_by_key(m["call_type"]["USD"])
    assert types["open"]["awarded_current"] == 450_000
    assert types["regranting"]["awarded_previous"] == 200_000
    assert rows_by_key(m["call_type"]["EUR"])["core_support"]["awarded_current"] == 500_000
    years = rows_by_key(m["year"]["USD"])
    assert years["2026"]["awarded_current"] == 450_000 and years["2025"]["paid_previous"] == 50_000
    assert [r["key"] for r in m["fund"]["EUR"]] == [money_data["eur_name"]]


def test_a_fund_filter_keeps_only_that_funds_money(money_data):
    m = portfolio_money.breakdowns(Y2026, money_data["eur_id"])
    assert set(m["total"]) == {"EUR"}


def test_shares_of_funding_and_of_budgets(money_data):
    s = portfolio_money.shares(Y2026)["USD"]["current"]
    assert s["total"] == 450_000
    assert s["multi_year_share"] == pytest.approx(350_000 / 450_000)
    assert s["core_share"] == pytest.approx(300_000 / 450_000)
    assert s["intermediary_share"] == pytest.approx(400_000 / 450_000)
    assert s["unregistered_share"] == pytest.approx(100_000 / 450_000)
    previous = portfolio_money.shares(Y2026)["USD"]["previous"]
    assert previous["intermediary_share"] == 1.0 and previous["core_share"] == 0.0
    e = portfolio_money.shares(Y2026)["EUR"]["current"]
    assert (e["multi_year_share"], e["core_share"], e["intermediary_share"],
            e["unregistered_share"]) == (1.0, 1.0, 0.0, 1.0)
    b = portfolio_money.budget_shares(Y2026)
    assert b["USD"]["current"]["total"] == 400_000
    assert b["USD"]["current"]["protection_share"] == pytest.approx(105_000 / 400_000)
    assert b["USD"]["current"]["psychosocial_share"] == pytest.approx(35_000 / 400_000)
    assert (b["EUR"]["current"]["protection_share"], b["EUR"]["current"]["psychosocial_share"]
            ) == (0.1, 0.0)


def test_budget_categories_and_protection_year_on_year(money_data):
    cats = {r["key"]: r["current"] for r in portfolio_money.categories(Y2026)["USD"]}
    assert cats == {"programme": 260_000, "digital_security": 60_000,
                    "protection_security": 30_000, "psychosocial": 35_000, "relocation": 15_000}
    p = portfolio_money.protection_year_on_year(2026)
    assert p["USD"] == {"currency": "USD", "fund_this": 450_000, "fund_last": 200_000,
                        "lines_this": 105_000, "lines_last": 0}
    assert (p["EUR"]["fund_this"], p["EUR"]["lines_this"]) == (0, 50_000)


def _rapid(call, org, category, sent, decided_after=None, due_after=72, paid_after=()):
    app = factories.application(call, org, status=ApplicationStatus.SUBMITTED,
                                rapid_category=category)
    app.submitted_at, app.rapid_due_at = sent, sent + timedelta(hours=due_after)
    if decided_after is not None:
        app.decided_at = sent + timedelta(hours=decided_after)
    if paid_after:
        award = make_award(org, call.fund, 10_000, approved=app.decided_at)
        award.application_id = app.id
        for hours in paid_after:
            pay(award, 1_000, sent + timedelta(hours=hours))
    db.session.flush()
    return app


def test_rapid_response_counts_medians_and_90th_percentiles():
    fund = factories.fund()
    call = factories.call(fund, call_type=CallType.RAPID_RESPONSE, questions=0, closes_at=None)
    org = factories.organisation()
    _rapid(call, org, RapidCategory.IN_COUNTRY, at(2026, 1, 10), 10, paid_after=(48,))
    _rapid(call, org, RapidCategory.IN_COUNTRY, at(2026, 2, 1), 30, paid_after=(200, 120))
    _rapid(call, org, RapidCategory.RELOCATION, at(2026, 3, 1), 100)
    _rapid(call, org, RapidCategory.IN_COUNTRY, at(2026, 4, 1), 50, paid_after=(60,))
    _rapid(call, org, RapidCategory.RELOCATION, at(2026, 5, 1))  # past its target, undecided
    _rapid(call, org, RapidCategory.IN_COUNTRY, at(2025, 6, 1), 20)
    factories.application(call, org, status=ApplicationStatus.SUBMITTED)  # not a rapid request
    r = portfolio_rapid.summary(Y2026)
    now, before = r["current"], r["previous"]
    assert (now["requests"], now["decided"], now["in_country"], now["relocation"]) == (5, 4, 3, 2)
    assert now["within_target_share"] == pytest.approx(3 / 5)
    assert now["decision"]["n"] == 4
    assert now["decision"]["median"] == pytest.approx(40, abs=0.01)  # (30 + 50) / 2
    assert now["decision"]["p90"] == pytest.approx(100, abs=0.01)  # rank ceil(3.6) = 4
    assert now["payment"]["n"] == 3  # first payment only: 48, 60, 120
    assert now["payment"]["median"] == pytest.approx(60, abs=0.01)
    assert now["payment"]["p90"] == pytest.approx(120, abs=0.01)
    assert (before["requests"], before["decision"]["median"]) == (1, pytest.approx(20, abs=0.01))
    assert before["payment"]["median"] is None
    assert portfolio_rapid.summary(Y2026, factories.fund().id)["current"]["requests"] == 0


FEB_1, MAR_1 = datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC)


def _call(fund, limits, *, opens=FEB_1, closes=MAR_1, **fields):
    call = factories.call(fund, questions=len(limits), closes_at=closes, **fields)
    call.opens_at = opens
    for q, limit in zip(call.questions, limits, strict=True):
        q.word_limit = limit
    db.session.flush()
    return call


def test_burden_medians_over_calls_and_report_shares(world):
    fund = factories.fund()
    _call(fund, [100, 200, 300])
    _call(fund, [150], closes=None)  # rolling, opened in 2025: open in both years
    _call(fund, [], opens=at(2026, 6, 1), closes=at(2026, 7, 1))
    _call(fund, [100] * 5, opens=at(2026, 12, 1), closes=at(2027, 1, 31))
    _call(fund, [999], status=CallStatus.DRAFT)
    _call(fund, [999], call_type=CallType.RAPID_RESPONSE)
    _call(fund, [999], intermediary_id=world.intermediary_org.id)
    _call(fund, [999], opens=at(2024, 1, 1), closes=at(2024, 2, 1))
    db.session.get(type(world.call), world.call.id).status = CallStatus.DRAFT
    for c in db.session.query(type(world.call)).filter_by(fund_id=world.fund.id):
        c.status = CallStatus.DRAFT
    db.session.flush()
    rolling = [c for c in db.session.query(type(world.call)).filter_by(fund_id=fund.id)
               if c.closes_at is None][0]
    rolling.opens_at = at(2025, 3, 1)
    b = portfolio_burden.calls(Y2026)
    assert b["current"] == {"calls": 4, "median_questions": 2, "median_words": 325}
    assert b["previous"] == {"calls": 1, "median_questions": 1, "median_words": 150}

    req = ReportRequirement(award_id=world.award.id, kind=ReportKind.SHORT_FORM, title="R",
                            due_date=date(2026, 12, 1))
    db.session.add(req)
    db.session.query(Report).delete()
    for kind, filename, status, when in [
            (ReportKind.SHORT_FORM, None, ReportStatus.SUBMITTED, at(2026, 2, 1)),
            (ReportKind.SHORT_FORM, None, ReportStatus.ACCEPTED, at(2026, 3, 1)),
            (ReportKind.SHORT_FORM, "other-funder.pdf", ReportStatus.ACCEPTED, at(2026, 4, 1)),
            (ReportKind.CONVERSATION, None, ReportStatus.ACCEPTED, at(2026, 5, 1)),
            (ReportKind.SHORT_FORM, None, ReportStatus.DRAFT, at(2026, 5, 2)),
            (ReportKind.SHORT_FORM, None, ReportStatus.ACCEPTED, at(2025, 5, 1))]:
        req.reports.append(Report(kind=kind, filename=filename, status=status,
                                  submitted_at=when))
    db.session.flush()
    r = portfolio_burden.reports(Y2026)["current"]
    assert (r["reports"], r["short"], r["reused"], r["oral"]) == (4, 2, 1, 1)
    assert (r["short_share"], r["reused_share"], r["oral_share"]) == (0.5, 0.25, 0.25)
    assert portfolio_burden.reports(Y2026)["previous"]["reports"] == 1


def test_focus_counts_under_five_are_suppressed():
    f1, f2 = factories.fund(), factories.fund()
    db.session.add_all([
        FocusTally(fund_id=f1.id, year=2026, population="women", count=7),
        FocusTally(fund_id=f2.id, year=2026, population="women", count=2),
        FocusTally(fund_id=f1.id, year=2025, population="women", count=3),
        FocusTally(fund_id=f1.id, year=2026, population="lgbtiq", count=4),
        FocusTally(fund_id=f1.id, year=2026, population="indigenous", count=5),
        FocusTally(fund_id=f1.id, year=2023, population="journalists", count=50),
    ])
    db.session.flush()
    rows = {t["population"]: (t["current"], t["previous"])
            for t in focus.tallies((2026, 2026), (2025, 2025))}
    # all funds' women in 2026 (7 + 2) would give f2's 2 away beside f1's own 7
    assert rows == {"women": (None, None), "lgbtiq": (None, 0), "indigenous": (5, 0)}
    only_f2 = focus.tallies((2026, 2026), (2025, 2025), f2.id)
    assert only_f2 == [{"population": "women", "current": None, "previous": 0}]
    assert focus.tallies((2026, 2026), (2025, 2025), f1.id)[-1] == {
        "population": "women", "current": 7, "previous": None}
    assert [focus.suppress(n) for n in (0, 1, 4, 5, None)] == [0, None, None, 5, 0]


def test_the_page_shows_the_figures_with_tables_and_charts(app, client, auth, world,
                                                            money_data):
    with app.app_context():
        db.session.add(FocusTally(fund_id=world.fund.id, year=2026, population="women",
                                  count=3))
        db.session.commit()
    auth.login(world.officer)
    page = client.get("/portfolio/?start=2026-01-01&end=2026-12-31").data.decode()
    assert "$4,500.00" in page  # USD awarded from money_data
    assert "€5,000.00" in page and "not shown" in page
    assert page.count("<svg") >= 3 and page.count('role="img"') == page.count("<svg")
    assert page.count("<title id=") == page.count("<svg") == page.count("<desc id=")
    assert '<th scope="row">Kenya</th>' in page and "<caption>" in page
    assert "<script" not in page.split("</head>")[1] and " style=" not in page


def test_a_wrong_period_says_why_and_keeps_what_was_typed(client, auth, world):
    auth.login(world.admin)
    page = client.get("/portfolio/?start=2026-05-01&end=2026-01-01&fund=x").data.decode()
    assert "The end must not be before the start." in page
    assert "Choose a fund from the list." in page
    assert 'value="2026-05-01"' in page and 'aria-invalid="true"' in page


def test_the_menu_links_the_portfolio_for_officers_and_admins_only(client, auth, world):
    for role, shown in (("officer", True), ("admin", True), ("reviewer", False),
                        ("applicant", False), ("intermediary", False)):
        auth.login(world.by_role(role))
        page = client.get("/").data.decode()
        assert ('href="/portfolio/"' in page) is shown, role
        auth.logout()


def test_the_defenders_voice_shows_from_five_answers_and_what_consultations_gave(
        app, client, auth, world):
    from grants.models import CommitmentStatus, Consultation, SurveyResponse

    with app.app_context():
        db.session.add_all([SurveyResponse(period="2026-Q1", respectful=s, burden=2, useful=4)
                            for s in (5, 4, 4, 3)])
        db.session.add(Consultation(held_on=date(2026, 3, 3), topic="Safer payments",
                                    participants=12, commitment="Pay by mobile money",
                                    commitment_status=CommitmentStatus.IN_PROGRESS))
        db.session.commit()
    auth.login(world.officer)
    page = client.get("/portfolio/?start=2026-01-01&end=2026-06-30").data.decode()
    voice = page[page.index('id="voice"'):]
    assert "Fewer than 5 answers" in voice and "How respectful" not in voice
    assert "Safer payments" in voice and "Pay by mobile money" in voice and ">12<" in voice
    with app.app_context():  # a fifth answer in the same quarter: now it shows
        db.session.add(SurveyResponse(period="2026-Q1", respectful=4, burden=1, useful=5))
        db.session.commit()
    voice = client.get("/portfolio/?start=2026-01-01&end=2026-06-30").data.decode()
    voice = voice[voice.index('id="voice"'):]
    assert "Fewer than 5 answers" not in voice
    assert '<td class="num">4</td>' in voice  # respectful: (5 + 4 + 4 + 3 + 4) / 5
    assert '<td class="num">1.8</td>' in voice  # burden: (2 * 4 + 1) / 5


def test_the_previous_period_is_as_long_and_just_before():
    march = Period(date(2026, 3, 1), date(2026, 3, 31))
    assert march.previous() == Period(date(2026, 1, 29), date(2026, 2, 28))
    assert Period(date(2025, 1, 1), date(2026, 12, 31)).previous() == Period(
        date(2023, 1, 1), date(2024, 12, 31))
    assert Period.calendar_year(2024).previous().days == 365  # whole years stay whole


def test_dates_far_out_are_refused_not_a_server_error(client, auth, world):
    auth.login(world.officer)
    for query in ("start=9999-12-01&end=9999-12-31", "start=0001-01-01&end=0001-01-31"):
        r = client.get(f"/portfolio/?{query}")
        assert r.status_code == 200
        assert r.data.decode().count("Choose a date between 1990 and 2100.") >= 2
    r = client.get("/portfolio/?start=not-a-date&end=2020-01-01")
    assert r.status_code == 200 and "The end must not be before" not in r.data.decode()
