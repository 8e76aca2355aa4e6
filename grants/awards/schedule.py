"""Changing an award after approval: its tranche schedule, its end date, its budget lines,
and releasing a tranche.

Every change locks the award row first, so two officers editing at once are serialised
(PostgreSQL row lock; SQLite has a single writer), and is kept as an `AwardAmendment` with
the figures before and after. Amounts are never adjusted to make a sum come out: a schedule
or budget that does not add up to the award is refused and the officer fixes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from grants import money
from grants.content import shipped
from grants.errors import ServiceError
from grants.extensions import db
from grants.models import (
    AmendmentKind,
    Award,
    AwardAmendment,
    AwardStatus,
    BudgetCategory,
    BudgetLine,
    ReportRequirement,
    ReportStatus,
    Tranche,
    TrancheStatus,
    User,
)
from grants.models.types import utcnow
from grants.security import audit

CHANGEABLE = frozenset({AwardStatus.PENDING_APPROVAL, AwardStatus.ACTIVE, AwardStatus.SUSPENDED})
REASON_MAX = 2000


@dataclass
class TrancheChange:
    """What the officer typed for one planned tranche (amount in minor units)."""

    tranche_id: int
    amount_minor: int
    due_date: date
    gating_requirement_id: int | None


def lock(award: Award) -> Award:
    """Lock the award's row for the rest of the transaction and reload it with its tranches,
    budget lines and reports, so a change another officer just committed is seen."""
    db.session.flush()
    return db.session.scalars(
        sa.select(Award).where(Award.id == award.id).with_for_update()
        .options(selectinload(Award.tranches), selectinload(Award.budget_lines),
                 selectinload(Award.report_requirements).selectinload(ReportRequirement.reports))
        .execution_options(populate_existing=True)).one()


def _check_changeable(award: Award) -> None:
    if award.status not in CHANGEABLE:
        raise ServiceError("This award is closed or cancelled: it can no longer be changed.")


def clean_reason(reason: str | None) -> str | None:
    text = (reason or "").strip()
    if len(text) > REASON_MAX:
        raise ServiceError("Keep the reason under %(max)s characters.", "reason", max=REASON_MAX)
    return text or None


def amend(actor: User, award: Award, kind: AmendmentKind, before, after,
           reason: str | None) -> AwardAmendment:
    amendment = AwardAmendment(kind=kind, actor_id=actor.id, reason=reason,
                               details={"before": before, "after": after})
    award.amendments.append(amendment)
    db.session.flush()
    audit.record(actor, f"award.{kind.value}", award, amendment_id=amendment.id)
    return amendment


def _schedule_figures(award: Award) -> list[dict]:
    return [{"sequence": t.sequence, "amount_minor": t.amount_minor,
             "due_date": t.due_date.isoformat(), "gate": t.gating_requirement_id}
            for t in award.tranches]


def change_schedule(actor: User, award: Award, changes: list[TrancheChange],
                    reason: str | None = None) -> AwardAmendment | None:
    """Set the planned tranches' amounts, dates and gating reports. The tranches must still
    add up exactly to the award; released ones stay as they are. None if nothing changed."""
    lock(award)
    _check_changeable(award)
    reason = clean_reason(reason)
    planned = {t.id: t for t in award.tranches if t.status == TrancheStatus.PLANNED}
    if {c.tranche_id for c in changes} != set(planned):
        raise ServiceError("The schedule changed while you were editing it. Check it again.")
    _check_schedule(award, planned, changes)
    before = _schedule_figures(award)
    for change in changes:
        tranche = planned[change.tranche_id]
        tranche.amount_minor, tranche.due_date = change.amount_minor, change.due_date
        tranche.gating_requirement_id = change.gating_requirement_id
    after = _schedule_figures(award)
    if after == before:
        return None
    return amend(actor, award, AmendmentKind.SCHEDULE_CHANGE, before, after, reason)


def _check_schedule(award: Award, planned: dict[int, Tranche],
                    changes: list[TrancheChange]) -> None:
    requirement_ids = {r.id for r in award.report_requirements}
    for change in changes:
        if change.amount_minor <= 0:
            raise ServiceError("Every tranche needs an amount above zero.",
                               f"amount_{change.tranche_id}")
        if change.gating_requirement_id not in requirement_ids | {None}:
            raise ServiceError("Choose a report of this award.", f"gate_{change.tranche_id}")
    fixed = sum(t.amount_minor for t in award.tranches if t.id not in planned)
    total = fixed + sum(c.amount_minor for c in changes)
    if total != award.amount_minor:
        show = lambda amount: money.format_money(amount, award.currency)  # noqa: E731
        raise ServiceError(
            "The tranches add up to %(total)s, but the award is %(award)s. Change them so "
            "they add up exactly (difference: %(difference)s).", total=show(total),
            award=show(award.amount_minor), difference=show(award.amount_minor - total))


def extend(actor: User, award: Award, new_end: date | None,
           reason: str | None = None) -> AwardAmendment:
    """A no-cost extension: the award ends later; the amount stays the same."""
    lock(award)
    _check_changeable(award)
    reason = clean_reason(reason)
    if new_end is None:
        raise ServiceError("Enter the new end date.", "end_date")
    if new_end < award.start_date:
        raise ServiceError("The end date cannot be before the award starts (%(date)s).",
                           "end_date", date=award.start_date.isoformat())
    if new_end <= award.end_date:
        raise ServiceError("An extension moves the end date later than it is now (%(date)s).",
                           "end_date", date=award.end_date.isoformat())
    before = award.end_date.isoformat()
    award.end_date = new_end
    return amend(actor, award, AmendmentKind.NO_COST_EXTENSION, {"end_date": before},
                  {"end_date": new_end.isoformat()}, reason)


@dataclass
class NewLine:
    """A budget line the reallocation adds (e.g. to move money into a later year)."""

    category: BudgetCategory
    year: int
    description: str
    amount_minor: int


def reallocate(actor: User, award: Award, amounts: dict[int, int],
               reason: str | None = None, new_line: NewLine | None = None,
               ) -> AwardAmendment | None:
    """Move money between budget lines, optionally into a new one. The lines must keep the
    same total (the award's budget); each line keeps its category and year. None if
    nothing changed."""
    lock(award)
    _check_changeable(award)
    reason = clean_reason(reason)
    lines = {line.id: line for line in award.budget_lines}
    if set(amounts) != set(lines):
        raise ServiceError("The budget changed while you were editing it. Check it again.")
    if any(amount < 0 for amount in amounts.values()):
        raise ServiceError("A budget line cannot be below zero.")
    added = new_line.amount_minor if new_line else 0
    _check_same_total(award, sum(line.amount_minor for line in lines.values()),
                      sum(amounts.values()) + added)
    changed = {i: a for i, a in amounts.items() if lines[i].amount_minor != a}
    before = {str(i): lines[i].amount_minor for i in changed}
    for line_id, amount in changed.items():
        lines[line_id].amount_minor = amount
    after = {str(i): a for i, a in changed.items()}
    if new_line is not None and new_line.amount_minor > 0:
        line = _add_line(award, new_line)
        before[str(line.id)], after[str(line.id)] = 0, line.amount_minor
    if not after:
        return None
    return amend(actor, award, AmendmentKind.BUDGET_REALLOCATION, before, after, reason)


def _check_same_total(award: Award, total_before: int, total_after: int) -> None:
    if total_after != total_before:
        show = lambda amount: money.format_money(amount, award.currency)  # noqa: E731
        raise ServiceError(
            "The lines add up to %(total)s, but the budget is %(budget)s. A reallocation "
            "moves money between lines: change them so the total stays the same "
            "(difference: %(difference)s).", total=show(total_after),
            budget=show(total_before), difference=show(total_before - total_after))


def _add_line(award: Award, new: NewLine) -> BudgetLine:
    if not 1 <= new.year <= award.years:
        if award.years == 1:
            raise ServiceError("This award lasts one year: choose year 1.", "new_year")
        raise ServiceError("Choose a year from 1 to %(max)s.", "new_year", max=award.years)
    line = BudgetLine(category=new.category, year=new.year, currency=award.currency,
                      description=(new.description or "").strip()[:300],
                      amount_minor=new.amount_minor)
    award.budget_lines.append(line)
    db.session.flush()
    return line


def can_release(award: Award, tranche: Tranche) -> bool:
    """Whether the award page offers to release the tranche: a planned tranche of an active
    award (a gate not yet met is explained by `release` when it refuses)."""
    return award.status == AwardStatus.ACTIVE and tranche.status == TrancheStatus.PLANNED


def release(actor: User, award: Award, tranche: Tranche, now: datetime | None = None) -> None:
    """Release a planned tranche for payment. A gated tranche waits for its report to be
    accepted. No money moves here: the payments work picks released tranches up."""
    lock(award)
    if tranche.award_id != award.id:
        raise ValueError("tranche of another award")
    if award.status != AwardStatus.ACTIVE:
        raise ServiceError("Only a tranche of an active award can be released.")
    if tranche.status != TrancheStatus.PLANNED:
        raise ServiceError("Tranche %(number)s was already released.", number=tranche.sequence)
    gate = tranche.gating_requirement
    if gate is not None and not any(r.status == ReportStatus.ACCEPTED for r in gate.reports):
        raise ServiceError("Tranche %(number)s waits for “%(report)s” to be accepted. Accept "
                           "that report first, or change the schedule.",
                           number=tranche.sequence, report=shipped(gate.title))
    tranche.status = TrancheStatus.RELEASED
    tranche.released_at, tranche.released_by_id = now or utcnow(), actor.id
    db.session.flush()
    audit.record(actor, "award.tranche_released", award, tranche_id=tranche.id,
                 sequence=tranche.sequence, amount_minor=tranche.amount_minor,
                 currency=tranche.currency)
