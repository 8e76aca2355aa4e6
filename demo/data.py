"""Demo data for `make run`: each kind of user, funds, calls, applications, awards.

Loaded once; the accounts use DEMO_PASSWORD and staff have fixed two-step secrets so a
newcomer can log in (`flask --app grants totp officer` prints the current code).
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from demo import intermediaries as intermediaries_demo
from demo import payments as payments_demo
from demo import rapid as rapid_demo
from demo import texts as demo_texts
from demo import voice as voice_demo
from grants.applications.calls import question_bank
from grants.auth import services as accounts
from grants.awards import services as awards
from grants.extensions import db
from grants.models import (
    Application,
    ApplicationAnswer,
    ApplicationStatus,
    ApplicationStatusChange,
    Award,
    AwardStatus,
    BudgetCategory,
    BudgetLine,
    Call,
    CallQuestion,
    CallStatus,
    CallText,
    CallType,
    FocusTally,
    Fund,
    MemberRole,
    Membership,
    Organisation,
    OrgKind,
    Recommendation,
    Report,
    ReportKind,
    ReportStatus,
    Review,
    RiskLevel,
    Role,
    SupportType,
    Tranche,
    TrancheStatus,
    User,
)
from grants.models.types import utcnow

DEMO_PASSWORD = "demo password 2026"  # noqa: S105 (documented demo accounts)  # nosec B105
USERS = [
    ("admin", Role.ADMIN), ("officer", Role.OFFICER), ("officer2", Role.OFFICER),
    ("reviewer", Role.REVIEWER), ("intermediary", Role.INTERMEDIARY),
    ("intermediary2", Role.INTERMEDIARY),
    ("applicant", Role.APPLICANT), ("ngo", Role.APPLICANT),
]


def demo_totp_secret(username: str) -> str:
    return base64.b32encode(hashlib.sha256(b"grants-demo:" + username.encode()).digest()[:20]
                            ).decode()


def load_demo() -> bool:
    """Create the demo data; False if it is already there."""
    if db.session.scalar(sa.select(User.id).where(User.username == "admin")) is not None:
        return False
    users = {name: _user(name, role) for name, role in USERS}
    # The registered NGO's member gave an address, so that `make run`'s worker has notices
    # to deliver (logged, with MAIL_BACKEND=log); the others gave none, as many do.
    users["ngo"].email = "ngo@voices.example"
    orgs = _organisations(users)
    funds = _funds()
    calls = _calls(funds, users["officer"])
    submitted = _application(calls["protection"], orgs["rivers"], users["applicant"])
    _in_review(submitted, users)
    _more_applications(calls, orgs, users)
    _awards(calls, orgs, users)
    intermediaries_demo.load(users, orgs["regional"], calls["protection"], _awarded)
    db.session.flush()
    payments_demo.load(users)
    rapid_demo.load(users, orgs, calls["rapid"])
    _focus_tallies(funds["protection"].id, utcnow().year)  # the portfolio's IV.2 counts
    db.session.flush()
    voice_demo.load(users, funds)
    db.session.flush()
    return True


def _user(name: str, role: Role) -> User:
    user, _code = accounts.register(name, DEMO_PASSWORD, role=role)
    if role.is_staff:
        user.totp_secret, user.totp_enabled = demo_totp_secret(name), True
    return user


def _organisations(users: dict[str, User]) -> dict[str, Organisation]:
    rivers = Organisation(name="Rivers Collective", kind=OrgKind.UNREGISTERED_GROUP, country="CO",
                          contact_details="Signal: ask the Bogotá partner for the number")
    voices = Organisation(name="Voices for Land", kind=OrgKind.REGISTERED_NGO, country="KE",
                          legal_name="Voices for Land Trust", registration_number="OP.218/051/2011",
                          is_verified=True, contact_details="office@voices.example")
    regional = Organisation(name="Regional Solidarity Fund", kind=OrgKind.INTERMEDIARY,
                            country="KE", serves_countries=["KE", "UG", "TZ"], is_verified=True,
                            accepts_routed_applications=True)
    db.session.add_all([rivers, voices, regional])
    for user, org in ((users["applicant"], rivers), (users["ngo"], voices),
                      (users["intermediary"], regional)):
        db.session.add(Membership(user=user, organisation=org, role=MemberRole.OWNER))
    return {"rivers": rivers, "voices": voices, "regional": regional}


def _funds() -> dict[str, Fund]:
    protection = Fund(name="Defenders Protection Fund", currency="USD", envelope_minor=50_000_000,
                      is_protection=True, accepts_donations=True,
                      description="Protection, security and well-being of defenders at risk.")
    core = Fund(name="Core Support Fund", currency="EUR", envelope_minor=120_000_000,
                description="Multi-year unrestricted support for movements and organisations.")
    db.session.add_all([protection, core])
    return {"protection": protection, "core": core}


QUESTIONS = [
    ("mission", "What is your group's mission?", 150),
    ("activities", "What will you do with this support?", 300),
]  # threats and a safe contact: asked on every application's first step, never again
REPLACEABLE = {"mission", "activities", "who_you_work_with"}
SENSITIVE = {"risks", "safe_contact", question_bank.CUSTOM}  # the convening's risks


def _questions(spec) -> list[CallQuestion]:
    """A question keeping the bank's wording stores none (the bank says it in the reader's
    language); a reworded one stores its wording in every language."""
    return [CallQuestion(position=i, bank_key=key, word_limit=limit,
                         prompts={} if _bank_says(key, text) else demo_texts.prompts(text),
                         sensitive=key in SENSITIVE, replaceable=key in REPLACEABLE)
            for i, (key, text, limit) in enumerate(spec, start=1)]


def _bank_says(key: str, text: str) -> bool:
    entry = question_bank.get(key)
    return entry is not None and entry.english() == text


def _texts(key: str) -> list[CallText]:
    return [CallText(language=code, title=title, description=description)
            for code, (title, description) in demo_texts.CALL_TEXTS[key].items()]


def _calls(funds: dict[str, Fund], officer: User) -> dict[str, Call]:
    now = utcnow()
    protection = Call(
        fund=funds["protection"], call_type=CallType.OPEN, status=CallStatus.OPEN,
        languages=list(demo_texts.LANGUAGES), opens_at=now - timedelta(days=10),
        closes_at=now + timedelta(days=40), currency="USD", amount_min_minor=100_000,
        amount_max_minor=2_500_000, allow_intermediary_route=True,
        min_protection_share_bp=1000, min_psychosocial_share_bp=500, created_by_id=officer.id,
        texts=_texts("protection"),
        questions=_questions(QUESTIONS),
    )
    core = Call(
        fund=funds["core"], call_type=CallType.CORE_SUPPORT, status=CallStatus.OPEN,
        languages=list(demo_texts.LANGUAGES), opens_at=now - timedelta(days=20),
        closes_at=now + timedelta(days=75), currency="EUR", amount_min_minor=1_000_000,
        amount_max_minor=9_000_000, max_years=3, attachments_required=1,
        allow_individuals=False, min_protection_share_bp=500, min_psychosocial_share_bp=500,
        created_by_id=officer.id,
        texts=_texts("core"),
        questions=_questions([
            ("mission", "What is your movement's purpose?", 200),
            ("activities", "What would three years of flexible support let you do?", 400),
            ("who_you_work_with", "Who do you work with?", 150)]),
    )
    convening = Call(
        fund=funds["protection"], call_type=CallType.CONVENING, status=CallStatus.OPEN,
        languages=list(demo_texts.LANGUAGES), opens_at=now - timedelta(days=5),
        currency="USD",
        amount_min_minor=200_000, amount_max_minor=1_500_000, created_by_id=officer.id,
        texts=_texts("convening"),
        questions=_questions([
            ("activities", "Who would meet, where, and why now?", 250),
            # Not the bank's "risks" (asked on the first step): the meeting's own risks.
            (question_bank.CUSTOM,
             "What risks does meeting bring, and how will you manage them?", 150)]),
    )
    draft = Call(
        fund=funds["protection"], call_type=CallType.OPEN, status=CallStatus.DRAFT,
        languages=list(demo_texts.LANGUAGES), currency="USD", amount_max_minor=500_000,
        created_by_id=officer.id,
        closes_at=now + timedelta(days=90),
        texts=_texts("draft"),
    )
    rapid = Call(
        fund=funds["protection"], call_type=CallType.RAPID_RESPONSE, status=CallStatus.OPEN,
        languages=list(demo_texts.LANGUAGES), opens_at=now - timedelta(days=300),
        currency="USD",
        amount_max_minor=1_000_000, created_by_id=officer.id,
        texts=_texts("rapid"),
    )
    db.session.add_all([protection, rapid, core, convening, draft])
    return {"protection": protection, "rapid": rapid, "core": core, "convening": convening}


def _application(call: Call, org: Organisation, user: User) -> Application:
    now = utcnow()
    app = Application(
        call=call, organisation=org, created_by_id=user.id, code_name="GR-HRN4-8217",
        status=ApplicationStatus.SUBMITTED, language="es", title="Guardianes del río",
        country="CO", currency="USD", amount_requested_minor=1_200_000,
        risk_level=RiskLevel.HIGH,
        threat_description="Amenazas después de la audiencia sobre el río.",
        safe_contact="Solo a través de la organización aliada", submitted_at=now,
    )
    app.answers = [ApplicationAnswer(question=q, text=text) for q, text in zip(call.questions, [
        # In Spanish, the application's language (Application.language).
        "Somos comunidades ribereñas que defienden el río de la minería ilegal.",
        "Vigilar el río, documentar los daños y acompañar las audiencias.",
    ], strict=True)]
    app.budget_lines = [
        BudgetLine(category=BudgetCategory.PROGRAMME, amount_minor=800_000, currency="USD",
                   description="Monitoreo comunitario del río"),
        BudgetLine(category=BudgetCategory.PROTECTION_SECURITY, amount_minor=250_000,
                   currency="USD", description="Transporte seguro y una auditoría de seguridad"),
        BudgetLine(category=BudgetCategory.PSYCHOSOCIAL, amount_minor=150_000, currency="USD",
                   description="Sesiones de cuidado colectivo"),
    ]
    app.history = [ApplicationStatusChange(from_status=None, to_status=ApplicationStatus.DRAFT,
                                           actor_id=user.id, created_at=now),
                   ApplicationStatusChange(from_status=ApplicationStatus.DRAFT,
                                           to_status=ApplicationStatus.SUBMITTED,
                                           actor_id=user.id, created_at=now)]
    db.session.add(app)
    return app


def _in_review(app: Application, users: dict[str, User]) -> None:
    """The officer carries it; the reviewer declared no conflict and scored it."""
    now = utcnow()
    app.assigned_officer_id = users["officer"].id
    db.session.add(Review(
        application=app, reviewer_id=users["reviewer"].id, assigned_by_id=users["officer"].id,
        declared_at=now, conflict_declared=False, submitted_at=now,
        criteria_scores={"Fit with the fund's purpose": 5, "Need and urgency": 5,
                         "Feasibility": 4, "Safety of the plan": 4},
        score=4, recommendation=Recommendation.FUND,
        comment="(demo) Strong, urgent; ask how the hearings will be accompanied."))


def _more_applications(calls: dict[str, Call], orgs: dict[str, Organisation],
                       users: dict[str, User]) -> None:
    """A draft in progress and a withdrawn application, beside the submitted one."""
    now = utcnow()
    draft = Application(
        call=calls["core"], organisation=orgs["rivers"], created_by_id=users["applicant"].id,
        code_name="GR-DRFT-2P7Q", status=ApplicationStatus.DRAFT, language="es",
        title="Tres años para el río", country="CO", currency="EUR", current_step=2,
        answers=[ApplicationAnswer(question=calls["core"].questions[0],
                                   text="Cuidamos el río y a quienes lo defienden.")],
    )
    withdrawn = Application(
        call=calls["convening"], organisation=orgs["voices"], created_by_id=users["ngo"].id,
        code_name="GR-WDRN-8K4M", status=ApplicationStatus.WITHDRAWN, language="en",
        title="Land defenders' gathering", country="KE", currency="USD",
        amount_requested_minor=600_000, submitted_at=now - timedelta(days=3),
        budget_lines=[
            BudgetLine(category=BudgetCategory.CONVENING, amount_minor=450_000, currency="USD"),
            BudgetLine(category=BudgetCategory.PROTECTION_SECURITY, amount_minor=100_000,
                       currency="USD"),
            BudgetLine(category=BudgetCategory.PSYCHOSOCIAL, amount_minor=50_000,
                       currency="USD")],
        history=[ApplicationStatusChange(to_status=ApplicationStatus.DRAFT,
                                         actor_id=users["ngo"].id),
                 ApplicationStatusChange(from_status=ApplicationStatus.DRAFT,
                                         to_status=ApplicationStatus.SUBMITTED,
                                         actor_id=users["ngo"].id),
                 ApplicationStatusChange(from_status=ApplicationStatus.SUBMITTED,
                                         to_status=ApplicationStatus.WITHDRAWN,
                                         actor_id=users["ngo"].id)],
    )
    db.session.add_all([draft, withdrawn])


def _awarded(call: Call, org: Organisation, user: User, *, code: str, title: str,
             amount: int, sent_days_ago: int, status=ApplicationStatus.APPROVED) -> Application:
    """A sent application with a budget that meets the call's protection and care shares."""
    sent = utcnow() - timedelta(days=sent_days_ago)
    shares = ((BudgetCategory.CORE_OPERATING, 70), (BudgetCategory.PROTECTION_SECURITY, 20),
              (BudgetCategory.PSYCHOSOCIAL, 10))
    app = Application(
        call=call, organisation=org, created_by_id=user.id, code_name=code, status=status,
        language="en", title=title, country=org.country, currency=call.currency,
        amount_requested_minor=amount, submitted_at=sent,
        decided_at=sent + timedelta(days=20) if status == ApplicationStatus.APPROVED else None,
        answers=[ApplicationAnswer(question=q, text="(demo answer)") for q in call.questions],
        budget_lines=[BudgetLine(category=cat, amount_minor=amount * pct // 100,
                                 currency=call.currency) for cat, pct in shares],
        history=[ApplicationStatusChange(to_status=ApplicationStatus.DRAFT, actor_id=user.id),
                 ApplicationStatusChange(from_status=ApplicationStatus.DRAFT,
                                         to_status=ApplicationStatus.SUBMITTED,
                                         actor_id=user.id, created_at=sent)],
    )
    db.session.add(app)
    db.session.flush()
    return app


def _awards(calls: dict[str, Call], orgs: dict[str, Organisation],
            users: dict[str, User]) -> None:
    """Multi-year core and project awards in several states (Section IV.7)."""
    officer, officer2 = users["officer"], users["officer2"]
    today = date.today()
    # Three years of core support, in its second year: year 1 paid out, its report waits
    # for the officer, and the second tranche is held until that report is accepted.
    core_app = _awarded(calls["core"], orgs["voices"], users["ngo"], code="GR-CORE-V01C",
                        title="Voices for Land: three years of core support",
                        amount=6_000_000, sent_days_ago=420)
    core = awards.create_award(officer, core_app, amount_minor=6_000_000, currency="EUR",
                               start_date=awards.add_years(today, -1) + timedelta(days=20),
                               years=3, support_type=SupportType.CORE)
    awards.activate(officer2, core)
    _backdate(core, days_before_start=14)
    _release(core.tranches[0], officer)
    db.session.add(Report(requirement=core.report_requirements[0], kind=ReportKind.SHORT_FORM,
                          status=ReportStatus.SUBMITTED, submitted_by_id=users["ngo"].id,
                          submitted_at=utcnow() - timedelta(days=2),
                          answers=["(demo) Two communities kept their land titles.",
                                   "(demo) A staff member was threatened; we moved office.",
                                   "(demo) Nothing more."]))
    # A one-year project award, started two months ago and paid.
    project_app = _awarded(calls["protection"], orgs["rivers"], users["applicant"],
                           code="GR-PROJ-R02P", title="River monitoring, safely",
                           amount=1_200_000, sent_days_ago=90)
    project = awards.create_award(officer, project_app, amount_minor=1_000_000,
                                  currency="USD", start_date=today - timedelta(days=60),
                                  years=1, support_type=SupportType.PROJECT,
                                  conditions="Share the security audit's summary with us.")
    _backdate(project, days_before_start=10)
    _release(project.tranches[0], officer)
    # Approved by one officer, above the two-person threshold: officer2 may confirm it.
    pending_app = _awarded(calls["core"], orgs["rivers"], users["applicant"],
                           code="GR-PEND-R03C", title="Core support for the river network",
                           amount=4_500_000, sent_days_ago=30,
                           status=ApplicationStatus.UNDER_REVIEW)
    awards.create_award(officer, pending_app, amount_minor=4_500_000, currency="EUR",
                        start_date=today + timedelta(days=30), years=3,
                        support_type=SupportType.CORE)
    _closed_award(calls["protection"], orgs["voices"], users)


def _closed_award(call: Call, org: Organisation, users: dict[str, User]) -> None:
    """A finished one-year project award: paid, reported on, accepted, closed."""
    officer = users["officer"]
    app = _awarded(call, org, users["ngo"], code="GR-DONE-V04P",
                   title="Legal accompaniment 2024", amount=800_000, sent_days_ago=800)
    award = awards.create_award(officer, app, amount_minor=800_000, currency="USD",
                                start_date=date.today() - timedelta(days=700), years=1,
                                support_type=SupportType.PROJECT)
    _backdate(award, days_before_start=14)
    _release(award.tranches[0], officer)
    db.session.add(Report(requirement=award.report_requirements[0], kind=ReportKind.CONVERSATION,
                          status=ReportStatus.ACCEPTED, body="(demo) Call notes: all done.",
                          recorded_by_id=officer.id, reviewed_by_id=officer.id,
                          submitted_at=utcnow() - timedelta(days=340),
                          reviewed_at=utcnow() - timedelta(days=339)))
    award.status, award.closed_at = AwardStatus.CLOSED, utcnow() - timedelta(days=330)


def _backdate(award: Award, days_before_start: int) -> None:
    """Demo awards were decided before they started, not when the demo was loaded."""
    decided = datetime.combine(award.start_date - timedelta(days=days_before_start), time(9),
                               tzinfo=UTC)
    award.created_at = award.approved_at = decided


def _release(tranche: Tranche, officer: User) -> None:
    """Released on its due date (or now, if that is still to come)."""
    due = datetime.combine(tranche.due_date, time(10), tzinfo=UTC)
    tranche.status = TrancheStatus.RELEASED
    tranche.released_by_id, tranche.released_at = officer.id, min(due, utcnow())


# Tallies as years of sending would have left them, some under 5 (suppressed).
FOCUS_TALLIES = {0: {"women": 9, "indigenous": 6, "land_environment": 5, "lgbtiq": 3,
                     "journalists": 1},
                 1: {"women": 7, "indigenous": 2, "lgbtiq": 5}}


def _focus_tallies(fund_id: int, year: int) -> None:
    """Focus-population tallies (grants/reporting/focus.py) for `year` and the year before."""
    for back, counts in FOCUS_TALLIES.items():
        for population, count in counts.items():
            db.session.add(FocusTally(fund_id=fund_id, year=year - back,
                                      population=population, count=count))
    db.session.flush()
