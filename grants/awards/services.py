"""Making an award: its tranches over the years, its report requirements, its budget.

`create_award` is what an approval calls. The defaults follow the funder's promises
(Section IV.6-7): the amount split evenly by year, one short report a year, and each later
tranche released once the previous year's report is accepted. Officers change all of it on
the award page, and every change after approval is recorded as an amendment.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import current_app

from grants import money
from grants.content import N_
from grants.errors import PluralError, ServiceError
from grants.extensions import db
from grants.models import (
    Application,
    Award,
    AwardStatus,
    BudgetCategory,
    BudgetLine,
    ReportKind,
    ReportRequirement,
    SupportType,
    Tranche,
    User,
)
from grants.models.types import utcnow
from grants.security import audit

MAX_YEARS = 5
# Days before the end of each award year that its short report falls due, so the officer
# can accept it before the next year's tranche.
REPORT_LEAD_DAYS = 30
# Copied into each award's report requirements in English and shown in the reader's
# language while they are not reworded (content.shipped).
DEFAULT_QUESTIONS = (
    N_("What changed this year because of your work?"),
    N_("What was hard, and what did you do differently because of it?"),
    N_("Is there anything you want us to know or to do differently?"),
)
MAX_REPORT_QUESTIONS = 3
REPORT_TITLE = N_("Year %(year)d short report")
FOLLOW_UP_TITLE = N_("Follow-up check-in")
FOLLOW_UP_QUESTIONS = (
    N_("How are you, and the people close to you?"),
    N_("Was the support enough for what happened?"),
    N_("What do you need now?"),
)


def add_years(day: date, years: int) -> date:
    """The same calendar day `years` later (28 February for a 29 February start)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def end_date(start: date, years: int) -> date:
    return add_years(start, years) - timedelta(days=1)


def even_split(total: int, parts: int) -> list[int]:
    """`total` in `parts` whole minor-unit amounts that sum exactly; the first takes the
    remainder so later tranches are round."""
    base, remainder = divmod(total, parts)
    return [base + remainder] + [base] * (parts - 1)


def two_person_threshold(currency: str) -> int:
    """Approvals above this amount (minor units) need a second officer."""
    limits = current_app.config["TWO_PERSON_ABOVE"]
    raw = limits.get(currency, limits.get("*", "0"))
    return money.to_minor(raw, currency)


def needs_second_approval(amount_minor: int, currency: str) -> bool:
    return amount_minor > two_person_threshold(currency)


def rapid_single_officer_limit(currency: str) -> int:
    """One officer may approve an emergency request up to this amount (minor units)."""
    limits = current_app.config["RAPID_SINGLE_OFFICER_ABOVE"]
    return money.to_minor(limits.get(currency, limits.get("*", "0")), currency)


def check_terms(*, amount_minor: int, currency: str, start_date: date | None, years: int,
                max_years: int = MAX_YEARS) -> None:
    """Refuse terms no award can have, with a message for the officer."""
    if amount_minor <= 0:
        raise ServiceError("Enter an amount above zero.", "amount")
    if currency not in money.CURRENCIES:
        raise ServiceError("Choose a currency from the list.", "currency")
    if start_date is None:
        raise ServiceError("Enter the date the award starts.", "start_date")
    if not 1 <= years <= max_years:
        if max_years == 1:
            raise ServiceError("An award from this call lasts one year.", "years")
        raise PluralError("An award from this call lasts 1 to %(num)d year.",
                          "An award from this call lasts 1 to %(num)d years.", max_years,
                          "years")


def create_award(actor: User, application: Application, *, amount_minor: int, currency: str,
                 start_date: date, years: int, support_type: SupportType,
                 conditions: str = "", now: datetime | None = None) -> Award:
    """The award for an approved application, waiting for a second officer when its amount
    is above the two-person threshold, otherwise active at once."""
    check_terms(amount_minor=amount_minor, currency=currency, start_date=start_date,
                years=years, max_years=max(application.call.max_years, 1))
    pending = needs_second_approval(amount_minor, currency)
    award = Award(
        reference="AW-" + application.code_name.removeprefix("GR-"),
        application_id=application.id, organisation_id=application.organisation_id,
        fund_id=application.call.fund_id, amount_minor=amount_minor, currency=currency,
        start_date=start_date, end_date=end_date(start_date, years), years=years,
        support_type=support_type, conditions=(conditions or "").strip(),
        status=AwardStatus.PENDING_APPROVAL if pending else AwardStatus.ACTIVE,
        decided_by_id=actor.id, approved_at=None if pending else (now or utcnow()),
    )
    db.session.add(award)
    requirements = default_requirements(award)
    award.report_requirements = requirements
    award.tranches = default_tranches(award, requirements)
    award.budget_lines = scaled_budget(application, award)
    db.session.flush()
    audit.record(actor, "award.created", award, application_id=application.id,
                 amount_minor=amount_minor, currency=currency, years=years,
                 status=award.status.value)
    return award


def create_emergency_award(actor: User, application: Application, *, amount_minor: int,
                           currency: str, now: datetime | None = None) -> Award:
    """The award for an approved rapid-response request: one year, one tranche due at once,
    no yearly report but one follow-up check-in (Section IV.5, after the crisis). Above the
    rapid single-officer limit it waits for a second officer."""
    now = now or utcnow()
    today = now.date()
    check_terms(amount_minor=amount_minor, currency=currency, start_date=today, years=1)
    pending = amount_minor > rapid_single_officer_limit(currency)
    award = Award(
        reference="AW-" + application.code_name.removeprefix("GR-"),
        application_id=application.id, organisation_id=application.organisation_id,
        fund_id=application.call.fund_id, amount_minor=amount_minor, currency=currency,
        start_date=today, end_date=end_date(today, 1), years=1, support_type=SupportType.PROJECT,
        status=AwardStatus.PENDING_APPROVAL if pending else AwardStatus.ACTIVE,
        decided_by_id=actor.id, approved_at=None if pending else now)
    db.session.add(award)
    follow_up = current_app.config["RAPID_FOLLOW_UP_DAYS"]
    award.report_requirements = [ReportRequirement(
        kind=ReportKind.CONVERSATION, title=FOLLOW_UP_TITLE,
        due_date=today + timedelta(days=follow_up), questions=list(FOLLOW_UP_QUESTIONS))]
    award.tranches = [Tranche(sequence=1, due_date=today, amount_minor=amount_minor,
                              currency=currency)]
    award.budget_lines = scaled_budget(application, award)
    db.session.flush()
    audit.record(actor, "award.created", award, application_id=application.id,
                 amount_minor=amount_minor, currency=currency, years=1,
                 status=award.status.value, emergency=True)
    return award


def follow_up_of(award: Award) -> ReportRequirement | None:
    """An emergency award's follow-up check-in requirement."""
    return next((r for r in award.report_requirements if r.title == FOLLOW_UP_TITLE), None)


def default_requirements(award: Award) -> list[ReportRequirement]:
    """One short report a year, due a month before the award year ends."""
    return [
        ReportRequirement(
            kind=ReportKind.SHORT_FORM, title=REPORT_TITLE % {"year": year},
            due_date=add_years(award.start_date, year) - timedelta(days=REPORT_LEAD_DAYS),
            questions=list(DEFAULT_QUESTIONS))
        for year in range(1, award.years + 1)
    ]


def default_tranches(award: Award, requirements: list[ReportRequirement]) -> list[Tranche]:
    """One tranche a year, split evenly; from the second on, gated by last year's report."""
    return [
        Tranche(sequence=i + 1, due_date=due, amount_minor=amount, currency=award.currency,
                gating_requirement=requirements[i - 1] if i > 0 else None)
        for i, (due, amount) in enumerate(
            planned_tranches(award.amount_minor, award.start_date, award.years))
    ]


def planned_tranches(amount_minor: int, start: date, years: int) -> list[tuple[date, int]]:
    """The default schedule of an award on these terms: (due date, amount) a year, split
    evenly; what an approval shows before it is made."""
    return [(add_years(start, i), amount)
            for i, amount in enumerate(even_split(amount_minor, years))]


def scaled_budget(application: Application, award: Award) -> list[BudgetLine]:
    """The application's budget lines scaled to the award amount (largest remainder), so
    the award's budget always sums to the award; one core line when there is no budget
    or it was in another currency. A one-year budget is spread over a multi-year award."""
    lines = [line for line in application.budget_lines if line.amount_minor > 0]
    requested = sum(line.amount_minor for line in lines)
    if not lines or requested <= 0 or application.currency != award.currency:
        core = BudgetLine(category=BudgetCategory.CORE_OPERATING, year=1,
                          description="Core support", amount_minor=award.amount_minor,
                          currency=award.currency)
        return [BudgetLine(category=core.category, year=year, description=core.description,
                           amount_minor=part, currency=award.currency)
                for year, part in _by_year(core, award.amount_minor, award.years, True)]
    shares = [line.amount_minor * award.amount_minor for line in lines]
    amounts = [share // requested for share in shares]
    short = award.amount_minor - sum(amounts)
    by_remainder = sorted(range(len(lines)), key=lambda i: -(shares[i] % requested))
    for i in by_remainder[:short]:
        amounts[i] += 1
    single_year = all(line.year == 1 for line in lines)
    return [BudgetLine(category=line.category, year=year, description=line.description,
                       amount_minor=part, currency=award.currency)
            for line, amount in zip(lines, amounts, strict=True)
            for year, part in _by_year(line, amount, award.years, single_year)]


def _by_year(line: BudgetLine, amount: int, years: int, spread: bool) -> list[tuple[int, int]]:
    """A one-year budget on a multi-year award is spread evenly over the years; a budget
    that already names its years keeps them (a year past the award's end folds into its
    last year)."""
    if spread and years > 1:
        return [(year, part) for year, part in enumerate(even_split(amount, years), start=1)
                if part > 0]
    return [(min(line.year, years), amount)]


def activate(actor: User, award: Award, now: datetime | None = None) -> None:
    """The second officer's approval: the award becomes active."""
    if award.status != AwardStatus.PENDING_APPROVAL:
        raise ServiceError("This award is not waiting for a second approval.")
    if actor.id == award.decided_by_id:
        raise ServiceError("A second officer must approve this award: you made the first "
                           "approval.")
    award.second_approver_id = actor.id
    award.status = AwardStatus.ACTIVE
    award.approved_at = now or utcnow()
    db.session.flush()
    audit.record(actor, "award.second_approval", award)
