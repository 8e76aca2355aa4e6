"""Reveal on demand: an officer sees a high-risk group's identifying and sensitive details
only after saying why, and that is logged.

By default officers see the code name and coarse facts (country, amount, status). For an
application marked at high risk (an emergency request is, unless the defender says
otherwise) or whose group is, its threats, safe contact, sensitive answers, status notes
and messages, and its group's contact and identity details, stay hidden until the officer
reveals them with one of a few fixed reasons. The reveal is an audit event (who, which
application, which reason; no free text, so nothing sensitive enters the log) and lasts
REVEAL_HOURS for that officer.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, g
from sqlalchemy.orm import aliased

from grants.extensions import db
from grants.models import Application, ApplicationStatus, AuditEvent, Organisation, RiskLevel
from grants.models.types import utcnow
from grants.security import audit

ACTION = "application.revealed"
REASONS = ("decide", "contact", "payment", "safety", "other")


def needs_reveal(application: Application) -> bool:
    """At high risk itself, or its group is (a group's risk is the highest of its
    applications', so a request marked low by a group in danger is not left open)."""
    return application.risk_level == RiskLevel.HIGH \
        or org_at_high_risk(application.organisation)


def _since():
    return utcnow() - timedelta(hours=current_app.config.get("REVEAL_HOURS", 8))


def revealed(user, application: Application) -> bool:
    """Whether `user` revealed this application within the reveal period."""
    return db.session.scalar(sa.select(sa.exists().where(
        AuditEvent.action == ACTION, AuditEvent.actor_id == user.id,
        AuditEvent.object_type == "applications", AuditEvent.object_id == application.id,
        AuditEvent.created_at >= _since()))) or False


# A group's risk, wherever staff see the group (its page, exports, open data): the highest
# of the risks of the applications it sent. A draft has not been said to anyone yet; a
# withdrawn application still tells what danger the group is in.
_UNSENT = (ApplicationStatus.DRAFT,)


def group_at_high_risk(org_id_column) -> sa.ColumnElement[bool]:
    """Whether the group (its id, or a column holding it) sent an application at high
    risk: the one rule, in SQL, for a row of any query."""
    other = aliased(Application)
    return sa.exists().where(
        other.organisation_id == org_id_column, other.risk_level == RiskLevel.HIGH,
        other.status.not_in(_UNSENT))


def group_risk(org: Organisation) -> RiskLevel:
    """The highest risk among the applications the group sent (low when none)."""
    levels = set(db.session.scalars(sa.select(Application.risk_level).distinct().where(
        Application.organisation_id == org.id, Application.status.not_in(_UNSENT))))
    return next((r for r in (RiskLevel.HIGH, RiskLevel.MEDIUM) if r in levels), RiskLevel.LOW)


def org_at_high_risk(org: Organisation) -> bool:
    return db.session.scalar(sa.select(group_at_high_risk(org.id))) or False


def org_revealed(user, org: Organisation) -> bool:
    """Whether `user` revealed one of the group's applications within the period."""
    ids = sa.select(Application.id).where(Application.organisation_id == org.id)
    return db.session.scalar(sa.select(sa.exists().where(
        AuditEvent.action == ACTION, AuditEvent.actor_id == user.id,
        AuditEvent.object_type == "applications", AuditEvent.object_id.in_(ids),
        AuditEvent.created_at >= _since()))) or False


def _hidden_codes(user, org_ids: set[int]) -> dict[int, str]:
    """Of the groups `org_ids`, those at high risk none of whose applications `user`
    revealed within the period, each with the first code name of its high-risk applications
    (one statement)."""
    mine = aliased(Application)
    opened = sa.exists().where(
        AuditEvent.action == ACTION, AuditEvent.actor_id == user.id,
        AuditEvent.object_type == "applications", AuditEvent.created_at >= _since(),
        AuditEvent.object_id.in_(sa.select(mine.id).where(
            mine.organisation_id == Application.organisation_id)))
    rows = db.session.execute(
        sa.select(Application.organisation_id, sa.func.min(Application.code_name))
        .where(Application.organisation_id.in_(org_ids),
               Application.risk_level == RiskLevel.HIGH,
               Application.status.not_in(_UNSENT), ~opened)
        .group_by(Application.organisation_id))
    return dict(rows.all())


def hidden_code(user, org: Organisation) -> str | None:
    """The code name `user` sees the group by, or None when its name is not hidden from
    them (not at high risk, or revealed). Answered, for every group loaded in the session
    at once and kept for the request, so that a list of groups costs one statement."""
    cache = g.setdefault("hidden_group_codes", {})
    if (user.id, org.id) not in cache:
        ids = {key[1][0] for key in db.session.identity_map
               if key[0] is Organisation} | {org.id}
        ids = {i for i in ids if (user.id, i) not in cache}
        found = _hidden_codes(user, ids)
        cache.update({(user.id, i): found.get(i) for i in ids})
    return cache[(user.id, org.id)]


def reveal(user, application: Application, reason: str) -> None:
    """Record that `user` opens the application's sensitive details, and why."""
    if reason not in REASONS:
        raise ValueError(f"unknown reveal reason {reason!r}")
    audit.record(user, ACTION, application, reason=reason)
    g.pop("hidden_group_codes", None)
