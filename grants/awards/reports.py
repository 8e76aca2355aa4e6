"""Light reporting (Section IV.6): a short report of at most three questions, a report the
group wrote for another funder, or a conversation an officer records on its behalf.

The officer accepts a report or asks for more; the group sees the officer's note and sends
again (each sending is a new `Report`, so what was asked and answered stays on record).
A content-free reminder goes out once per requirement as its due date comes near.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from grants import notifications
from grants.applications import documents
from grants.awards.schedule import clean_reason, lock
from grants.awards.services import FOLLOW_UP_TITLE, MAX_REPORT_QUESTIONS
from grants.errors import ServiceError
from grants.extensions import db
from grants.models import (
    AmendmentKind,
    Award,
    AwardAmendment,
    AwardStatus,
    Membership,
    Report,
    ReportKind,
    ReportRequirement,
    ReportStatus,
    User,
)
from grants.models.types import utcnow
from grants.security import audit
from grants.voice import survey

ANSWER_MAX = 5000
NOTES_MAX = 20000
QUESTION_MAX = 300
CLOSED = frozenset({AwardStatus.CLOSED, AwardStatus.CANCELLED})


def latest(requirement: ReportRequirement) -> Report | None:
    """The last report sent for the requirement (the one the officer looks at)."""
    return max(requirement.reports, key=lambda r: r.id, default=None)


def is_met(requirement: ReportRequirement) -> bool:
    return any(r.status == ReportStatus.ACCEPTED for r in requirement.reports)


def settles(report: Report | None) -> bool:
    """The report sent last leaves nothing to send for now: it waits for the officer or
    was accepted."""
    return report is not None and report.status in (ReportStatus.SUBMITTED,
                                                    ReportStatus.ACCEPTED)


def is_settled(requirement: ReportRequirement) -> bool:
    """Nothing more to send for now (so the page offers neither sending nor recording a
    conversation)."""
    return settles(latest(requirement))


def can_send(requirement: ReportRequirement) -> bool:
    """A report (or a recorded conversation) is taken now: the award is active and nothing
    settles the requirement yet; what `_check_can_send` refuses otherwise."""
    return requirement.award.status == AwardStatus.ACTIVE and not is_settled(requirement)


def is_overdue(requirement: ReportRequirement, today: date) -> bool:
    """The report is late: its due date has passed while the award is active and nothing
    settles it yet (a report asked to be changed is still late)."""
    return (requirement.due_date < today and requirement.award.status == AwardStatus.ACTIVE
            and not is_settled(requirement))


def _check_can_send(requirement: ReportRequirement) -> None:
    if requirement.award.status != AwardStatus.ACTIVE:
        raise ServiceError("Reports are taken only while the award is active.")
    current = latest(requirement)
    if current is not None and current.status == ReportStatus.ACCEPTED:
        raise ServiceError("This report was already accepted: nothing more is needed.")
    if current is not None and current.status == ReportStatus.SUBMITTED:
        raise ServiceError("This report was sent and is waiting for the programme officer. "
                           "Write a message on the award page if something needs changing.")


def _new_report(actor: User, requirement: ReportRequirement, kind: ReportKind,
                now: datetime | None, **fields) -> Report:
    lock(requirement.award)  # two members sending at once make one report, not two
    _check_can_send(requirement)
    report = Report(kind=kind, status=ReportStatus.SUBMITTED, submitted_at=now or utcnow(),
                    **fields)
    requirement.reports.append(report)
    db.session.flush()
    audit.record(actor, "report.submitted", requirement.award, report_id=report.id,
                 requirement_id=requirement.id, kind=kind.value)
    return report


def submit_answers(actor: User, requirement: ReportRequirement, answers: list[str],
                   now: datetime | None = None) -> Report:
    """The group's short report: one answer per question, at least one of them written."""
    texts = [(a or "").strip() for a in answers]
    if len(texts) != len(requirement.questions):
        raise ServiceError("The questions changed while you were writing. Check them again.")
    for i, text in enumerate(texts, start=1):
        if len(text) > ANSWER_MAX:
            raise ServiceError("Keep each answer under %(max)s characters.", f"answer_{i}",
                               max=ANSWER_MAX)
    if not any(texts):
        raise ServiceError("Answer at least one question, or upload a report instead.",
                           "answer_1")
    return _new_report(actor, requirement, ReportKind.SHORT_FORM, now, answers=texts,
                       submitted_by_id=actor.id)


def submit_file(actor: User, requirement: ReportRequirement, *, filename: str, data: bytes,
                max_bytes: int, now: datetime | None = None) -> Report:
    """A report the group wrote for another funder, checked by its content like any upload."""
    kind, data = documents.accept_upload(data, max_bytes, "upload")
    return _new_report(actor, requirement, requirement.kind, now,
                       filename=documents.clean_filename(filename, kind),
                       media_type=documents.MEDIA_TYPES[kind], size_bytes=len(data),
                       content=data, submitted_by_id=actor.id)


def record_conversation(actor: User, requirement: ReportRequirement, notes: str,
                        now: datetime | None = None) -> Report:
    """An officer's notes of a conversation with the group, kept as the group's report."""
    text = (notes or "").strip()
    if not text:
        raise ServiceError("Write what was said in the conversation.", "notes")
    if len(text) > NOTES_MAX:
        raise ServiceError("Keep the notes under %(max)s characters.", "notes", max=NOTES_MAX)
    return _new_report(actor, requirement, ReportKind.CONVERSATION, now, body=text,
                       recorded_by_id=actor.id)


def review(actor: User, report: Report, *, accept: bool, note: str | None,
           now: datetime | None = None) -> None:
    """Accept the report, or send it back with a note the group reads (then it may send
    again). Refused once the award is closed, and for a report not waiting for review."""
    award = lock(report.requirement.award)
    if award.status in CLOSED:
        raise ServiceError("This award is closed: its reports can no longer be accepted "
                           "or sent back.")
    if report.status != ReportStatus.SUBMITTED:
        raise ServiceError("This report is not waiting for a review.")
    text = (note or "").strip()
    if not accept and not text:
        raise ServiceError("Say what more you need: the group reads this note.", "note")
    if len(text) > NOTES_MAX:
        raise ServiceError("Keep the note under %(max)s characters.", "note", max=NOTES_MAX)
    report.status = ReportStatus.ACCEPTED if accept else ReportStatus.CHANGES_REQUESTED
    report.officer_note = text or None
    report.reviewed_by_id, report.reviewed_at = actor.id, now or utcnow()
    db.session.flush()
    audit.record(actor, "report.reviewed", award, report_id=report.id,
                 status=report.status.value)
    if accept:
        survey.offer(report)  # the group is offered the anonymous survey (IV.12)
    if not accept:
        for member in members(award):
            notifications.notify(member, "report_due")


def members(award: Award) -> list[User]:
    return list(db.session.scalars(sa.select(User).join(Membership).where(
        Membership.organisation_id == award.organisation_id)))


def change_requirement(actor: User, requirement: ReportRequirement, *, title: str,
                       due_date: date | None, questions: list[str],
                       reason: str | None = None) -> AwardAmendment | None:
    """Change a requirement's title, due date or questions (at most three); recorded as a
    reporting change. A new due date sends a new reminder when it comes near."""
    award = lock(requirement.award)
    if award.status in CLOSED:
        raise ServiceError("This award is closed or cancelled: it can no longer be changed.")
    title, asked = (title or "").strip(), [q.strip() for q in questions if q and q.strip()]
    _check_requirement(requirement, title, due_date, asked)
    before = _requirement_figures(requirement)
    if requirement.due_date != due_date:
        requirement.reminded_at = None
    requirement.title, requirement.due_date, requirement.questions = title, due_date, asked
    after = _requirement_figures(requirement)
    if after == before:
        return None
    amendment = AwardAmendment(kind=AmendmentKind.REPORTING_CHANGE, actor_id=actor.id,
                               reason=clean_reason(reason),
                               details={"before": before, "after": after})
    award.amendments.append(amendment)
    db.session.flush()
    audit.record(actor, "award.reporting_change", award, amendment_id=amendment.id,
                 requirement_id=requirement.id)
    return amendment


def _check_requirement(requirement: ReportRequirement, title: str, due: date | None,
                       asked: list[str]) -> None:
    if not title:
        raise ServiceError("Give the report a title.", "title")
    if due is None:
        raise ServiceError("Enter the date the report is due.", "due_date")
    if len(asked) > MAX_REPORT_QUESTIONS:
        raise ServiceError("A short report asks at most %(max)s questions; this has %(count)s. "
                           "Remove some.", "questions", max=MAX_REPORT_QUESTIONS,
                           count=len(asked))
    if any(len(q) > QUESTION_MAX for q in asked):
        raise ServiceError("Keep each question under %(max)s characters.", "questions",
                           max=QUESTION_MAX)
    if requirement.kind == ReportKind.SHORT_FORM and not asked:
        raise ServiceError("A short report needs at least one question.", "questions")


def _requirement_figures(requirement: ReportRequirement) -> dict:
    # Question texts are the funder's own words, not the group's: safe to keep here.
    return {"requirement_id": requirement.id, "title": requirement.title,
            "due_date": requirement.due_date.isoformat(), "questions": list(requirement.questions)}


def remind_follow_ups(now: datetime, days: int) -> int:
    """Tell the officer who decided each emergency award that its follow-up check-in is
    due within `days` (or overdue), once per check-in; returns how many were told."""
    rows = db.session.scalars(
        sa.select(ReportRequirement).join(Award)
        .where(Award.status == AwardStatus.ACTIVE, Award.decided_by_id.is_not(None),
               ReportRequirement.kind == ReportKind.CONVERSATION,
               ReportRequirement.title == FOLLOW_UP_TITLE,
               ReportRequirement.officer_reminded_at.is_(None),
               ReportRequirement.due_date <= now.date() + timedelta(days=days))
        .options(selectinload(ReportRequirement.reports), selectinload(ReportRequirement.award))
        .order_by(ReportRequirement.due_date, ReportRequirement.id))
    told = 0
    for requirement in rows:
        if any(r.status == ReportStatus.ACCEPTED for r in requirement.reports):
            continue
        officer = db.session.get(User, requirement.award.decided_by_id)
        if officer is not None:
            notifications.notify(officer, "report_due")
        requirement.officer_reminded_at = now
        told += 1
    db.session.flush()
    return told


def due_for_reminder(today: date, days: int) -> list[ReportRequirement]:
    """Requirements of active awards due within `days` (or overdue), not yet reminded, for
    which nothing is sent or accepted."""
    rows = db.session.scalars(
        sa.select(ReportRequirement).join(Award)
        .where(Award.status == AwardStatus.ACTIVE, ReportRequirement.reminded_at.is_(None),
               ReportRequirement.due_date <= today + timedelta(days=days))
        .options(selectinload(ReportRequirement.reports), selectinload(ReportRequirement.award))
        .order_by(ReportRequirement.due_date, ReportRequirement.id))
    waiting = (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED)
    return [r for r in rows if not any(rep.status in waiting for rep in r.reports)]


def remind(now: datetime, days: int) -> int:
    """Send each due requirement's group one content-free notice; returns how many
    requirements were reminded. Run daily (`flask remind-reports`)."""
    sent = 0
    for requirement in due_for_reminder(now.date(), days):
        for member in members(requirement.award):
            notifications.notify(member, "report_due")
        requirement.reminded_at = now
        sent += 1
    db.session.flush()
    return sent
