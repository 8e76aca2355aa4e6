"""An intermediary's own short calls for sub-grants, on the funder's call machinery.

The call is a draft like any other (its staff add questions and open it on the calls
pages); it is tied to the intermediary and to one regranting award. Its applications go
to the intermediary's staff alone; approving one makes a sub-grant from that award,
never an award, and a decline's message reaches the group in its thread.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from grants.applications.calls import editing, question_edits, texts
from grants.applications.services import change_status
from grants.errors import ServiceError
from grants.extensions import db
from grants.intermediaries.subgrants import make_sub_grant
from grants.messages.services import post_message
from grants.models import Application, ApplicationStatus, Award, Call, CallType, SubGrant, User
from grants.models.types import utcnow
from grants.security import audit

SHORT_FORM = ("activities", "who_you_work_with")  # two bank questions; staff may change them


def create_call(actor: User, award: Award, *, title: str, description: str, amount_min: str,
                amount_max: str, closes_at: datetime | None) -> Call:
    """A draft short call funded by `award`'s regranting part, in English first (staff add
    languages and questions on the call's pages)."""
    if award.regranting_minor is None:
        raise ServiceError("This award is not a regranting award.")
    call = editing.create_call(
        actor, call_type=(CallType.OPEN if closes_at else CallType.ROLLING).value,
        fund=award.fund, languages=["en"], main_language="en", opens_at=None,
        closes_at=closes_at, amount_min=amount_min, amount_max=amount_max,
        allow_unregistered=True, allow_individuals=True, allow_registered=True,
        allow_intermediary_route=False, allow_reused_proposal=False,
        min_protection_share="0", min_psychosocial_share="0", attachments_required=0,
        max_years=1)
    call.intermediary_id, call.regranting_award_id = award.organisation_id, award.id
    texts.save_text(actor, call, "en", title=title, description=description)
    for key in SHORT_FORM:
        question_edits.add_bank_question(actor, call, key)
    db.session.flush()
    audit.record(actor, "call.intermediary_call_created", call, award_id=award.id)
    return call


def applications_of(call: Call) -> sa.Select:
    """The call's sent applications, oldest first (drafts stay the groups' own)."""
    return (sa.select(Application)
            .where(Application.call_id == call.id,
                   Application.status.not_in(ApplicationStatus.UNSENT))
            .options(selectinload(Application.organisation))
            .order_by(Application.submitted_at, Application.id))


def _lock(application: Application) -> None:
    db.session.execute(sa.select(Application.id).where(Application.id == application.id)
                       .with_for_update())
    db.session.refresh(application, ["status"])
    if application.status not in ApplicationStatus.DECIDABLE:
        raise ServiceError("This application is not waiting for a decision.")


def approve(actor: User, application: Application, *, amount_minor: int, category: str,
            theme: str = "") -> SubGrant:
    """Fund the group from the call's regranting award: a sub-grant coded by the
    application's reference (the money rule is make_sub_grant's)."""
    _lock(application)
    award = db.session.get(Award, application.call.regranting_award_id)
    grant = make_sub_grant(actor, award, recipient_code=application.code_name,
                           amount_minor=amount_minor, country=application.country,
                           category=category, theme=theme,
                           recipient_organisation_id=application.organisation_id,
                           application=application)
    change_status(actor, application, ApplicationStatus.APPROVED)
    application.decided_at = utcnow()
    db.session.flush()
    audit.record(actor, "application.approved", application, sub_grant_id=grant.id,
                 amount_minor=amount_minor, currency=grant.currency)
    return grant


def decline(actor: User, application: Application, message: str) -> None:
    """Decline with a message the group reads in the portal."""
    _lock(application)
    text = (message or "").strip()
    if not text:
        raise ServiceError("Write a message to the group.", "message")
    change_status(actor, application, ApplicationStatus.DECLINED, text)
    application.decided_at = utcnow()
    post_message(actor, application, text)
    db.session.flush()
    audit.record(actor, "application.declined", application)
