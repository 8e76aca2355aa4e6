"""After the crisis: an approved emergency request's group is invited to a
longer-term call."""

from __future__ import annotations

import sqlalchemy as sa

from grants.applications.services import call_is_open, new_code_name
from grants.errors import N_, ServiceError
from grants.extensions import db
from grants.messages.services import post_message
from grants.models import (
    Application,
    ApplicationStatus,
    ApplicationStatusChange,
    Call,
    CallStatus,
    CallType,
    User,
)
from grants.review import decisions
from grants.security import audit


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
