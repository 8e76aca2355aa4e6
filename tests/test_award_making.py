"""The award an approval makes: exact sums, yearly tranches gated by reports, the threshold."""

from __future__ import annotations

from datetime import date

import pytest

from grants.awards import services as awards
from grants.errors import ServiceError
from grants.extensions import db
from grants.models import AwardStatus, BudgetCategory, BudgetLine, SupportType
from tests import factories


@pytest.mark.parametrize(("total", "parts", "expected"), [
    (300_000, 3, [100_000, 100_000, 100_000]),
    (100_001, 3, [33_335, 33_333, 33_333]),
    (7, 1, [7]),
])
def test_even_split_sums_exactly(total, parts, expected):
    assert awards.even_split(total, parts) == expected


def test_a_year_later_from_the_29th_of_february():
    assert awards.add_years(date(2028, 2, 29), 1) == date(2029, 2, 28)
    assert awards.end_date(date(2027, 1, 1), 3) == date(2029, 12, 31)


def test_the_threshold_per_currency(app):
    with app.test_request_context():
        app.config["TWO_PERSON_ABOVE"] = {"USD": "20000", "JPY": "2000000", "*": "15000"}
        assert awards.two_person_threshold("USD") == 2_000_000
        assert awards.two_person_threshold("JPY") == 2_000_000  # no minor unit
        assert awards.two_person_threshold("EUR") == 1_500_000
        assert not awards.needs_second_approval(2_000_000, "USD")
        assert awards.needs_second_approval(2_000_001, "USD")
        app.config["TWO_PERSON_ABOVE"] = {"*": "20000"}


def _approved(years=3):
    officer = factories.user(factories.Role.OFFICER)
    applicant = factories.user()
    org = factories.organisation(applicant)
    call = factories.call(max_years=years)
    application = factories.application(call, org, by=applicant,
                                        status=factories.ApplicationStatus.UNDER_REVIEW)
    return officer, application


def test_a_three_year_award_has_yearly_tranches_gated_by_last_years_report(app):
    with app.test_request_context():
        officer, application = _approved()
        award = awards.create_award(officer, application, amount_minor=1_000_000,
                                    currency="USD", start_date=date(2027, 3, 1), years=3,
                                    support_type=SupportType.CORE, conditions="  Audit  ")
        assert award.status == AwardStatus.ACTIVE and award.approved_at is not None
        assert award.end_date == date(2030, 2, 28) and award.conditions == "Audit"
        assert [(t.due_date, t.amount_minor) for t in award.tranches] == [
            (date(2027, 3, 1), 333_334), (date(2028, 3, 1), 333_333),
            (date(2029, 3, 1), 333_333)]
        reports = award.report_requirements
        assert [r.due_date for r in reports] == [date(2028, 1, 31), date(2029, 1, 30),
                                                 date(2030, 1, 30)]
        assert [t.gating_requirement for t in award.tranches] == [None, reports[0], reports[1]]
        assert all(1 <= len(r.questions) <= awards.MAX_REPORT_QUESTIONS for r in reports)


def test_the_budget_is_scaled_to_the_award_and_still_sums(app):
    with app.test_request_context():
        officer, application = _approved()
        application.budget_lines = [
            BudgetLine(category=BudgetCategory.PROGRAMME, amount_minor=33_333, currency="USD"),
            BudgetLine(category=BudgetCategory.PROTECTION_SECURITY, amount_minor=33_333,
                       currency="USD", year=2),
            BudgetLine(category=BudgetCategory.PSYCHOSOCIAL, amount_minor=33_334,
                       currency="USD", year=3)]
        db.session.flush()
        award = awards.create_award(officer, application, amount_minor=50_000, currency="USD",
                                    start_date=date(2027, 1, 1), years=2,
                                    support_type=SupportType.PROJECT)
        lines = award.budget_lines
        assert sum(line.amount_minor for line in lines) == 50_000
        assert [line.year for line in lines] == [1, 2, 2]  # a third year folds into the last
        assert max(line.amount_minor for line in lines) - min(
            line.amount_minor for line in lines) <= 1


def test_a_budget_in_another_currency_becomes_one_core_line(app):
    with app.test_request_context():
        officer, application = _approved(years=1)
        award = awards.create_award(officer, application, amount_minor=90_000, currency="EUR",
                                    start_date=date(2027, 1, 1), years=1,
                                    support_type=SupportType.CORE)
        assert [(line.category, line.amount_minor) for line in award.budget_lines] == [
            (BudgetCategory.CORE_OPERATING, 90_000)]


@pytest.mark.parametrize(("terms", "field"), [
    ({"amount_minor": 0}, "amount"),
    ({"currency": "XXX"}, "currency"),
    ({"start_date": None}, "start_date"),
    ({"years": 4}, "years"),
    ({"years": 0}, "years"),
])
def test_terms_no_award_can_have_are_refused(app, terms, field):
    with app.test_request_context():
        officer, application = _approved()
        base = {"amount_minor": 10_000, "currency": "USD", "start_date": date(2027, 1, 1),
                "years": 3, "support_type": SupportType.CORE}
        with pytest.raises(ServiceError) as refused:
            awards.create_award(officer, application, **{**base, **terms})
        assert refused.value.field == field


def test_above_the_threshold_a_second_officer_activates_it(app):
    with app.test_request_context():
        officer, application = _approved(years=1)
        award = awards.create_award(officer, application, amount_minor=2_000_001,
                                    currency="USD", start_date=date(2027, 1, 1), years=1,
                                    support_type=SupportType.PROJECT)
        assert award.status == AwardStatus.PENDING_APPROVAL and award.approved_at is None
        with pytest.raises(ServiceError, match="second officer"):
            awards.activate(officer, award)
        colleague = factories.user(factories.Role.OFFICER)
        awards.activate(colleague, award)
        assert award.status == AwardStatus.ACTIVE and award.second_approver_id == colleague.id
        with pytest.raises(ServiceError, match="not waiting"):
            awards.activate(colleague, award)


def test_the_threshold_setting_is_read_per_currency():
    from grants.config import _amounts

    assert _amounts("20000") == {"*": "20000"}
    assert _amounts("usd=20000, KES=2500000,*=15000") == {
        "USD": "20000", "KES": "2500000", "*": "15000"}


def test_a_one_year_budget_is_spread_over_a_multi_year_award(app):
    with app.test_request_context():
        officer, application = _approved()  # the factory's budget: 70/20/10 %, all year 1
        award = awards.create_award(officer, application, amount_minor=100_001, currency="USD",
                                    start_date=date(2027, 1, 1), years=3,
                                    support_type=SupportType.CORE)
        by_year = {}
        for line in award.budget_lines:
            by_year[line.year] = by_year.get(line.year, 0) + line.amount_minor
        assert sorted(by_year) == [1, 2, 3]
        assert sum(by_year.values()) == 100_001
        assert max(by_year.values()) - min(by_year.values()) <= 3 * 2  # remainders go to year 1
        protection = [line.amount_minor for line in award.budget_lines
                      if line.category == BudgetCategory.PROTECTION_SECURITY]
        assert len(protection) == 3 and sum(protection) == 20_000
