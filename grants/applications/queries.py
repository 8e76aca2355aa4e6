"""What the application pages read: a member's groups and drafts for a call, a member's
applications, and the officers' list of sent applications with its call filter; and what
the menu asks of applications on every page, kept built (house style 16).

The menu's statements are built once per process: building them again on every request,
and having SQLAlchemy work out their cache key again, cost some 0.4 ms of a logged-in
page's 2.2 (in-process, bench data N=1). tests/test_applications_queries.py checks that
each returns what the plain query returns, in one statement.
"""

from __future__ import annotations

import functools
import json
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from grants.applications.services import applying_kinds
from grants.extensions import db
from grants.models import (
    Application,
    ApplicationStatus,
    Call,
    CallStatus,
    CallText,
    CallType,
    Membership,
    Organisation,
    User,
)
from grants.models.organisations import by_name
from grants.models.types import utcnow


def _of_member(actor: User):
    return sa.select(Application).join(
        Membership, Membership.organisation_id == Application.organisation_id).where(
        Membership.user_id == actor.id)


def groups_for_call(actor: User, call: Call) -> list[Organisation]:
    """The actor's groups whose kind the call takes."""
    return by_name(db.session.scalars(
        sa.select(Organisation).join(Membership)
        .where(Membership.user_id == actor.id, Organisation.kind.in_(applying_kinds(call)))))


def drafts_for_call(actor: User, call: Call) -> list[Application]:
    return list(db.session.scalars(_of_member(actor).where(
        Application.call_id == call.id, Application.status == ApplicationStatus.DRAFT)))


def applications_of(actor: User) -> list[Application]:
    """Every application of the actor's groups, last changed first."""
    return list(db.session.scalars(
        _of_member(actor).options(selectinload(Application.call).selectinload(Call.texts),
                                  selectinload(Application.organisation))
        .order_by(Application.updated_at.desc(), Application.id.desc())))


def published_call_choices(language: str) -> list[tuple[int, str | None]]:
    """The officers' call filter: the funder's open and closed calls (not drafts, not
    intermediaries' own calls), newest first, as (id, title in `language`, else in the
    call's first language, else any; as `Call.text`), read as plain rows in one query: a
    list of options needs no Call objects. Languages come as their JSON text, read only
    for a call without a title in `language`."""
    rows = db.session.execute(
        sa.select(Call.id, sa.cast(Call.languages, sa.Text), CallText.language, CallText.title)
        .outerjoin(CallText, CallText.call_id == Call.id)
        .where(Call.status != CallStatus.DRAFT, Call.intermediary_id.is_(None))
        .order_by(Call.created_at.desc(), Call.id, CallText.language))
    titles: dict[int, dict[str, str]] = {}
    languages: dict[int, str] = {}
    for call_id, call_languages, text_language, title in rows:
        by_lang = titles.setdefault(call_id, {})
        languages[call_id] = call_languages
        if text_language is not None:
            by_lang[text_language] = title
    return [(call_id, _choice_title(by_lang, language, languages[call_id]))
            for call_id, by_lang in titles.items()]


def _choice_title(by_lang: dict[str, str], language: str, languages: str) -> str | None:
    if language in by_lang:
        return by_lang[language]
    first = next(iter(json.loads(languages) or []), None)
    if first in by_lang:
        return by_lang[first]
    return next(iter(by_lang.values()), None)


STAFF_STATUSES = tuple(s for s in ApplicationStatus if s not in ApplicationStatus.UNSENT)


def sent_applications(call_id: int | None = None, status: str | None = None) -> sa.Select:
    """Sent applications for officers, newest first (drafts and withdrawn ones stay the
    group's own), optionally of one call and in one status."""
    q = (sa.select(Application).join(Call, Application.call_id == Call.id)
         .where(Application.status.in_(STAFF_STATUSES), Call.intermediary_id.is_(None))
         .options(selectinload(Application.call).selectinload(Call.texts))
         .order_by(Application.submitted_at.desc(), Application.id.desc()))
    if call_id:
        q = q.where(Application.call_id == call_id)
    if status in STAFF_STATUSES:
        q = q.where(Application.status == ApplicationStatus(status))
    return q


# The menu, on every page -------------------------------------------------------------------

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
