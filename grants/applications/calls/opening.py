"""Opening a call (refused, with every reason at once, until it is ready), closing it, and
the calls that take applications."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from grants.applications.calls import question_bank
from grants.applications.calls.burden import burden, burden_problems, limits
from grants.applications.calls.display import expired, language_name, long_date
from grants.applications.calls.display import translate as _
from grants.applications.calls.editing import NO_DEADLINE_TYPES, Problems
from grants.applications.calls.question_edits import lock
from grants.errors import ServiceError
from grants.extensions import db
from grants.models import Call, CallStatus, CallText, CallType, User
from grants.models.types import utcnow
from grants.security import audit


def open_calls(*, language: str | None = None, call_type: CallType | None = None,
               now: datetime | None = None) -> sa.Select:
    """Calls taking (or about to take) applications, soonest deadline first, rolling last.

    A call is published in a language when it has a text in it: a language added to an
    open call appears here once its title is written.
    """
    now = now or utcnow()
    q = (sa.select(Call)
         .where(Call.status == CallStatus.OPEN,
                sa.or_(Call.closes_at.is_(None), Call.closes_at > now))
         .order_by(Call.closes_at.is_(None), Call.closes_at, Call.id))
    if language:
        q = q.where(sa.exists().where(CallText.call_id == Call.id,
                                      CallText.language == language))
    if call_type is not None:
        q = q.where(Call.call_type == call_type)
    return q


def opening_problems(call: Call, now: datetime | None = None) -> list[str]:
    """Everything that stops the call from opening, one message per problem."""
    now = now or utcnow()
    out = []
    if not call.fund.is_active:
        out.append(_("The fund %(name)s is not active.", name=call.fund.name))
    titled = {t.language for t in call.texts if t.title.strip()}
    out += [_("There is no title in %(language)s yet.", language=language_name(code))
            for code in call.languages if code not in titled]
    if not call.asked_questions:
        out.append(_("Add at least one question."))
    main = call.languages[0] if call.languages else None
    out += [_("Question %(n)d has no wording in %(language)s, the main language.",
              n=q.position, language=language_name(main))
            for q in call.questions
            if main and q.bank_key == question_bank.CUSTOM and not (q.prompts or {}).get(main)]
    if call.call_type not in NO_DEADLINE_TYPES:
        if call.closes_at is None:
            out.append(_("Set a deadline, or make this a rolling call."))
        elif call.closes_at <= now:
            out.append(_("The deadline (%(date)s) has passed. Set a later one.",
                         date=long_date(call.closes_at)))
    out += burden_problems(burden(call), limits())
    return out


def open_call(actor: User, call: Call) -> Call:
    """Publish the call. Refused, with every reason at once, if it is not ready."""
    lock(call)
    if call.status == CallStatus.OPEN:
        raise ServiceError(_("This call is already open."))
    problems = opening_problems(call)
    if problems:
        raise Problems([ServiceError(p) for p in problems])
    previous = call.status
    call.status = CallStatus.OPEN
    if call.opens_at is None:
        call.opens_at = utcnow()
    db.session.flush()
    audit.record(actor, "call.opened", call, previous=previous.value,
                 closes_at=call.closes_at.isoformat() if call.closes_at else None)
    return call


def close_call(actor: User, call: Call) -> Call:
    """Stop taking applications (applications already sent go on to review)."""
    lock(call)
    if call.status != CallStatus.OPEN:
        raise ServiceError(_("Only an open call can be closed."))
    call.status = CallStatus.CLOSED
    db.session.flush()
    audit.record(actor, "call.closed", call, deadline_passed=expired(call))
    return call
