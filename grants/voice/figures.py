"""Figures of the defenders' voice for the portfolio (IV.12): survey and consultations.

Both summaries run a constant number of SQL aggregates, whatever the number of rows, and
the survey's figures stay hidden (None) below `MIN_ANSWERS` answers, in the period or in
any quarter of it, so that a handful of groups cannot be told apart by their scores.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from grants.disclosure import sum_of_parts
from grants.extensions import db
from grants.models import CommitmentStatus, Consultation, SurveyResponse

# Survey figures (counts, averages, free text) are shown only from this many answers on.
MIN_ANSWERS = 5
LATEST_CONSULTATIONS = 5


def quarter_of(day: date) -> str:
    """The quarter a day falls in, as a survey answer stores it: "2026-Q4"."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def quarters_between(date_from: date, date_to: date) -> list[str]:
    """Every quarter that overlaps [date_from, date_to], oldest first."""
    if date_to < date_from:
        return []
    year, q = date_from.year, (date_from.month - 1) // 3 + 1
    last = (date_to.year, (date_to.month - 1) // 3 + 1)
    out = []
    while (year, q) <= last:
        out.append(f"{year}-Q{q}")
        year, q = (year + 1, 1) if q == 4 else (year, q + 1)
    return out


def _avg(value) -> float | None:
    return None if value is None else round(float(value), 2)


def survey_summary(date_from: date, date_to: date) -> dict:
    """Anonymous survey answers in the quarters that overlap the period (one query, by
    quarter).

    Answers are stored by quarter only, so a period is widened to whole quarters.
    Returned keys:
      - `quarters`: list of the quarters counted, e.g. ["2026-Q3", "2026-Q4"];
      - `answers`: number of answers, or None when fewer than `MIN_ANSWERS` in all or in
        a quarter;
      - `respectful`, `burden`, `useful`: average score 1-5 (two decimals), or None when
        suppressed (burden: 1 = very light, 5 = very heavy);
      - `suppressed`: True when the figures are hidden for having fewer than 5 answers.
    """
    quarters = quarters_between(date_from, date_to)
    rows = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.sum(SurveyResponse.respectful),
            sa.func.sum(SurveyResponse.burden),
            sa.func.sum(SurveyResponse.useful),
        ).where(SurveyResponse.period.in_(quarters)).group_by(SurveyResponse.period)
    ).all()
    # Each quarter is shown on its own too (grants.voice.survey): a quarter of 1-4
    # answers hides the whole, or the whole minus the other quarters would give it away.
    count = sum_of_parts([int(r[0]) for r in rows], MIN_ANSWERS)
    if not count:
        return {"quarters": quarters, "answers": None, "respectful": None,
                "burden": None, "useful": None, "suppressed": True}
    sums = [sum(int(r[i] or 0) for r in rows) for i in (1, 2, 3)]
    return {"quarters": quarters, "answers": count, "respectful": _avg(sums[0] / count),
            "burden": _avg(sums[1] / count), "useful": _avg(sums[2] / count),
            "suppressed": False}


def _consultation_filter(date_from: date, date_to: date, fund_id: int | None) -> list:
    where = [Consultation.held_on >= date_from, Consultation.held_on <= date_to]
    if fund_id is not None:
        where.append(Consultation.fund_id == fund_id)
    return where


def consultation_summary(
    date_from: date, date_to: date, fund_id: int | None = None, *, with_texts: bool = False
) -> dict:
    """Consultations held in the period (and fund, if given): two queries.

    Returned keys:
      - `consultations`: number of consultations held;
      - `participants`: total participants (counts only, never names);
      - `commitments`: {status value: number of consultations with a recorded commitment
        in that status}, every `CommitmentStatus` present (0 when none);
      - `latest`: up to 5 most recent, newest first, each a dict with `id`, `topic`,
        `held_on` (date), `status` (a `CommitmentStatus`) and, only when `with_texts` is
        True (for an officer's own display), `commitment` and `outcome` decrypted; without
        it the encrypted columns are not even read.
    """
    where = _consultation_filter(date_from, date_to, fund_id)
    rows = db.session.execute(
        sa.select(
            Consultation.commitment_status,
            sa.func.count(),
            sa.func.count(Consultation.commitment),
            sa.func.coalesce(sa.func.sum(Consultation.participants), 0),
        ).where(*where).group_by(Consultation.commitment_status)
    ).all()
    commitments = {status.value: 0 for status in CommitmentStatus}
    total = participants = 0
    for status, count, with_commitment, people in rows:
        commitments[status.value] = int(with_commitment)
        total += int(count)
        participants += int(people)
    columns = [Consultation.id, Consultation.topic, Consultation.held_on,
               Consultation.commitment_status]
    if with_texts:
        columns += [Consultation.commitment, Consultation.outcome]
    latest = db.session.execute(
        sa.select(*columns).where(*where)
        .order_by(Consultation.held_on.desc(), Consultation.id.desc())
        .limit(LATEST_CONSULTATIONS)
    ).all()
    keys = ["id", "topic", "held_on", "status"] + (["commitment", "outcome"] if with_texts else [])
    return {
        "consultations": total,
        "participants": participants,
        "commitments": commitments,
        "latest": [dict(zip(keys, row, strict=True)) for row in latest],
    }
