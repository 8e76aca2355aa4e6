"""Reveal on demand: an officer sees a high-risk group's identifying and sensitive details
only after saying why, and that is logged.

By default officers see the code name and coarse facts (country, amount, status). For an
application marked at high risk, its threats, safe contact, sensitive answers, status notes
and messages, and its group's contact and identity details, stay hidden until the officer
reveals them with one of a few fixed reasons. The reveal is an audit event (who, which
application, which reason; no free text, so nothing sensitive enters the log) and lasts
REVEAL_HOURS for that officer.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from grants.extensions import db
from grants.models import Application, ApplicationStatus, AuditEvent, Organisation, RiskLevel
from grants.models.types import utcnow
from grants.security import audit

ACTION = "application.revealed"
REASONS = ("decide", "contact", "payment", "safety", "other")


def needs_reveal(application: Application) -> bool:
    return application.risk_level == RiskLevel.HIGH


def _since():
    return utcnow() - timedelta(hours=current_app.config.get("REVEAL_HOURS", 8))


def revealed(user, application: Application) -> bool:
    """Whether `user` revealed this application within the reveal period."""
    return db.session.scalar(sa.select(sa.exists().where(
        AuditEvent.action == ACTION, AuditEvent.actor_id == user.id,
        AuditEvent.object_type == "applications", AuditEvent.object_id == application.id,
        AuditEvent.created_at >= _since()))) or False


def org_at_high_risk(org: Organisation) -> bool:
    return db.session.scalar(sa.select(sa.exists().where(
        Application.organisation_id == org.id, Application.risk_level == RiskLevel.HIGH,
        Application.status.not_in((ApplicationStatus.DRAFT, ApplicationStatus.WITHDRAWN))))
    ) or False


def org_revealed(user, org: Organisation) -> bool:
    """Whether `user` revealed one of the group's applications within the period."""
    ids = sa.select(Application.id).where(Application.organisation_id == org.id)
    return db.session.scalar(sa.select(sa.exists().where(
        AuditEvent.action == ACTION, AuditEvent.actor_id == user.id,
        AuditEvent.object_type == "applications", AuditEvent.object_id.in_(ids),
        AuditEvent.created_at >= _since()))) or False


def reveal(user, application: Application, reason: str) -> None:
    """Record that `user` opens the application's sensitive details, and why."""
    if reason not in REASONS:
        raise ValueError(f"unknown reveal reason {reason!r}")
    audit.record(user, ACTION, application, reason=reason)
