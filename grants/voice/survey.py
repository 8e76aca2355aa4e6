"""The anonymous grantee survey (IV.12): offered after each accepted report, answered once.

What keeps an answer unlinkable to the group that gave it:
- `SurveyResponse` has no foreign key, no timestamp (only the quarter), and a random key;
- closing the invitation records only `closed`, the same for an answer and a "no thanks",
  and so does the audit event ("survey.closed", no scores, no response key);
- the order rows were written in is erased: each answer rewrites its quarter's rows in the
  order of their random keys, in the same transaction. Otherwise SQLite's hidden rowid
  and PostgreSQL's xmin (the writing transaction, shared with the invitation's update)
  would say which answer came with which invitation. After the rewrite the rowids follow
  the random keys and every answer of the quarter carries the latest writer's xmin, so an
  invitation matches only "one of the quarter's answers". (Rows deleted by the rewrite
  linger in free pages until VACUUM / SQLite page reuse: out of reach of the application
  and of a SQL dump, not of someone reading the raw database files.)
- results show only from `MIN_ANSWERS` answers in a quarter, free text from as many texts,
  in random order.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from grants.errors import ServiceError
from grants.extensions import db
from grants.models import Report, SurveyInvitation, SurveyResponse, User
from grants.models.reporting import random_key
from grants.models.types import utcnow
from grants.policy import Permission, can
from grants.security import audit
from grants.voice.figures import MIN_ANSWERS, quarter_of, quarters_between

CHANGE_MAX = 1000
QUESTIONS = ("respectful", "burden", "useful")

# The table seen as plain columns: rows are copied as stored (ciphertext), never decrypted.
_raw = sa.table(
    "survey_responses", sa.column("id"), sa.column("period"), sa.column("respectful"),
    sa.column("burden"), sa.column("useful"), sa.column("change", sa.LargeBinary),
)


def offer(report: Report) -> SurveyInvitation | None:
    """Invite the report's group to the survey once its report was accepted (once a report)."""
    exists = db.session.scalar(sa.select(sa.exists().where(
        SurveyInvitation.report_id == report.id)))
    if exists:
        return None
    invitation = SurveyInvitation(report_id=report.id,
                                  organisation_id=report.requirement.award.organisation_id)
    db.session.add(invitation)
    db.session.flush()
    return invitation


def open_invitations(user: User) -> list[SurveyInvitation]:
    """The invitations `user` may still answer (for their home page)."""
    org_ids = [m.organisation_id for m in getattr(user, "memberships", [])]
    if not org_ids:
        return []
    found = db.session.scalars(sa.select(SurveyInvitation).where(
        SurveyInvitation.organisation_id.in_(org_ids), SurveyInvitation.closed.is_(False),
    ).order_by(SurveyInvitation.id)).all()
    return [i for i in found if can(user, Permission.ANSWER_SURVEY, i)]


def _score(value, field: str) -> int:
    try:
        score = int(value)
    except (TypeError, ValueError):
        score = 0
    if not 1 <= score <= 5:
        raise ServiceError("Choose a number from 1 to 5.", field)
    return score


def _close(actor: User, invitation: SurveyInvitation) -> None:
    """Close the invitation at most once, even when two members send at the same moment."""
    closed = db.session.execute(
        sa.update(SurveyInvitation)
        .where(SurveyInvitation.id == invitation.id, SurveyInvitation.closed.is_(False))
        .values(closed=True).execution_options(synchronize_session=False)
    ).rowcount
    if closed != 1:
        raise ServiceError("This survey was already answered or declined.")
    db.session.expire(invitation, ["closed"])
    # The same event for an answer and a "no thanks": nothing here tells which.
    audit.record(actor, "survey.closed", invitation)


def answer(actor: User, invitation: SurveyInvitation, *, respectful, burden, useful,
           change: str | None, today: date | None = None) -> None:
    """Store one anonymous answer in today's quarter and close the invitation."""
    scores = {q: _score(v, q) for q, v in
              (("respectful", respectful), ("burden", burden), ("useful", useful))}
    text = (change or "").strip()
    if len(text) > CHANGE_MAX:
        raise ServiceError("Keep this under %(max)s characters.", "change", max=CHANGE_MAX)
    _close(actor, invitation)
    _store(quarter_of(today or utcnow().date()), scores, text or None)


def decline(actor: User, invitation: SurveyInvitation) -> None:
    """"No thanks": close the invitation, store nothing."""
    _close(actor, invitation)


def _store(period: str, scores: dict[str, int], change: str | None) -> None:
    """Add the answer and rewrite the quarter's rows in the order of their random keys."""
    bind = db.session.get_bind()
    if bind.dialect.name == "postgresql":  # one rewrite at a time (SQLite has one writer)
        db.session.execute(sa.text("LOCK TABLE survey_responses IN SHARE ROW EXCLUSIVE MODE"))
    cipher = SurveyResponse.__table__.c.change.type.process_bind_param(change, bind.dialect)
    rows = [dict(r) for r in db.session.execute(
        sa.select(_raw).where(_raw.c.period == period)).mappings()]
    rows.append({"id": random_key(), "period": period, **scores, "change": cipher})
    rows.sort(key=lambda r: r["id"])
    db.session.execute(sa.delete(_raw).where(_raw.c.period == period))
    db.session.execute(sa.insert(_raw), rows)


@dataclass
class QuarterResult:
    period: str
    answers: int | None  # None: fewer than MIN_ANSWERS, nothing shown
    averages: dict[str, float]  # question -> average score
    distributions: dict[str, list[int]]  # question -> counts of scores 1..5
    changes: list[str]  # the written answers, in random order ([] under MIN_ANSWERS texts)


def results(date_from: date, date_to: date) -> list[QuarterResult]:
    """Per quarter overlapping the period: distributions and averages from the grouped counts
    (three small aggregates), and the free text of the quarters that have enough of it."""
    quarters = quarters_between(date_from, date_to)
    counts = {p: {q: [0] * 5 for q in QUESTIONS} for p in quarters}
    texts_per = dict.fromkeys(quarters, 0)
    for question in QUESTIONS:
        col = getattr(SurveyResponse, question)
        for period, score, n, texts in db.session.execute(
            sa.select(SurveyResponse.period, col, sa.func.count(),
                      sa.func.count(SurveyResponse.change))
            .where(SurveyResponse.period.in_(quarters)).group_by(SurveyResponse.period, col)
        ):
            counts[period][question][score - 1] = n
            if question == QUESTIONS[0]:
                texts_per[period] += texts
    out = [_quarter(p, counts[p]) for p in quarters]
    _add_texts([r for r in out if r.answers and texts_per[r.period] >= MIN_ANSWERS])
    return out


def _quarter(period: str, dist: dict[str, list[int]]) -> QuarterResult:
    total = sum(dist[QUESTIONS[0]])
    if total < MIN_ANSWERS:
        return QuarterResult(period, None, {}, {}, [])
    averages = {q: round(sum((i + 1) * n for i, n in enumerate(dist[q])) / total, 2)
                for q in QUESTIONS}
    return QuarterResult(period, total, averages, dist, [])


def _add_texts(shown: list[QuarterResult]) -> None:
    if not shown:
        return
    by_period = {r.period: r for r in shown}
    for period, text in db.session.execute(
        sa.select(SurveyResponse.period, SurveyResponse.change).where(
            SurveyResponse.period.in_(by_period), SurveyResponse.change.is_not(None))
    ):
        by_period[period].changes.append(text)
    for r in shown:
        secrets.SystemRandom().shuffle(r.changes)
