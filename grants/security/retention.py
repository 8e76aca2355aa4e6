"""Retention: data about people at risk is kept no longer than it is needed.

`flask --app grants purge` (run daily) applies the periods in RETENTION_DAYS:
- `declined`: declined and withdrawn applications, counted from the decision or the last
  change, are deleted with their answers, files, budget, history, reviews and messages;
- `idle_drafts`: drafts nobody touched for that long are deleted the same way;
- `closed_awards`: once an award has been closed that long, the sensitive fields of its
  application, reports, payments and sub-grants are erased (the figures stay: amounts,
  dates and statuses are the funder's accounts and its open data);
- `sessions`: ended or expired sessions and used form rescues.
Each step reports how many rows it touched; `--dry-run` counts without changing anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from grants.extensions import db
from grants.models import (
    Application,
    ApplicationStatus,
    Award,
    AwardStatus,
    Disbursement,
    FormRescue,
    Report,
    ReportRequirement,
    SubGrant,
    Tranche,
    UserSession,
)
from grants.models.types import utcnow
from grants.security import audit

DEFAULT_DAYS = {"declined": 365, "idle_drafts": 180, "closed_awards": 730, "sessions": 30}


@dataclass
class PurgeReport:
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, what: str, n: int) -> None:
        self.counts[what] = self.counts.get(what, 0) + n


def _cutoff(days: dict[str, int], kind: str, now: datetime) -> datetime:
    return now - timedelta(days=days.get(kind, DEFAULT_DAYS[kind]))


def purge(days: dict[str, int], *, now: datetime | None = None,
          dry_run: bool = False) -> PurgeReport:
    """Delete or erase what is past its period; flushes, the caller commits."""
    now = now or utcnow()
    report = PurgeReport()
    _delete_applications(report, "declined", sa.and_(
        Application.status.in_((ApplicationStatus.DECLINED, ApplicationStatus.WITHDRAWN)),
        sa.func.coalesce(Application.decided_at, Application.updated_at)
        < _cutoff(days, "declined", now)), dry_run)
    _delete_applications(report, "idle_drafts", sa.and_(
        Application.status == ApplicationStatus.DRAFT,
        Application.updated_at < _cutoff(days, "idle_drafts", now)), dry_run)
    _erase_closed_awards(report, _cutoff(days, "closed_awards", now), dry_run)
    _delete_sessions(report, _cutoff(days, "sessions", now), now, dry_run)
    if not dry_run and any(report.counts.values()):
        audit.record(None, "retention.purged", None, **report.counts)
    db.session.flush()
    return report


def purge_sessions(days: dict[str, int], *, now: datetime | None = None,
                   idle_minutes: int | None = None) -> PurgeReport:
    """The hourly part of the purge: sessions past their end or idle too long are ended
    (the lists of where one is logged in stay true), form rescues past their time are
    deleted (they hold what someone typed), and ended sessions past their retention go.
    Flushes; the caller commits."""
    from flask import current_app

    now = now or utcnow()
    idle = timedelta(minutes=idle_minutes or current_app.config["SESSION_IDLE_MINUTES"])
    report = PurgeReport()
    lapsed = sa.and_(UserSession.ended_at.is_(None), sa.or_(
        UserSession.expires_at < now, UserSession.last_seen_at < now - idle))
    ended = db.session.execute(sa.update(UserSession).where(lapsed).values(ended_at=now)
                               .execution_options(synchronize_session=False)).rowcount
    report.add("user_sessions ended (lapsed)", ended)
    _delete_sessions(report, _cutoff(days, "sessions", now), now, dry_run=False)
    db.session.flush()
    return report


def _delete_applications(report: PurgeReport, kind: str, due, dry_run: bool) -> None:
    applications = list(db.session.scalars(
        sa.select(Application).where(due, ~sa.exists().where(
            Award.application_id == Application.id))))
    report.add(f"applications deleted ({kind})", len(applications))
    if dry_run:
        return
    for application in applications:  # ORM delete: answers, files, lines and history go
        db.session.delete(application)  # reviews and messages by their foreign keys


def _erase_closed_awards(report: PurgeReport, before: datetime, dry_run: bool) -> None:
    closed = sa.select(Award.id).where(Award.status == AwardStatus.CLOSED,
                                       Award.closed_at < before)
    targets = [
        (Application, Application.id.in_(sa.select(Award.application_id).where(
            Award.id.in_(closed))), ("threat_description", "safe_contact",
                                     "focus_populations", "endorsement_note")),
        (Report, Report.requirement_id.in_(sa.select(ReportRequirement.id).where(
            ReportRequirement.award_id.in_(closed))), ("body", "answers", "filename",
                                                       "content", "officer_note")),
        (Disbursement, Disbursement.tranche_id.in_(sa.select(Tranche.id).where(
            Tranche.award_id.in_(closed))), ("bank_details", "route_details", "note")),
        (SubGrant, SubGrant.award_id.in_(closed), ("recipient_details",)),
    ]
    for model, where, columns in targets:
        still_there = sa.or_(*(getattr(model, c).is_not(None) for c in columns))
        count = db.session.scalar(sa.select(sa.func.count()).select_from(model)
                                  .where(where, still_there))
        report.add(f"{model.__tablename__} erased (closed awards)", count)
        if count and not dry_run:
            db.session.execute(sa.update(model).where(where, still_there)
                               .values(dict.fromkeys(columns))
                               .execution_options(synchronize_session=False))


def _delete_sessions(report: PurgeReport, before: datetime, now: datetime,
                     dry_run: bool) -> None:
    for model, due in (
            (UserSession, sa.or_(UserSession.ended_at < before, UserSession.expires_at < before)),
            (FormRescue, FormRescue.expires_at < now)):
        count = db.session.scalar(sa.select(sa.func.count()).select_from(model).where(due))
        report.add(f"{model.__tablename__} deleted", count)
        if count and not dry_run:
            db.session.execute(sa.delete(model).where(due))
