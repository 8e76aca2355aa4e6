"""The work in progress of a group or defender, read for their home page.

One list over every organisation the user belongs to: drafts, applications sent, an
officer's open question (with the date it should be answered by), decisions, awards,
reports due and payments on their way. A fixed number of queries however many groups,
applications or awards there are: each kind is read by one statement for all of them.

What goes on the list is what the same user may open (grants.policy): a group sees its
applications, and its awards once approved; an intermediary sees the requests it filed for
defenders and its regranting awards (its sub-grants stay on its own pages). Nothing here
names more than the pages it links to already show to this user.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from flask import url_for
from sqlalchemy.orm import joinedload, selectinload

from grants.applications.questions import Question, open_questions
from grants.extensions import db
from grants.models import (
    Application,
    ApplicationStatus,
    Award,
    AwardStatus,
    Call,
    Disbursement,
    DisbursementStatus,
    ReportRequirement,
    ReportStatus,
    Tranche,
    User,
)
from grants.policy import Permission, acts_for_a_group, can

# Payments the group is waiting for: made ready or sent, not yet arrived.
ON_THE_WAY = (DisbursementStatus.SCHEDULED, DisbursementStatus.APPROVED,
              DisbursementStatus.SENDING, DisbursementStatus.SENT)
IN_PROGRESS = (ApplicationStatus.AWAITING_ENDORSEMENT, ApplicationStatus.SUBMITTED,
               ApplicationStatus.UNDER_REVIEW)
# A report is done once sent (waiting for the officer) or accepted.
REPORT_DONE = (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED)
REPORT_SOON_DAYS = 60
APPLICATIONS_READ = 100


def keeps_work(user: User) -> bool:
    """Whether the user's home lists the work of their organisations (not the funder's
    staff: their work is in the review queue and the lists they manage)."""
    return acts_for_a_group(user)


@dataclass
class Item:
    """One line of the home's list; `kind` says which sentence the template writes."""

    kind: str  # question, draft, sent, approved, declined, award, report, payment
    when: datetime  # its place in the list: newest first
    url: str | None = None
    application: Application | None = None
    award: Award | None = None
    question: Question | None = None
    requirement: ReportRequirement | None = None
    disbursement: Disbursement | None = None
    due: date | None = None
    overdue: bool = False
    changes_requested: bool = False
    sendable: bool = False  # a report the reader may send from the link
    action: bool = False  # needs the reader to do something: shown first, highlighted


def work_of(user: User, now: datetime, answer_days: int) -> list[Item]:
    """Everything in progress for `user`'s organisations: what needs them first (an
    officer's question, then a report overdue or sent back), then the rest newest first."""
    org_ids = [m.organisation_id for m in user.memberships]
    if not org_ids:
        return []
    applications = _applications(user, org_ids)
    awards = _awards(user, org_ids)
    questions = open_questions(applications, now, answer_days)
    awards_by_application = {a.application_id: a for a in awards if a.application_id}
    items = [_application_item(user, a, questions.get(a.id),
                               awards_by_application.get(a.id)) for a in applications]
    listed = {a.id for a in applications}
    items += [_award_item(user, a) for a in awards if a.application_id not in listed]
    for award in awards:
        if can(user, Permission.VIEW_AWARD, award) and award.status == AwardStatus.ACTIVE:
            items += _report_items(user, award, now.date())
    by_id = {a.id: a for a in awards}
    items += [_payment_item(user, d, by_id) for d in _payments(list(by_id))]
    items = [i for i in items if i is not None]
    items.sort(key=lambda i: i.when, reverse=True)
    items.sort(key=lambda i: (i.kind != "question", not i.action))  # stable: newest first
    return items


def _application_item(user: User, application: Application, question: Question | None,
                      award: Award | None) -> Item | None:
    status = application.status
    page = url_for("applications.show", application_id=application.id)
    if question is not None:
        return Item("question", question.asked_at, page, application, question=question,
                    action=True)
    if status == ApplicationStatus.DRAFT:
        return Item("draft", application.updated_at,
                    url_for("applications.step", application_id=application.id,
                            number=application.current_step), application)
    if status in IN_PROGRESS:
        return Item("sent", application.submitted_at or application.updated_at, page,
                    application)
    when = application.decided_at or application.updated_at
    if status == ApplicationStatus.APPROVED:
        if award is not None:
            page = _award_url(user, award)
        return Item("approved", when, page, application, award=award)
    if status == ApplicationStatus.DECLINED:
        return Item("declined", when, page, application)
    return None


def _award_url(user: User, award: Award, anchor: str | None = None) -> str:
    """The group's award page; an intermediary's regranting award, its workspace page."""
    if can(user, Permission.VIEW_AWARD, award):
        return url_for("awards.show", award_id=award.id, _anchor=anchor)
    return url_for("intermediaries.award", award_id=award.id)


def _award_item(user: User, award: Award) -> Item:
    return Item("award", award.approved_at, _award_url(user, award), award=award)


def _report_items(user: User, award: Award, today: date) -> list[Item]:
    """A report overdue or sent back needs the group now; otherwise the next one, when it
    falls due soon (one far ahead is on the award's page)."""
    items, upcoming = [], None
    for requirement in award.report_requirements:  # by due date
        latest = max(requirement.reports, key=lambda r: r.id, default=None)
        if latest is not None and latest.status in REPORT_DONE:
            continue
        back = latest is not None and latest.status == ReportStatus.CHANGES_REQUESTED
        overdue = requirement.due_date < today
        if not (back or overdue):
            if requirement.due_date <= today + timedelta(days=REPORT_SOON_DAYS):
                upcoming = upcoming or requirement
            continue
        items.append(_report_item(user, award, requirement, today, overdue=overdue, back=back))
    if upcoming is not None:
        items.append(_report_item(user, award, upcoming, today, overdue=False, back=False))
    return items


def _report_item(user: User, award: Award, requirement: ReportRequirement, today: date, *,
                 overdue: bool, back: bool) -> Item:
    sendable = can(user, Permission.SUBMIT_REPORT, requirement)
    if sendable:
        url = url_for("awards.send_report", award_id=award.id, requirement_id=requirement.id)
    else:
        url = _award_url(user, award, "reports")
    # Due soon or late, it is news of today: below today's news, above what came before.
    when = datetime.combine(today, datetime.min.time(), tzinfo=UTC)
    return Item("report", when, url, award=award, requirement=requirement,
                due=requirement.due_date, overdue=overdue, changes_requested=back,
                sendable=sendable, action=overdue or back)


def _payment_item(user: User, disbursement: Disbursement, awards: dict[int, Award]) -> Item:
    award = awards[disbursement.tranche.award_id]
    return Item("payment", disbursement.updated_at, _award_url(user, award, "payments"),
                award=award, disbursement=disbursement)


def _applications(user: User, org_ids: list[int]) -> list[Application]:
    rows = db.session.scalars(
        sa.select(Application).where(Application.organisation_id.in_(org_ids),
                                     Application.status != ApplicationStatus.WITHDRAWN)
        .options(joinedload(Application.call).selectinload(Call.texts),
                 joinedload(Application.organisation, innerjoin=True))
        # The last changed: an officer's question changes its application, so it is among
        # them; a group's years of history are not read for a page that shows 30 lines.
        .order_by(Application.updated_at.desc(), Application.id.desc()).limit(APPLICATIONS_READ))
    # The group's own side: an intermediary finds here the requests it filed for defenders
    # (the sub-grant applications sent to it are on its regranting pages).
    return [a for a in rows if can(user, Permission.VIEW_APPLICATION, a)]


def _awards(user: User, org_ids: list[int]) -> list[Award]:
    rows = db.session.scalars(
        sa.select(Award).where(Award.organisation_id.in_(org_ids),
                               Award.approved_at.is_not(None))
        .options(selectinload(Award.report_requirements)
                 .selectinload(ReportRequirement.reports)))
    return [a for a in rows if can(user, Permission.VIEW_AWARD, a)
            or can(user, Permission.VIEW_REGRANTING, a)]


def _payments(award_ids: list[int]) -> list[Disbursement]:
    if not award_ids:
        return []
    return list(db.session.scalars(
        sa.select(Disbursement).join(Tranche, Tranche.id == Disbursement.tranche_id)
        .where(Tranche.award_id.in_(award_ids), Disbursement.status.in_(ON_THE_WAY))
        .options(joinedload(Disbursement.tranche))))
