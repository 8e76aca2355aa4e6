"""An officer's open question to a group: what was asked, when, and by when to answer.

A longer application's request for more information sends it back to the group to change
and send again (grants.review.decisions.request_more_info); an emergency request's question
waits for the group to write back on its thread (grants.rapid.decision.ask). Either way the
question is the officer's last message on the application's thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from grants.extensions import db
from grants.models import (
    Application,
    ApplicationStatus,
    Message,
    RiskLevel,
    Role,
    User,
)

# A rapid request's question with no decision clock left is answered within a day.
RAPID_ANSWER_HOURS = 24


@dataclass
class Question:
    """An officer's question waiting for the group's answer."""

    text: str | None  # None: not shown here (a request at high risk), read on its page
    asked_at: datetime
    due_at: datetime
    overdue: bool
    # A longer application goes back to the group to change and send again; an emergency
    # request is answered by writing back on its thread.
    resend: bool



def answer_due(application: Application, asked_at: datetime, days: int) -> datetime:
    """When an officer's question should be answered by: an emergency request's decision
    target (the answer is needed to decide in time), or a day when that target has passed;
    a longer application within `days` (ANSWER_WITHIN_DAYS)."""
    if application.rapid_category is not None:
        if application.rapid_due_at is not None and application.rapid_due_at > asked_at:
            return application.rapid_due_at
        return asked_at + timedelta(hours=RAPID_ANSWER_HOURS)
    return asked_at + timedelta(days=days)


def asks_answer(application: Application) -> bool:
    """An officer's question is open: more information asked for, or an emergency
    request's question not yet answered."""
    return application.status == ApplicationStatus.MORE_INFO_REQUESTED \
        or application.answer_awaited


def open_questions(applications: list[Application], now: datetime,
                   days: int) -> dict[int, Question]:
    """The open question of each application that has one, by application id: the
    officer's last message on its thread, all read by one query.

    The question's text is left out for a request at high risk: the home is the page most
    often open, and read over a shoulder; its own page shows it (as its thread does)."""
    waiting = {a.id: a for a in applications if asks_answer(a)}
    if not waiting:
        return {}
    rows = db.session.execute(
        sa.select(Message.application_id, Message.body, Message.created_at)
        .join(User, User.id == Message.sender_id)
        .where(Message.application_id.in_(waiting), User.role == Role.OFFICER)
        .order_by(Message.application_id, Message.created_at.desc(), Message.id.desc()))
    last: dict[int, tuple[str, datetime]] = {}
    for application_id, body, created_at in rows:
        last.setdefault(application_id, (body, created_at))
    return {a.id: _question(a, *last.get(a.id, (None, None)), now=now, days=days)
            for a in waiting.values()}


def question_of(application: Application, now: datetime, days: int) -> Question | None:
    """The application's open question, for its own page (text always included)."""
    question = open_questions([application], now, days).get(application.id)
    if question is not None and question.text is None:
        last = db.session.scalar(
            sa.select(Message.body).join(User, User.id == Message.sender_id)
            .where(Message.application_id == application.id, User.role == Role.OFFICER)
            .order_by(Message.created_at.desc(), Message.id.desc()).limit(1))
        question.text = last
    return question


def _question(application: Application, body: str | None, sent_at: datetime | None, *,
              now: datetime, days: int) -> Question:
    resend = application.status == ApplicationStatus.MORE_INFO_REQUESTED
    # A longer application was sent back when the question was written; an emergency
    # request's question is awaited since it was asked.
    asked = (sent_at if resend else application.awaiting_answer_since) \
        or application.awaiting_answer_since or sent_at or application.updated_at
    due = answer_due(application, asked, days)
    shown = application.risk_level != RiskLevel.HIGH
    return Question(text=body if shown else None, asked_at=asked, due_at=due,
                    overdue=due < now, resend=resend)
