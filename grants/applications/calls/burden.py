"""The burden budget: what a call asks of an applicant (questions, words, attachments)
and an honest estimate of the minutes it takes, against the portal's limits."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from grants.applications.calls.display import translate as _
from grants.extensions import db
from grants.models import Call, CallQuestion

START_MINUTES = 2
WORDS_PER_MINUTE = 10
BUDGET_MINUTES = 5
MINUTES_PER_ATTACHMENT = 5


@dataclass(frozen=True)
class Burden:
    questions: int
    words: int
    attachments: int
    minutes: int


@dataclass(frozen=True)
class Limits:
    questions: int
    words: int
    attachments: int


def burden(call: Call) -> Burden:
    """What a call asks of an applicant, and an honest estimate of the time it takes.

    minutes = 2 (to start) + total words asked / 10 words a minute + 5 (the budget)
              + 5 per required attachment, rounded up to a whole minute.
    The words asked are the sum of every question's word limit, optional ones included:
    applicants tend to answer everything.
    """
    asked = call.asked_questions
    return _burden(len(asked), sum(q.word_limit for q in asked),
                   call.attachments_required or 0)


def _burden(questions: int, words: int, attachments: int) -> Burden:
    minutes = (START_MINUTES + BUDGET_MINUTES + MINUTES_PER_ATTACHMENT * attachments
               + -(-words // WORDS_PER_MINUTE))
    return Burden(questions=questions, words=words, attachments=attachments, minutes=minutes)


def burdens(calls: list[Call]) -> dict[int, Burden]:
    """burden() for a page of calls, counted in SQL rather than by loading every question
    (their prompts in every language) of every call listed."""
    counted = {call_id: (n, words) for call_id, n, words in db.session.execute(
        sa.select(CallQuestion.call_id, sa.func.count(CallQuestion.id),
                  sa.func.coalesce(sa.func.sum(CallQuestion.word_limit), 0))
        .where(CallQuestion.call_id.in_([c.id for c in calls]))
        .group_by(CallQuestion.call_id))} if calls else {}
    return {c.id: _burden(*counted.get(c.id, (0, 0)), c.attachments_required or 0)
            for c in calls}


def limits() -> Limits:
    """The portal's burden limits (CALL_MAX_* settings)."""
    cfg = current_app.config
    return Limits(questions=cfg["CALL_MAX_QUESTIONS"], words=cfg["CALL_MAX_WORDS"],
                  attachments=cfg["CALL_MAX_REQUIRED_ATTACHMENTS"])


def burden_problems(b: Burden, lim: Limits) -> list[str]:
    """One message per limit the burden goes over, saying by how much."""
    out = []
    if b.questions > lim.questions:
        out.append(_("It asks %(n)d questions; the limit is %(limit)d. Remove %(over)d.",
                     n=b.questions, limit=lim.questions, over=b.questions - lim.questions))
    if b.words > lim.words:
        out.append(_("Its questions ask for up to %(n)d words; the limit is %(limit)d. "
                     "Lower the word limits by %(over)d words in all.",
                     n=b.words, limit=lim.words, over=b.words - lim.words))
    if b.attachments > lim.attachments:
        out.append(_("It requires %(n)d attachments; the limit is %(limit)d. "
                     "Require %(over)d fewer.", n=b.attachments, limit=lim.attachments,
                     over=b.attachments - lim.attachments))
    return out
