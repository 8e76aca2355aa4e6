"""Decisions on an application: ask for more information, approve, decline, confirm.

An approval makes the award (grants.awards.services.create_award). Above the two-person
threshold the award waits for a second officer and the application stays under review;
the second officer's confirmation approves the application. The applicant hears that
there is news, never what it is, outside the portal; a decline's message and a request
for information are posted to the application's thread, where the group reads them.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from grants import notifications
from grants.applications.routing import may_fund_directly
from grants.applications.services import change_status
from grants.awards import schedule
from grants.awards import services as awards
from grants.errors import N_, ServiceError
from grants.extensions import db
from grants.intermediaries.pool import lock as lock_award
from grants.intermediaries.subgrants import make_sub_grant
from grants.messages.services import post_message
from grants.models import (
    Application,
    ApplicationStatus,
    Award,
    AwardStatus,
    Disbursement,
    Membership,
    Organisation,
    OrgKind,
    PaymentRoute,
    RegrantType,
    SupportType,
    User,
)
from grants.models.types import utcnow
from grants.payments import ledger, routes
from grants.policy import Permission, require_to
from grants.security import audit

MESSAGE_MAX_CHARS = 10_000


def lock(application: Application) -> None:
    """Serialise two decisions on one application (PostgreSQL; SQLite has one writer)."""
    db.session.execute(sa.select(Application.id).where(Application.id == application.id)
                       .with_for_update())
    db.session.refresh(application, ["status"])


def check_decider(actor: User, application: Application) -> None:
    """Refuse, with the reason, anyone who may not decide on this application now (the
    policy's rule; every decision, its terms and the rapid ones ask it after the lock)."""
    require_to(actor, Permission.DECIDE_APPLICATION, application)


def pending_award(application: Application) -> Award | None:
    return db.session.scalar(sa.select(Award).where(
        Award.application_id == application.id,
        Award.status == AwardStatus.PENDING_APPROVAL))


def clean_message(text: str | None, field: str, missing: str) -> str:
    cleaned = (text or "").replace("\r\n", "\n").strip()
    if not cleaned:
        raise ServiceError(missing, field)
    if len(cleaned) > MESSAGE_MAX_CHARS:
        raise ServiceError("Use at most %(max)s characters.", field, max=MESSAGE_MAX_CHARS)
    return cleaned


def request_more_info(actor: User, application: Application, message: str) -> None:
    """Send the application back to the group with a question. Their text stays as it is;
    when they send it again it returns to the queue."""
    lock(application)
    check_decider(actor, application)
    text = clean_message(message, "message", N_("Write what you need to know."))
    if pending_award(application) is not None:
        raise ServiceError("An approval of this application is waiting for a second officer.")
    change_status(actor, application, ApplicationStatus.MORE_INFO_REQUESTED, text)
    post_message(actor, application, text)  # the group is told there is news, not what
    db.session.flush()
    audit.record(actor, "application.more_info_requested", application)


def approve(actor: User, application: Application, *, amount_minor: int, currency: str,
            start_date: date | None, years: int, support_type: SupportType,
            conditions: str = "", now: datetime | None = None,
            intermediary: Organisation | None = None,
            regrant_type: RegrantType = RegrantType.TRANSFER_TO_INTERMEDIARY) -> Award:
    """Approve on these terms. Returns the award: active (and the application approved), or
    waiting for a second officer when the amount is above the two-person threshold.

    With `intermediary`, the award goes to it as a regranting award (all of it for
    regranting) and, once active, carries a pass-through sub-grant to the group."""
    lock(application)
    check_decider(actor, application)
    check_route(application, intermediary)
    check_no_award(application)
    award = awards.create_award(actor, application, amount_minor=amount_minor,
                                currency=currency, start_date=start_date, years=years,
                                support_type=support_type, conditions=conditions, now=now)
    if intermediary is not None:
        award.organisation_id, award.regrant_type = intermediary.id, regrant_type
        award.regranting_minor = amount_minor
        db.session.flush()
        audit.record(actor, "award.through_intermediary", award, intermediary_id=intermediary.id,
                     regrant_type=regrant_type.value)
    if award.status == AwardStatus.ACTIVE:
        approved(actor, application, award, now)
    elif application.status == ApplicationStatus.SUBMITTED:
        change_status(actor, application, ApplicationStatus.UNDER_REVIEW)
    db.session.flush()
    return award


def confirm_approval(actor: User, award: Award, now: datetime | None = None) -> None:
    """The second officer's approval: the award becomes active, the application approved."""
    application = award.application
    if application is None:  # a regranting award made directly (grants.intermediaries)
        awards.activate(actor, lock_award(award), now)
        return
    lock(application)
    check_decider(actor, application)
    awards.activate(actor, award, now)  # refuses the officer who made the first approval
    if application.rapid_category is not None:
        ready_to_pay(actor, award, now=now)
    approved(actor, application, award, now)


def ready_to_pay(actor: User, award: Award, route: PaymentRoute = PaymentRoute.BANK_TRANSFER,
                 details: routes.RouteDetails | None = None,
                 now: datetime | None = None) -> Disbursement:
    """Release the emergency award's one tranche and schedule all of it, ready to send."""
    tranche = award.tranches[0]
    schedule.release(actor, award, tranche, now)
    return ledger.schedule(actor, tranche, route, tranche.amount_minor, details)


def check_no_award(application: Application) -> None:
    if db.session.scalar(sa.select(Award.id).where(Award.application_id == application.id)):
        raise ServiceError("This application already has an award; a second officer can "
                           "confirm it.")


def check_route(application: Application, intermediary: Organisation | None) -> None:
    """Direct funding only for a kind of group the call funds; an intermediary must be a
    verified one."""
    if intermediary is None and not may_fund_directly(application):
        raise ServiceError("This call funds this kind of group only through an intermediary: "
                           "choose one.", "route")
    if intermediary is not None and not (
            intermediary.kind == OrgKind.INTERMEDIARY and intermediary.is_verified):
        raise ServiceError("Choose a verified intermediary.", "route")


def approved(actor: User, application: Application, award: Award,
              now: datetime | None) -> None:
    if award.regranting_minor is not None and award.organisation_id != application.organisation_id:
        make_sub_grant(actor, award, recipient_code=application.code_name,
                       amount_minor=award.regranting_minor, country=application.country,
                       purpose=application.title[:300], category=_main_category(application),
                       recipient_organisation_id=application.organisation_id,
                       application=application, pass_through=True)
    change_status(actor, application, ApplicationStatus.APPROVED)
    application.decided_at = now or utcnow()
    db.session.flush()
    audit.record(actor, "application.approved", application, award_id=award.id,
                 amount_minor=award.amount_minor, currency=award.currency)
    for member in _group(application):
        notifications.notify(member, "application_update")


def decline(actor: User, application: Application, message: str,
            now: datetime | None = None) -> None:
    """Decline with a message the group reads in the portal; an approval still waiting for
    a second officer is cancelled with it."""
    lock(application)
    check_decider(actor, application)
    text = clean_message(message, "message", N_("Write a message to the applicant."))
    pending = pending_award(application)
    if pending is not None:
        pending.status = AwardStatus.CANCELLED
    change_status(actor, application, ApplicationStatus.DECLINED, text)
    application.decided_at = now or utcnow()
    post_message(actor, application, text)  # notifies the group without content
    db.session.flush()
    audit.record(actor, "application.declined", application,
                 cancelled_award_id=pending.id if pending else None)


def _main_category(application: Application) -> str:
    """The budget category with the most money, for the intermediary's aggregate report."""
    lines = sorted(application.budget_lines, key=lambda line: -line.amount_minor)
    return lines[0].category.value if lines else "other"


def _group(application: Application) -> list[User]:
    return list(db.session.scalars(sa.select(User).join(Membership).where(
        Membership.organisation_id == application.organisation_id)))
