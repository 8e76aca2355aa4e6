"""Build test objects with sensible defaults; every function flushes, none commits."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import timedelta

import pyotp

from grants.auth import services
from grants.extensions import db
from grants.models import (
    Application,
    ApplicationStatus,
    Award,
    AwardStatus,
    BudgetCategory,
    BudgetLine,
    Call,
    CallQuestion,
    CallStatus,
    CallText,
    CallType,
    Disbursement,
    DisbursementStatus,
    Fund,
    JobStatus,
    MemberRole,
    Membership,
    Organisation,
    OrgKind,
    OutboxItem,
    PaymentRoute,
    RapidCategory,
    RegrantType,
    Report,
    ReportKind,
    ReportRequirement,
    ReportStatus,
    Review,
    Role,
    SubGrant,
    SupportType,
    Tranche,
    TrancheStatus,
    User,
)
from grants.models.types import utcnow

PASSWORD = "a long test password"
_seq = itertools.count(1)


def user(role: Role = Role.APPLICANT, *, username: str | None = None, totp: bool | None = None,
         password: str = PASSWORD) -> User:
    """A user; staff get two-step verification on unless `totp=False`."""
    name = username or f"{role.value}{next(_seq)}"
    u, code = services.register(name, password, role=role)
    u.test_recovery_code = code
    if totp if totp is not None else role.is_staff:
        u.totp_secret, u.totp_enabled = pyotp.random_base32(), True
    db.session.flush()
    return u


def organisation(owner: User | None = None, *, kind: OrgKind = OrgKind.UNREGISTERED_GROUP,
                 country: str = "CO", **fields) -> Organisation:
    org = Organisation(name=fields.pop("name", f"Group {next(_seq)}"), kind=kind, country=country,
                       **fields)
    db.session.add(org)
    if owner is not None:
        db.session.add(Membership(user=owner, organisation=org, role=MemberRole.OWNER))
    db.session.flush()
    return org


def fund(**fields) -> Fund:
    f = Fund(name=fields.pop("name", f"Fund {next(_seq)}"), currency=fields.pop("currency", "USD"),
             envelope_minor=fields.pop("envelope_minor", 1_000_000), **fields)
    db.session.add(f)
    db.session.flush()
    return f


def call(fund_: Fund | None = None, *, status: CallStatus = CallStatus.OPEN,
         call_type: CallType = CallType.OPEN, title: str = "Protection 2027",
         questions: int = 2, **fields) -> Call:
    """A call with an English text and `questions` questions (word limit 100 each)."""
    from datetime import timedelta

    f = fund_ or fund()
    c = Call(fund=f, call_type=call_type, status=status, languages=fields.pop("languages", ["en"]),
             currency=f.currency, amount_min_minor=fields.pop("amount_min_minor", 10_000),
             amount_max_minor=fields.pop("amount_max_minor", 1_000_000),
             opens_at=utcnow() - timedelta(days=1),
             closes_at=fields.pop("closes_at", utcnow() + timedelta(days=30)), **fields)
    c.texts = [CallText(language="en", title=title, description="What we fund.")]
    c.questions = [CallQuestion(position=i, bank_key="custom", prompts={"en": f"Question {i}?"},
                                word_limit=100) for i in range(1, questions + 1)]
    db.session.add(c)
    db.session.flush()
    return c


def application(call_: Call, org: Organisation, *, by: User | None = None,
                status: ApplicationStatus = ApplicationStatus.DRAFT, budget: bool = True,
                **fields) -> Application:
    """An application; with `budget`, lines that meet the protection and psychosocial rules."""
    a = Application(call=call_, organisation=org, created_by_id=by.id if by else None,
                    code_name=fields.pop("code_name", f"TEST-{next(_seq):04d}"),
                    status=status, country=org.country, currency=call_.currency,
                    title=fields.pop("title", "Safe together"),
                    amount_requested_minor=fields.pop("amount_requested_minor", 100_000),
                    submitted_at=utcnow() if status != ApplicationStatus.DRAFT else None,
                    **fields)
    if budget:
        a.budget_lines = [
            BudgetLine(category=cat, amount_minor=amount, currency=call_.currency)
            for cat, amount in ((BudgetCategory.PROGRAMME, 70_000),
                                (BudgetCategory.PROTECTION_SECURITY, 20_000),
                                (BudgetCategory.PSYCHOSOCIAL, 10_000))]
    db.session.add(a)
    db.session.flush()
    return a


def assign(application_: Application, reviewer: User, *, by: User | None = None,
           declared: bool = True, conflict: bool = False) -> Review:
    """A review assignment; `declared`: the reviewer has answered the conflict question."""
    r = Review(application_id=application_.id, reviewer_id=reviewer.id,
               assigned_by_id=by.id if by else None,
               declared_at=utcnow() if declared else None, conflict_declared=conflict)
    db.session.add(r)
    db.session.flush()
    return r


def award(application_: Application, officer: User, *, amount_minor: int = 300_000,
          years: int = 3, support_type: SupportType = SupportType.CORE,
          start_date=None, second_officer: User | None = None) -> Award:
    """An award made by the service an approval uses (tranches, reports, budget); active
    unless it is above the two-person threshold and no `second_officer` is given."""
    from datetime import date

    from grants.awards import services as awards

    application_.call.max_years = max(application_.call.max_years, years)
    a = awards.create_award(officer, application_, amount_minor=amount_minor,
                            currency=application_.currency,
                            start_date=start_date or date(2026, 1, 1), years=years,
                            support_type=support_type)
    if a.status == AwardStatus.PENDING_APPROVAL and second_officer is not None:
        awards.activate(second_officer, a)
    if a.status == AwardStatus.ACTIVE:
        application_.status = ApplicationStatus.APPROVED
    db.session.flush()
    return a


def release(tranche: Tranche, officer: User) -> Tranche:
    tranche.status, tranche.released_at = TrancheStatus.RELEASED, utcnow()
    tranche.released_by_id = officer.id
    db.session.flush()
    return tranche


def disbursement(tranche: Tranche, officer: User, *, amount_minor: int = 10_000,
                 route: PaymentRoute = PaymentRoute.BANK_TRANSFER,
                 status: DisbursementStatus = DisbursementStatus.SCHEDULED) -> Disbursement:
    d = Disbursement(tranche_id=tranche.id, amount_minor=amount_minor, currency=tranche.currency,
                     route=route, status=status, idempotency_key=f"disb-test-{next(_seq)}",
                     scheduled_by_id=officer.id)
    db.session.add(d)
    db.session.flush()
    return d


def report(requirement: ReportRequirement, by: User, *,
           status: ReportStatus = ReportStatus.SUBMITTED) -> Report:
    r = Report(requirement=requirement, kind=ReportKind.SHORT_FORM, status=status,
               answers=["We met.", "Travel was hard.", "No."], submitted_by_id=by.id,
               submitted_at=utcnow())
    db.session.add(r)
    db.session.flush()
    return r


def regranting_award(intermediary_org: Organisation, fund_: Fund, officer: User, *,
                     amount_minor: int = 500_000, regranting_minor: int = 400_000,
                     regrant_type: RegrantType = RegrantType.TRANSFER_TO_INTERMEDIARY,
                     status: AwardStatus = AwardStatus.ACTIVE) -> Award:
    """An active award to an intermediary, of which `regranting_minor` may be sub-granted
    (no tranches: the workspace needs none)."""
    from datetime import date

    a = Award(reference=f"AW-RG-{next(_seq):04d}", organisation_id=intermediary_org.id,
              fund_id=fund_.id, amount_minor=amount_minor, currency=fund_.currency,
              start_date=date(2026, 1, 1), end_date=date(2026, 12, 31), years=1,
              support_type=SupportType.PROJECT, regrant_type=regrant_type,
              regranting_minor=regranting_minor, status=status,
              decided_by_id=officer.id, approved_at=utcnow())
    db.session.add(a)
    db.session.flush()
    return a


def paid_to_intermediary(award_: Award, officer: User, amount_minor: int) -> Disbursement:
    """The funder's payment of `amount_minor` to the intermediary for a regranting award, paid
    in its disbursement ledger (a released tranche of it, made when the award has none)."""
    from datetime import date

    tranche = award_.tranches[0] if award_.tranches else Tranche(
        award_id=award_.id, sequence=1, due_date=date(2026, 1, 1),
        amount_minor=award_.amount_minor, currency=award_.currency)
    db.session.add(tranche)
    db.session.flush()
    release(tranche, officer)
    return disbursement(tranche, officer, amount_minor=amount_minor,
                        status=DisbursementStatus.PAID)


def sub_grant(award_: Award, *, code: str | None = None, amount_minor: int = 50_000,
              country: str = "KE", category: str = "programme", theme: str = "",
              details: str | None = None) -> SubGrant:
    s = SubGrant(award_id=award_.id, intermediary_id=award_.organisation_id,
                 recipient_code=code or f"MOV-{next(_seq):03d}", country=country,
                 amount_minor=amount_minor, currency=award_.currency, category=category,
                 theme=theme, recipient_details=details)
    db.session.add(s)
    db.session.flush()
    return s


def failed_job(user_: User) -> OutboxItem:
    """A notice for `user_` the worker gave up on."""
    item = OutboxItem(key=f"notice:failed-{next(_seq)}", kind="notice",
                      payload={"user_id": user_.id, "kind": "message", "url": None},
                      status=JobStatus.FAILED, attempts=8, last_error="ConnectionRefusedError",
                      finished_at=utcnow())
    db.session.add(item)
    db.session.flush()
    return item


@dataclass
class World:
    applicant: User
    stranger: User  # an applicant of another organisation
    reviewer: User
    officer: User
    intermediary: User
    admin: User
    target: User  # a bystander account that admin actions are aimed at
    org: Organisation
    other_org: Organisation
    intermediary_org: Organisation
    fund: Fund
    call: Call  # open
    draft_call: Call  # not yet open: officers only
    application: Application  # the applicant's draft
    submitted: Application  # the applicant's submitted application
    other_application: Application  # the stranger's submitted application
    reviewed: Application  # submitted; `reviewer` assigned and declared no conflict
    award: Award  # the applicant's active three-year core award
    requirement: ReportRequirement  # its first year's short report requirement
    report: Report  # a submitted report for it
    tranche: Tranche  # its second tranche, gated by that report
    pending_award: Award  # above the two-person threshold, first approved by `colleague`
    released: Tranche  # the award's first tranche, released for payment
    disbursement: Disbursement  # a scheduled bank transfer of part of it
    regranting_award: Award  # to intermediary_org: 400,000 of 500,000 USD for regranting
    sub_grant: SubGrant  # a coded sub-grant from it, identifying details encrypted
    routed: Application  # the applicant's, sent through intermediary_org, not yet endorsed
    other_sub_grant: SubGrant  # another intermediary's (its award closed): nobody here sees it
    own_call: Call  # intermediary_org's own short call on regranting_award (closed)
    own_call_application: Application  # the applicant's, sent to own_call: the intermediary's
    rapid_call: Call  # an open rapid-response call of `fund`
    rapid_request: Application  # filed by `intermediary` for a defender, on its clock
    failed_job: OutboxItem  # a notice that failed past its retries (the admin's jobs page)

    def by_role(self, name: str) -> User | None:
        return None if name == "anon" else getattr(self, name)


def world() -> World:
    applicant, stranger = user(), user()
    intermediary = user(Role.INTERMEDIARY)
    reviewer, officer, colleague = user(Role.REVIEWER), user(Role.OFFICER), user(Role.OFFICER)
    the_fund = fund(accepts_donations=True)
    open_call = call(the_fund)
    org = organisation(applicant, contact_details="Signal +57 300 000 0000")
    other_org = organisation(stranger, kind=OrgKind.REGISTERED_NGO, legal_name="Other NGO")
    reviewed = application(open_call, org, by=applicant, status=ApplicationStatus.SUBMITTED)
    assign(reviewed, reviewer, by=officer)
    core_call = call(the_fund, call_type=CallType.CORE_SUPPORT, max_years=3, title="Core")
    the_award = award(application(core_call, org, by=applicant,
                                  status=ApplicationStatus.UNDER_REVIEW), officer)
    requirement = the_award.report_requirements[0]
    released = release(the_award.tranches[0], officer)
    pending = award(application(core_call, other_org, by=stranger,
                                status=ApplicationStatus.UNDER_REVIEW),
                    colleague, amount_minor=10_000_000)
    intermediary_org = organisation(intermediary, kind=OrgKind.INTERMEDIARY, country="KE")
    regranting = regranting_award(intermediary_org, the_fund, officer)
    elsewhere = organisation(kind=OrgKind.INTERMEDIARY, country="GT")
    own_call = call(the_fund, status=CallStatus.CLOSED, title="Small grants", questions=0,
                    intermediary_id=intermediary_org.id, regranting_award_id=regranting.id)
    rapid_call = call(the_fund, call_type=CallType.RAPID_RESPONSE, closes_at=None, questions=0,
                      title="Rapid response")
    return World(
        failed_job=failed_job(applicant),
        rapid_call=rapid_call,
        rapid_request=application(
            rapid_call, intermediary_org, by=intermediary, status=ApplicationStatus.SUBMITTED,
            rapid_category=RapidCategory.IN_COUNTRY, on_behalf=True, defender_alias="D-1",
            rapid_due_at=utcnow() + timedelta(hours=the_fund.rapid_response_target_hours)),
        own_call=own_call,
        own_call_application=application(own_call, org, by=applicant,
                                         status=ApplicationStatus.SUBMITTED),
        regranting_award=regranting,
        sub_grant=sub_grant(regranting, details="Contact through the women's collective"),
        routed=application(open_call, org, by=applicant, intermediary_id=intermediary_org.id,
                           status=ApplicationStatus.AWAITING_ENDORSEMENT),
        other_sub_grant=sub_grant(regranting_award(elsewhere, the_fund, officer,
                                                   status=AwardStatus.CLOSED)),
        applicant=applicant, stranger=stranger, reviewer=reviewer,
        officer=officer, intermediary=intermediary, admin=user(Role.ADMIN),
        reviewed=reviewed, award=the_award, requirement=requirement,
        report=report(requirement, applicant), tranche=the_award.tranches[1],
        pending_award=pending, released=released,
        disbursement=disbursement(released, officer),
        target=user(),
        org=org, other_org=other_org,
        intermediary_org=intermediary_org,
        fund=the_fund, call=open_call,
        draft_call=call(the_fund, status=CallStatus.DRAFT, title="Not yet open"),
        application=application(open_call, org, by=applicant),
        submitted=application(open_call, org, by=applicant, status=ApplicationStatus.SUBMITTED),
        other_application=application(open_call, other_org, by=stranger,
                                      status=ApplicationStatus.SUBMITTED),
    )
