"""Rapid-response requests (Section IV.5): one short page, sent at once.

A defender files for themselves, or a trusted partner organisation files for them (the
request is then the partner's, `on_behalf`, and names the defender only by an alias the
partner chooses). What happened, what is needed now, a few budget lines by category, how
and when it is safe to reach them and the language they wrote in; any language is taken as
free text. A request is at high risk unless the defender says otherwise (officers then
reveal its details before reading them: grants/security/reveal.py). Every text is encrypted
at rest and none reaches the audit log. Sending starts the decision clock: `rapid_due_at`
is fixed from the fund's target when the request is sent.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from grants import money
from grants.applications import queries
from grants.applications.services import (
    applying_kinds,
    call_is_open,
    change_status,
    new_code_name,
)
from grants.countries import is_country
from grants.errors import N_, ServiceError
from grants.extensions import db
from grants.models import (
    Application,
    ApplicationStatus,
    ApplicationStatusChange,
    BudgetCategory,
    BudgetLine,
    Call,
    CallType,
    Organisation,
    OrgKind,
    RapidCategory,
    RiskLevel,
    User,
)
from grants.models.types import utcnow
from grants.organisations.services import create_organisation
from grants.policy import is_member, may_file_for_others
from grants.security import audit

MAX_LINES = 3
TEXT_MAX = 5000
SHORT_MAX = 300
# Budget categories a request's lines may use; care costs (childcare, dependants) are
# eligible under DEPENDANTS_SUPPORT, legal and medical costs under IN_COUNTRY_PROTECTION.
LINE_CATEGORIES = (
    BudgetCategory.PROTECTION_SECURITY, BudgetCategory.DIGITAL_SECURITY,
    BudgetCategory.IN_COUNTRY_PROTECTION, BudgetCategory.PSYCHOSOCIAL,
    BudgetCategory.RELOCATION, BudgetCategory.DEPENDANTS_SUPPORT, BudgetCategory.OTHER,
)


@dataclasses.dataclass
class Line:
    category: str = ""
    description: str = ""
    amount: str = ""  # as typed, in major units


@dataclasses.dataclass
class Request:
    """What the one-page form gives, as typed."""

    organisation: Organisation
    category: str
    what_happened: str
    needs_now: str
    currency: str
    lines: list[Line]
    safe_contact: str
    written_in: str
    relocation_justification: str = ""
    gender_risk: str = ""
    on_behalf: bool = False
    defender_alias: str = ""
    risk_level: str = RiskLevel.HIGH.value  # high unless the defender says otherwise


# Stored as the title of every emergency request (not shown as such: see
# content.display_title, which says it in the reader's language).
RAPID_TITLE = "Rapid response"


def open_calls() -> list[Call]:
    """Open rapid-response calls of the funder."""
    return list(db.session.scalars(queries.open_rapid([Call], utcnow())))


def is_rapid(application: Application) -> bool:
    return application.rapid_category is not None


def _text(value: str | None, field: str, *, required: str | None = None,
          limit: int = TEXT_MAX) -> str | None:
    cleaned = (value or "").replace("\r\n", "\n").strip()
    if not cleaned and required:
        raise ServiceError(required, field)
    if len(cleaned) > limit:
        raise ServiceError("Use at most %(max)s characters.", field, max=limit)
    return cleaned or None


def individual_profile(actor: User, country: str) -> Organisation:
    """The defender's own profile, made with their first request rather than on a page
    before it: an individual defender named by their user name (often a pseudonym), in
    their country, nothing more asked."""
    if not is_country(country or ""):
        raise ServiceError("Choose a country from the list.", "country")
    return create_organisation(actor, kind=OrgKind.INDIVIDUAL_DEFENDER, name=actor.username,
                               country=country)


def _check_filer(actor: User, call: Call, req: Request) -> None:
    if call.call_type != CallType.RAPID_RESPONSE or not call_is_open(call):
        raise ServiceError("This call does not take rapid-response requests now.")
    if not is_member(actor, req.organisation):
        raise ServiceError("Choose one of your own groups.", "organisation")
    if req.on_behalf and not may_file_for_others(actor, req.organisation):
        raise ServiceError("Only a partner organisation (a registered organisation or an "
                           "intermediary) can file for a defender.", "on_behalf")
    if not req.on_behalf and req.organisation.kind not in applying_kinds(call):
        raise ServiceError("This call does not take requests from this kind of group. A "
                           "partner organisation can file for the defender.", "organisation")


def _lines(req: Request) -> list[BudgetLine]:
    if req.currency not in money.CURRENCIES:
        raise ServiceError("Choose a currency from the list.", "currency")
    lines = []
    for i, line in enumerate(req.lines[:MAX_LINES]):
        if not (line.amount or "").strip() and not (line.description or "").strip():
            continue
        if line.category not in {c.value for c in LINE_CATEGORIES}:
            raise ServiceError("Choose what this line is for.", f"line{i + 1}_category")
        amount = money.to_minor(line.amount, req.currency, field=f"line{i + 1}_amount")
        if amount <= 0:
            raise ServiceError("Enter an amount above zero.", f"line{i + 1}_amount")
        lines.append(BudgetLine(category=BudgetCategory(line.category), year=1,
                                description=(line.description or "").strip()[:SHORT_MAX],
                                amount_minor=amount, currency=req.currency))
    if not lines:
        raise ServiceError("Say how much you need, on at least one line.", "line1_amount")
    return lines


def _category(req: Request) -> RapidCategory:
    if req.category not in {c.value for c in RapidCategory}:
        raise ServiceError("Choose what the support is for.", "category")
    category = RapidCategory(req.category)
    # IV.4: in-country protection first; relocation says why it is not enough.
    if category == RapidCategory.RELOCATION:
        _text(req.relocation_justification, "relocation_justification",
              required=N_("Say why protection where they are is not enough."))
    return category


def _risk(req: Request) -> RiskLevel:
    if not req.risk_level:  # not asked (an older page, a script): the safe answer
        return RiskLevel.HIGH
    if req.risk_level not in {r.value for r in RiskLevel}:
        raise ServiceError("Choose how much danger there is now.", "risk_level")
    return RiskLevel(req.risk_level)


def _check_total(call: Call, lines: list[BudgetLine], currency: str) -> int:
    total = sum(line.amount_minor for line in lines)
    if currency == call.currency and total > call.amount_max_minor:
        raise ServiceError("This fund gives at most %(amount)s for one request.", "line1_amount",
                           amount=money.format_money(call.amount_max_minor, call.currency))
    return total


def file_request(actor: User, call: Call, req: Request, *, language: str = "en",
                 now: datetime | None = None) -> Application:
    """File and send a rapid-response request at once, starting its decision clock."""
    now = now or utcnow()
    _check_filer(actor, call, req)
    texts = {
        "threat_description": _text(req.what_happened, "what_happened",
                                    required=N_("Say what happened.")),
        "needs_now": _text(req.needs_now, "needs_now", required=N_("Say what is needed now.")),
        "safe_contact": _text(req.safe_contact, "safe_contact", limit=SHORT_MAX,
                              required=N_("Say how and when it is safe to reach them.")),
        "written_in": _text(req.written_in, "written_in", limit=80,
                            required=N_("Say which language this is written in.")),
        "gender_risk": _text(req.gender_risk, "gender_risk"),
        "defender_alias": _text(req.defender_alias, "defender_alias", limit=80,
                                required=N_("Give a name or code for the defender."))
        if req.on_behalf else None,
    }
    category = _category(req)
    risk = _risk(req)
    lines = _lines(req)
    total = _check_total(call, lines, req.currency)
    application = Application(
        call=call, organisation=req.organisation, created_by_id=actor.id,
        code_name=new_code_name(), status=ApplicationStatus.DRAFT, language=language,
        currency=req.currency, country=req.organisation.country, amount_requested_minor=total,
        title=RAPID_TITLE, rapid_category=category, on_behalf=req.on_behalf, risk_level=risk,
        relocation_justification=_text(req.relocation_justification,
                                       "relocation_justification")
        if category == RapidCategory.RELOCATION else None,
        budget_lines=lines, submitted_at=now,
        rapid_due_at=now + timedelta(hours=call.fund.rapid_response_target_hours), **texts)
    application.history.append(ApplicationStatusChange(to_status=ApplicationStatus.DRAFT,
                                                       actor_id=actor.id))
    db.session.add(application)
    change_status(actor, application, ApplicationStatus.SUBMITTED)
    db.session.flush()
    audit.record(actor, "application.rapid_filed", application, call_id=call.id,
                 category=category.value, on_behalf=req.on_behalf, risk_level=risk.value,
                 amount_requested_minor=total, currency=req.currency)
    return application
