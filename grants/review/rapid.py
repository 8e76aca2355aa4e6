"""Deciding rapid-response requests (issue 7): the clock, one officer's approval up to a
limit, money ready to send at once, and the invitation to a longer-term call afterwards.

The clock runs from sending to `rapid_due_at` (the fund's target, 72 hours by default,
fixed when the request was sent). Time to decision and time to payment are computed from
the timestamps already kept (submitted_at, decided_at, the first disbursement's sent_at and
paid_at) rather than stored twice.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import sqlalchemy as sa

from grants.applications.services import call_is_open, new_code_name
from grants.awards import schedule
from grants.awards import services as awards
from grants.errors import N_, ServiceError
from grants.extensions import db
from grants.messages.services import post_message
from grants.models import (
    Application,
    ApplicationStatus,
    ApplicationStatusChange,
    Award,
    AwardStatus,
    Call,
    CallStatus,
    CallType,
    Disbursement,
    DisbursementStatus,
    PaymentRoute,
    Tranche,
    User,
)
from grants.models.types import utcnow
from grants.payments import ledger, routes
from grants.review import decisions
from grants.security import audit


@dataclasses.dataclass(frozen=True)
class Clock:
    due_at: datetime
    seconds_left: int  # negative once past target

    @property
    def past_target(self) -> bool:
        return self.seconds_left < 0

    @property
    def hours_left(self) -> int:
        """Whole hours left; past target, minus the hours begun since (-1 within the first)."""
        return self.seconds_left // 3600


def clock(application: Application, now: datetime | None = None) -> Clock | None:
    """The request's decision clock while it waits; None when it is not a timed request or
    is already decided."""
    if application.rapid_due_at is None or application.decided_at is not None:
        return None
    left = application.rapid_due_at - (now or utcnow())
    return Clock(application.rapid_due_at, int(left.total_seconds()))


def time_to_decision(application: Application) -> timedelta | None:
    if application.submitted_at is None or application.decided_at is None:
        return None
    return application.decided_at - application.submitted_at


def first_payment(application: Application) -> Disbursement | None:
    return db.session.scalar(
        sa.select(Disbursement).join(Tranche).join(Award)
        .where(Award.application_id == application.id)
        .order_by(Disbursement.id).limit(1))


def time_to_payment(application: Application) -> tuple[timedelta | None, timedelta | None]:
    """(decision -> first money sent, decision -> first money paid), each None until then."""
    d = first_payment(application)
    if d is None or application.decided_at is None:
        return None, None
    return ((d.sent_at - application.decided_at) if d.sent_at else None,
            (d.paid_at - application.decided_at) if d.paid_at else None)


def approve_rapid(actor: User, application: Application, *, amount_minor: int, currency: str,
                  route: PaymentRoute = PaymentRoute.BANK_TRANSFER,
                  details: routes.RouteDetails | None = None,
                  now: datetime | None = None) -> Award:
    """Approve an emergency request: up to the rapid single-officer limit the award is
    active at once, its one tranche released and a disbursement scheduled (ready to send);
    above it the award waits for a second officer (decisions.confirm_approval)."""
    decisions.lock(application)
    decisions.check_decider(actor, application)
    if application.rapid_category is None:
        raise ServiceError("This is not a rapid-response request.")
    if db.session.scalar(sa.select(Award.id).where(Award.application_id == application.id)):
        raise ServiceError("This request already has an award; a second officer can "
                           "confirm it.")
    award = awards.create_emergency_award(actor, application, amount_minor=amount_minor,
                                          currency=currency, now=now)
    if award.status == AwardStatus.ACTIVE:
        ready_to_pay(actor, award, route, details, now)
        decisions.approved(actor, application, award, now)
    elif application.status == ApplicationStatus.SUBMITTED:
        decisions.change_status(actor, application, ApplicationStatus.UNDER_REVIEW)
    db.session.flush()
    return award


def ready_to_pay(actor: User, award: Award, route: PaymentRoute = PaymentRoute.BANK_TRANSFER,
                 details: routes.RouteDetails | None = None,
                 now: datetime | None = None) -> Disbursement:
    """Release the emergency award's one tranche and schedule all of it, ready to send."""
    tranche = award.tranches[0]
    schedule.release(actor, award, tranche, now)
    return ledger.schedule(actor, tranche, route, tranche.amount_minor, details)


def ask(actor: User, application: Application, question: str,
        now: datetime | None = None) -> None:
    """Ask the defender a question on the request's thread. Unlike a longer application's
    request for more information nothing goes back to them to change: the request stays
    where it is, its clock keeps running, and an answer is awaited until the group writes
    back (grants.messages.services.post_message clears it)."""
    decisions.lock(application)
    decisions.check_decider(actor, application)
    if application.rapid_category is None:
        raise ServiceError("This is not a rapid-response request.")
    text = decisions.clean_message(question, "question", N_("Write what you need to know."))
    post_message(actor, application, text)  # the group is told there is news, not what
    application.awaiting_answer_since = now or utcnow()
    db.session.flush()
    audit.record(actor, "application.rapid_question_asked", application)


def is_emergency(award: Award) -> bool:
    return award.application is not None and award.application.rapid_category is not None


# After the crisis ----------------------------------------------------------------------------

def invitable_calls() -> list[Call]:
    """Open longer-term calls of the funder an officer may invite a group to."""
    calls = db.session.scalars(sa.select(Call).where(
        Call.status == CallStatus.OPEN, Call.intermediary_id.is_(None),
        Call.call_type != CallType.RAPID_RESPONSE).order_by(Call.id))
    return [c for c in calls if call_is_open(c)]


def invite(actor: User, application: Application, call: Call, message: str) -> Application:
    """Invite the group of an approved emergency request to a longer-term call: a draft on
    that call, linked to the request, and a message on the request's thread (the group is
    told there is news, never what)."""
    if application.rapid_category is None or application.status != ApplicationStatus.APPROVED:
        raise ServiceError("Only an approved rapid-response request leads to an invitation.")
    if call not in invitable_calls():
        raise ServiceError("Choose an open call from the list.", "call")
    text = decisions.clean_message(message, "message", N_("Write a few words to the group."))
    draft = Application(
        call=call, organisation=application.organisation, created_by_id=None,
        code_name=new_code_name(), status=ApplicationStatus.DRAFT, language=application.language,
        currency=call.currency, country=application.country, amount_requested_minor=0,
        follows_application_id=application.id)
    draft.history.append(ApplicationStatusChange(to_status=ApplicationStatus.DRAFT,
                                                 actor_id=actor.id))
    db.session.add(draft)
    application.invited_to_call_id = call.id
    post_message(actor, application, text)
    db.session.flush()
    audit.record(actor, "application.invited_to_call", application, call_id=call.id,
                 draft_id=draft.id)
    return draft


def waiting_payment(d: Disbursement | None) -> bool:
    return d is not None and d.status in (DisbursementStatus.SCHEDULED,
                                          DisbursementStatus.APPROVED)
