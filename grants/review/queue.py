"""The officers' review queue and the reviewer's list: filters, the urgency order, pages.

Calls set the coarse order (rapid response first, then by deadline, rolling calls last), so
a page is found by counting the queue per call from an index and sorting only the calls'
applications that hold the page, never the whole queue row by row.
"""

from __future__ import annotations

import dataclasses
from collections import Counter

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import contains_eager, load_only, selectinload

from grants.extensions import db
from grants.models import (
    Application,
    ApplicationStatus,
    Call,
    CallType,
    Review,
    User,
)

# Those open for review, in the enum's order (the queue's status filter lists them so).
QUEUE_STATUSES = tuple(s for s in ApplicationStatus if s in ApplicationStatus.REVIEWABLE)


@dataclasses.dataclass
class Filters:
    call_id: int | None = None
    status: str = ""
    country: str = ""
    call_type: str = ""
    mine: bool = False


def officer_queue(actor: User, f: Filters) -> sa.Select:
    """Sent applications still to decide, most urgent first: rapid response by time left on
    its decision clock, then the earliest call deadline (rolling calls last), then the
    longest wait since sending.
    Applications the officer declared a conflict on are left out, and so are those sent to
    an intermediary's own call (the intermediary decides them; the funder never sees them)
    and routed ones the intermediary has not endorsed yet (not in QUEUE_STATUSES)."""
    q = (sa.select(Application).join(Call, Application.call_id == Call.id)
         .where(*_in_queue(actor), Call.intermediary_id.is_(None))
         .options(contains_eager(Application.call).selectinload(Call.texts)))
    q = _call_filtered(_filtered(q, f, actor), f)
    rapid = sa.case((Call.call_type == CallType.RAPID_RESPONSE, 0), else_=1)
    # Rapid-response requests by time left on their clock (its target fixed at sending).
    due = sa.case((Call.call_type == CallType.RAPID_RESPONSE,
                   sa.func.coalesce(Application.rapid_due_at, Application.submitted_at)))
    return q.order_by(rapid, due, sa.case((Call.closes_at.is_(None), 1), else_=0),
                      Call.closes_at, Application.submitted_at, Application.id)


def _in_queue(actor: User) -> tuple:
    conflicted = sa.select(Review.application_id).where(
        Review.reviewer_id == actor.id, Review.conflict_declared.is_(True))
    return Application.status.in_(QUEUE_STATUSES), Application.id.not_in(conflicted)


def _filtered(q: sa.Select, f: Filters, actor: User) -> sa.Select:
    """The filters on the application itself (ix_applications_queue holds them all)."""
    if f.call_id:
        q = q.where(Application.call_id == f.call_id)
    if f.status in {s.value for s in QUEUE_STATUSES}:
        q = q.where(Application.status == ApplicationStatus(f.status))
    if f.country:
        q = q.where(Application.country == f.country)
    if f.mine:
        q = q.where(Application.assigned_officer_id == actor.id)
    return q


def _call_filtered(q: sa.Select, f: Filters) -> sa.Select:
    if f.call_type in {t.value for t in CallType}:
        q = q.where(Call.call_type == CallType(f.call_type))
    return q


# What a row of the queue shows (templates/review/queue.html): not the encrypted fields,
# which would be read and decrypted for nothing.
QUEUE_ROW_COLUMNS = (Application.id, Application.call_id, Application.code_name,
                     Application.status, Application.country, Application.currency,
                     Application.amount_requested_minor, Application.submitted_at,
                     Application.decided_at, Application.rapid_category,
                     Application.rapid_due_at, Application.assigned_officer_id,
                     Application.awaiting_answer_since)


class QueuePage(Pagination):
    """One page of `officer_queue` without sorting the whole queue on every request.

    The calls give the coarse order: every rapid-response call first (their requests
    interleave by clock), then calls by deadline (those closing at the same moment
    interleave by sending), rolling calls last. Counting the queue per call (one pass over
    ix_applications_queue, which also gives the total) tells which of these groups of
    calls hold the rows of this page, and only their applications are sorted and loaded.
    Rows, order and total are those of `officer_queue` sliced by page."""

    def _query_items(self) -> list[Application]:
        actor, f = self._query_args["actor"], self._query_args["filters"]
        groups = _urgency_groups(f, _counts_per_call(actor, f))
        self._total = sum(n for _, n in groups)
        offset, end = self._query_offset, self._query_offset + self.per_page
        window: list[int] = []
        start = skip = 0
        for call_ids, n in groups:
            if start < end and start + n > offset:
                if not window:
                    skip = offset - start  # rows of the first group before this page
                window += call_ids
            start += n
        if not window:
            return []
        q = (officer_queue(actor, f).where(Application.call_id.in_(window))
             .options(load_only(*QUEUE_ROW_COLUMNS)))
        return list(db.session.scalars(q.offset(skip).limit(self.per_page)))

    def _query_count(self) -> int:
        return self._total  # counted by _query_items, which Pagination calls first


def queue_page(actor: User, f: Filters, page: int, per_page: int) -> QueuePage:
    """The officer's queue (see `officer_queue`), `per_page` rows from page `page`."""
    return QueuePage(page=page, per_page=per_page, max_per_page=None, error_out=False,
                     actor=actor, filters=f)


def _counts_per_call(actor: User, f: Filters) -> Counter:
    q = _filtered(sa.select(Application.call_id, sa.func.count()).where(*_in_queue(actor)),
                  f, actor)
    # Grouped in the index's order (status, call_id): no sort, no join per row.
    counts: Counter = Counter()
    for call_id, n in db.session.execute(q.group_by(Application.status,
                                                    Application.call_id)):
        counts[call_id] += n
    return counts


def _urgency_groups(f: Filters, counts: Counter) -> list[tuple[list[int], int]]:
    """(call ids, applications in the queue) per group of calls sorted together, in the
    queue's order; intermediaries' own calls and calls of another type are left out."""
    q = _call_filtered(sa.select(Call.id, Call.call_type, Call.closes_at)
                       .where(Call.intermediary_id.is_(None)), f)
    groups: dict[tuple, list[int]] = {}
    for call in db.session.execute(q):
        if counts[call.id]:
            key = ((0,) if call.call_type == CallType.RAPID_RESPONSE
                   else (2,) if call.closes_at is None else (1, call.closes_at))
            groups.setdefault(key, []).append(call.id)
    return [(ids, sum(counts[i] for i in ids)) for _, ids in sorted(groups.items())]


def reviewer_queue(actor: User) -> list[Review]:
    """The actor's open assignments without a declared conflict, oldest sending first."""
    return list(db.session.scalars(
        sa.select(Review).join(Application)
        .where(Review.reviewer_id == actor.id, Review.conflict_declared.is_(False),
               Application.status.in_(ApplicationStatus.REVIEWABLE))
        .options(selectinload(Review.application).selectinload(Application.call)
                 .selectinload(Call.texts))
        .order_by(Application.submitted_at, Application.id)))


def queue_countries() -> list[str]:
    """The countries of applications in the queue (conflicts included), in code order.
    A walk over the distinct countries of all applications, one seek each on
    ix_applications_country_status, keeping those with an application in the queue: its
    cost follows the number of countries, not of applications."""
    walk = sa.select(sa.func.min(Application.country).label("country")).cte(
        "countries", recursive=True)
    after = sa.select(sa.func.min(Application.country)).where(
        Application.country > walk.c.country).scalar_subquery()
    walk = walk.union_all(sa.select(after).where(walk.c.country.is_not(None)))
    # One seek per country on (country, status): a scalar subquery with LIMIT 1 (PostgreSQL
    # would turn EXISTS into one join over the whole queue) and no join to calls (SQLite
    # would then seek on the country alone).
    intermediaries = sa.select(Call.id).where(Call.intermediary_id.is_not(None))
    queued = (sa.select(sa.literal(1))
              .where(Application.country == walk.c.country,
                     Application.status.in_(QUEUE_STATUSES),
                     Application.call_id.not_in(intermediaries))
              .limit(1).scalar_subquery())
    return list(db.session.scalars(
        sa.select(walk.c.country).where(queued.is_not(None)).order_by(walk.c.country)))
