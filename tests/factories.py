"""Build test objects with sensible defaults; every function flushes, none commits."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pyotp

from grants.auth import services
from grants.extensions import db
from grants.models import (
    Application,
    ApplicationStatus,
    BudgetCategory,
    BudgetLine,
    Call,
    CallQuestion,
    CallStatus,
    CallText,
    CallType,
    Fund,
    MemberRole,
    Membership,
    Organisation,
    OrgKind,
    Role,
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

    def by_role(self, name: str) -> User | None:
        return None if name == "anon" else getattr(self, name)


def world() -> World:
    applicant, stranger = user(), user()
    intermediary = user(Role.INTERMEDIARY)
    the_fund = fund()
    open_call = call(the_fund)
    org = organisation(applicant, contact_details="Signal +57 300 000 0000")
    other_org = organisation(stranger, kind=OrgKind.REGISTERED_NGO, legal_name="Other NGO")
    return World(
        applicant=applicant, stranger=stranger, reviewer=user(Role.REVIEWER),
        officer=user(Role.OFFICER), intermediary=intermediary, admin=user(Role.ADMIN),
        target=user(),
        org=org, other_org=other_org,
        intermediary_org=organisation(intermediary, kind=OrgKind.INTERMEDIARY, country="KE"),
        fund=the_fund, call=open_call,
        draft_call=call(the_fund, status=CallStatus.DRAFT, title="Not yet open"),
        application=application(open_call, org, by=applicant),
        submitted=application(open_call, org, by=applicant, status=ApplicationStatus.SUBMITTED),
        other_application=application(open_call, other_org, by=stranger,
                                      status=ApplicationStatus.SUBMITTED),
    )
