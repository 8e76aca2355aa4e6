"""What the menu asks of applications on every page, kept built (house style 16).

Each statement is built once per process: building it again on every request, and having
SQLAlchemy work out its cache key again, cost some 0.4 ms of a logged-in page's 2.2
(in-process, bench data N=1). tests/test_applications_queries.py checks that each returns
what the plain query returns, in one statement.
"""

from __future__ import annotations

import functools
from datetime import datetime

import sqlalchemy as sa

from grants.extensions import db
from grants.models import (
    Application,
    ApplicationStatus,
    Call,
    CallStatus,
    CallType,
    Membership,
    User,
)
from grants.models.types import utcnow


def open_rapid(columns, now: datetime) -> sa.Select:
    """Open rapid-response calls of the funder: call_is_open, said in SQL (published as
    open, started, its deadline not passed)."""
    return sa.select(*columns).where(
        Call.call_type == CallType.RAPID_RESPONSE, Call.status == CallStatus.OPEN,
        Call.intermediary_id.is_(None),
        sa.or_(Call.opens_at.is_(None), Call.opens_at <= now),
        sa.or_(Call.closes_at.is_(None), Call.closes_at > now)).order_by(Call.id)


def menu_call_id() -> int | None:
    """The open rapid-response call the menu's "Emergency request" link leads to, if any.

    Asked on every page: one row, one column, no objects built."""
    return db.session.scalar(_menu_call_statement(), {"now": utcnow()})


@functools.cache
def _menu_call_statement() -> sa.Select:
    return open_rapid([Call.id], sa.bindparam("now", type_=Call.opens_at.type)).limit(1)


def waiting_count(user: User) -> int:
    """How many applications of the user's groups wait for their answer to an officer's
    question (the menu says so on every page of a group's member: one small query)."""
    if not user.memberships:
        return 0
    return db.session.scalar(_waiting_statement(), {"user_id": user.id}) or 0


@functools.cache
def _waiting_statement() -> sa.Select:
    return (sa.select(sa.func.count(Application.id))
            .join(Membership, Membership.organisation_id == Application.organisation_id)
            .where(Membership.user_id == sa.bindparam("user_id"),
                   sa.or_(Application.status == ApplicationStatus.MORE_INFO_REQUESTED,
                          sa.and_(Application.awaiting_answer_since.is_not(None),
                                  Application.decided_at.is_(None)))))
