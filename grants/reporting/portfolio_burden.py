"""What applying and reporting ask of groups (IV.6): questions and words per call, and how
reports came in (a short form, a report written for another funder, a conversation).

The words of a call are the words it asks for: the sum of its questions' word limits, as
in the burden budget of grants/applications/calls/burden.py. Calls counted: the funder's
own calls (not an intermediary's), not rapid-response ones (a one-page request without
questions), that were open at some time in the period.
"""

from __future__ import annotations

import sqlalchemy as sa

from grants.extensions import db
from grants.models import (
    Award,
    Call,
    CallQuestion,
    CallStatus,
    CallType,
    Report,
    ReportKind,
    ReportRequirement,
    ReportStatus,
)
from grants.reporting.portfolio import (
    CURRENT,
    PREVIOUS,
    Period,
    in_either,
    percentiles,
    period_label,
    share,
    total,
)


def _calls_open_in(period: Period, label: str, fund_id: int | None) -> sa.Select:
    q = (sa.select(sa.literal(label).label("period"), Call.id.label("call_id"),
                   sa.func.count(CallQuestion.id).label("questions"),
                   sa.func.coalesce(total(CallQuestion.word_limit), 0).label("words"))
         .select_from(Call).outerjoin(CallQuestion, CallQuestion.call_id == Call.id)
         .where(Call.status != CallStatus.DRAFT, Call.call_type != CallType.RAPID_RESPONSE,
                Call.intermediary_id.is_(None), Call.opens_at < period.until,
                sa.or_(Call.closes_at.is_(None), Call.closes_at >= period.since))
         .group_by(Call.id))
    return q if fund_id is None else q.where(Call.fund_id == fund_id)


def calls(period: Period, fund_id: int | None = None) -> dict:
    """{period: {calls, median_questions, median_words}} over the calls open in it. One
    query: a call open in both periods counts in both."""
    per_call = sa.union_all(_calls_open_in(period, CURRENT, fund_id),
                            _calls_open_in(period.previous(), PREVIOUS, fund_id)).cte("per_call")
    q_rank = percentiles(per_call, "questions").subquery()
    w_rank = percentiles(per_call, "words").subquery()
    q = (sa.select(q_rank.c.g, q_rank.c.n, q_rank.c.median.label("median_questions"),
                   w_rank.c.median.label("median_words"))
         .join(w_rank, w_rank.c.g == q_rank.c.g))
    rows = {r.g: r for r in db.session.execute(q)}
    return {when: {"calls": rows[when].n if when in rows else 0,
                   "median_questions": rows[when].median_questions if when in rows else None,
                   "median_words": rows[when].median_words if when in rows else None}
            for when in (CURRENT, PREVIOUS)}


def reports(period: Period, fund_id: int | None = None) -> dict:
    """{period: {reports, short, reused, oral, other and their shares}} of the reports sent
    (or recorded) in the period. Reused: a file written for another funder was uploaded.
    One query."""
    when = period_label(Report.submitted_at, period)

    def count_if(cond, label):
        return total(sa.case((cond, 1), else_=0)).label(label)

    reused = Report.filename.is_not(None)
    q = (sa.select(when.label("period"), sa.func.count().label("reports"),
                   count_if(sa.and_(Report.kind == ReportKind.SHORT_FORM, ~reused), "short"),
                   count_if(reused, "reused"),
                   count_if(Report.kind == ReportKind.CONVERSATION, "oral"))
         .select_from(Report)
         .where(Report.status != ReportStatus.DRAFT, in_either(Report.submitted_at, period))
         .group_by(when))
    if fund_id is not None:
        q = (q.join(ReportRequirement, ReportRequirement.id == Report.requirement_id)
             .join(Award, Award.id == ReportRequirement.award_id)
             .where(Award.fund_id == fund_id))
    rows = {r.period: r._asdict() for r in db.session.execute(q)}
    out = {}
    for w in (CURRENT, PREVIOUS):  # two periods, not rows
        d = rows.get(w) or {"reports": 0, "short": 0, "reused": 0, "oral": 0}
        for part in ("short", "reused", "oral"):
            d[f"{part}_share"] = share(d[part], d["reports"])
        out[w] = d
    return out
