"""What the award pages read: an award with everything its page shows (a fixed number of
queries however many years, tranches or reports it has), the lists, and its history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import NamedTuple

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import contains_eager, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from grants.content import shipped
from grants.extensions import db
from grants.models import (
    AmendmentKind,
    Application,
    Award,
    AwardAmendment,
    AwardStatus,
    BudgetCategory,
    BudgetLine,
    Membership,
    Report,
    ReportRequirement,
    ReportStatus,
    Review,
    SupportType,
    Tranche,
    User,
)
from grants.money import format_money


def award_for_page(award_id: int) -> Award | None:
    """The award and everything its pages read, in five queries however many years,
    tranches, reports or amendments it has: its one-to-one neighbours (application and its
    call, group, fund) joined into its own row, then each collection by a query of its own,
    set in place as the relationship's loaded value.

    selectinload would run the same kind of statements, but its loader machinery costs
    some 0.25 ms a collection on top of the query itself (SQLAlchemy 2.1): about 1 ms of
    the award page's 11. A collection already loaded in the session is left as it is."""
    award = db.session.scalars(_page_statements().award, {"award_id": award_id}).one_or_none()
    if award is None:
        return None
    unloaded = sa.inspect(award).unloaded
    for name, query in _page_statements().collections.items():
        if name in unloaded:
            rows = list(db.session.scalars(query, {"award_id": award_id}).unique())
            set_committed_value(award, name, rows)
    return award


class _PageStatements(NamedTuple):
    award: sa.Select
    collections: dict[str, sa.Select]


@cache
def _page_statements() -> _PageStatements:
    """The award page's statements, built on first use and kept: SQLAlchemy then works out
    each one's cache key once, not on every request."""
    award_id = sa.bindparam("award_id")

    def rows_of(relationship, foreign_key) -> sa.Select:
        # In the relationship's own order, as if it had loaded them.
        return (sa.select(relationship.property.mapper).where(foreign_key == award_id)
                .order_by(*relationship.property.order_by))

    return _PageStatements(
        award=sa.select(Award).where(Award.id == award_id).options(
            joinedload(Award.application).joinedload(Application.call),
            joinedload(Award.organisation, innerjoin=True),
            joinedload(Award.fund, innerjoin=True)),
        # A tranche's gating requirement is one of the requirements, found in the identity
        # map; so are the award of each row and a report's requirement.
        collections={
            "tranches": rows_of(Award.tranches, Tranche.award_id),
            # A requirement has a few reports: joined in, each requirement's rows together.
            "report_requirements": rows_of(Award.report_requirements,
                                           ReportRequirement.award_id)
            .outerjoin(ReportRequirement.reports)
            .options(contains_eager(ReportRequirement.reports))
            .order_by(ReportRequirement.id, Report.id),
            "budget_lines": rows_of(Award.budget_lines, BudgetLine.award_id),
            "amendments": rows_of(Award.amendments, AwardAmendment.award_id)
            .options(joinedload(AwardAmendment.actor))})


def staff_awards(viewer: User, status: str = "", support: str = "") -> sa.Select:
    """All awards, newest first, optionally of one status and support type; without those
    from applications the viewer declared a conflict on."""
    conflicted = sa.select(Review.application_id).where(
        Review.reviewer_id == viewer.id, Review.conflict_declared.is_(True))
    query = (sa.select(Award)
             .where(sa.or_(Award.application_id.is_(None), Award.application_id.not_in(conflicted)))
             .options(selectinload(Award.organisation), selectinload(Award.fund)))
    if status in {s.value for s in AwardStatus}:
        query = query.where(Award.status == AwardStatus(status))
    if support in {s.value for s in SupportType}:
        query = query.where(Award.support_type == SupportType(support))
    return query.order_by(Award.created_at.desc(), Award.id.desc())


def awards_of(user: User) -> list[Award]:
    """Awards of the user's groups that were approved (not waiting, not never made)."""
    return list(db.session.scalars(
        sa.select(Award).join(Membership, Membership.organisation_id == Award.organisation_id)
        .where(Membership.user_id == user.id, Award.approved_at.is_not(None))
        .options(selectinload(Award.organisation))
        .order_by(Award.start_date.desc(), Award.id.desc())))


@dataclass
class BudgetTable:
    """The award's budget as lines by year: a row per line (category and description), a
    column per year, totals both ways."""

    years: list[int]
    rows: list[tuple[str, str, list[int], int]]
    year_totals: list[int]
    total: int


def budget_table(award: Award) -> BudgetTable:
    years = sorted({line.year for line in award.budget_lines} | set(range(1, award.years + 1)))
    cells: dict[tuple[BudgetCategory, str], list[int]] = {}
    for line in award.budget_lines:
        row = cells.setdefault((line.category, line.description), [0] * len(years))
        row[years.index(line.year)] += line.amount_minor
    rows = [(category, description, amounts, sum(amounts))
            for (category, description), amounts in cells.items()]
    year_totals = [sum(row[2][i] for row in rows) for i in range(len(years))]
    return BudgetTable(years, rows, year_totals, sum(year_totals))


@dataclass
class Event:
    when: datetime
    what: str
    detail: str = ""
    amendment: AwardAmendment | None = None


def history(award: Award) -> list[Event]:
    """The award's story, oldest first: approval, releases, reports and amendments."""
    events = [Event(award.created_at, _("Award approved") if award.status !=
                    AwardStatus.PENDING_APPROVAL else _("Award approved by a first officer"))]
    if award.approved_at and award.second_approver_id:
        events.append(Event(award.approved_at, _("Second approval: the award is active")))
    for t in award.tranches:
        if t.released_at:
            events.append(Event(t.released_at, _("Tranche %(n)d released", n=t.sequence),
                                format_money(t.amount_minor, t.currency)))
    for requirement in award.report_requirements:
        events.extend(_report_events(requirement))
    for amendment in award.amendments:
        events.append(Event(amendment.created_at, str(amendment.kind.label),
                            amendment_summary(award, amendment), amendment))
    if award.closed_at:
        events.append(Event(award.closed_at, _("Award closed")))
    return sorted(events, key=lambda e: e.when)


def _report_events(requirement: ReportRequirement) -> list[Event]:
    events = []
    for report in requirement.reports:
        if report.submitted_at:
            events.append(Event(report.submitted_at, _("%(title)s sent",
                                                       title=shipped(requirement.title))))
        if report.reviewed_at and report.status != ReportStatus.SUBMITTED:
            status = report.status.label
            events.append(Event(report.reviewed_at, f"{shipped(requirement.title)}: {status}"))
    return events


def amendment_summary(award: Award, amendment: AwardAmendment) -> str:
    """Before and after, in plain figures (the details hold nothing personal)."""
    before, after = amendment.details.get("before"), amendment.details.get("after")
    money = lambda amount: format_money(amount, award.currency)  # noqa: E731
    if amendment.kind == AmendmentKind.NO_COST_EXTENSION:
        return _("End date %(old)s → %(new)s", old=before["end_date"], new=after["end_date"])
    if amendment.kind == AmendmentKind.SCHEDULE_CHANGE:
        return "; ".join(
            _("tranche %(n)d: %(old)s on %(old_date)s → %(new)s on %(new_date)s", n=a["sequence"],
              old=money(b["amount_minor"]), old_date=b["due_date"], new=money(a["amount_minor"]),
              new_date=a["due_date"])
            for b, a in zip(before, after, strict=False) if a != b)
    if amendment.kind == AmendmentKind.BUDGET_REALLOCATION:
        lines = {str(line.id): line for line in award.budget_lines}
        return "; ".join(
            f"{_line_name(lines.get(key))}: {money(before[key])} → {money(after[key])}"
            for key in after)
    if amendment.kind == AmendmentKind.STATUS_CHANGE:
        return _status_summary(award, before, after)
    changed = [k for k in ("title", "due_date", "questions") if before.get(k) != after.get(k)]
    return _("%(title)s: changed %(what)s", title=after.get("title", ""),
             what=", ".join(changed))


def _status_summary(award: Award, before: dict, after: dict) -> str:
    text = _("%(old)s → %(new)s", old=AwardStatus(before["status"]).label,
             new=AwardStatus(after["status"]).label)
    if after.get("cancelled_tranches"):
        text += "; " + _("not released and cancelled: %(amount)s",
                         amount=format_money(after["unreleased_minor"], award.currency))
    return text


def _line_name(line) -> str:
    if line is None:
        return _("a removed line")
    return _("year %(year)d, %(category)s", year=line.year,
             category=line.category.label)
