"""Deciding rapid-response requests: one officer's approval up to a limit, money
ready to send at once, and questions asked while the clock runs (grants.rapid.clock)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from grants.awards import services as awards
from grants.errors import N_, ServiceError
from grants.extensions import db
from grants.messages.services import post_message
from grants.models import (
    Application,
    ApplicationStatus,
    Award,
    AwardStatus,
    PaymentRoute,
    User,
)
from grants.models.types import utcnow
from grants.payments import routes
from grants.review import decisions
from grants.security import audit


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
        decisions.ready_to_pay(actor, award, route, details, now)
        decisions.approved(actor, application, award, now)
    elif application.status == ApplicationStatus.SUBMITTED:
        decisions.change_status(actor, application, ApplicationStatus.UNDER_REVIEW)
    db.session.flush()
    return award


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
