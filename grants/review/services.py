"""Triage and review: the queue, assignments, conflict declarations, the rubric and scores.

A Review row is an assignment. Its reviewer first answers the conflict-of-interest question
(nothing of the application is shown before); a declared conflict hides the application
from them for good and is kept in the audit log (the note itself stays encrypted, never in
the log). Decisions live in `grants.review.decisions`.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import contains_eager, load_only, selectinload

from grants import notifications
from grants.applications.services import change_status
from grants.errors import ServiceError
from grants.extensions import db
from grants.models import (
    Application,
    ApplicationStatus,
    Call,
    CallStatus,
    CallText,
    CallType,
    Recommendation,
    Review,
    Role,
    User,
)
from grants.models.types import utcnow
from grants.policy import REVIEWABLE_STATUSES, assignment
from grants.security import audit

DEFAULT_CRITERIA = ("Fit with the fund's purpose", "Need and urgency", "Feasibility",
                    "Safety of the plan")
MAX_CRITERIA = 8
CRITERION_MAX_CHARS = 120
COMMENT_MAX_CHARS = 5000
NOTE_MAX_CHARS = 2000
QUEUE_STATUSES = (ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW,
                  ApplicationStatus.MORE_INFO_REQUESTED)


# The rubric ---------------------------------------------------------------------------------

def criteria(call: Call) -> list[str]:
    """The labels reviewers score 1-5 on this call: its own rubric or the default one."""
    return list(call.review_criteria or DEFAULT_CRITERIA)


def set_rubric(actor: User, call: Call, labels: list[str]) -> None:
    """Replace the call's rubric; refused once a review was scored against the current one,
    so every score of a call is on the same criteria."""
    cleaned = [" ".join((label or "").split()) for label in labels]
    cleaned = [label for label in cleaned if label]
    if not 1 <= len(cleaned) <= MAX_CRITERIA:
        raise ServiceError("Give 1 to %(max)s criteria.", "criteria", max=MAX_CRITERIA)
    if any(len(label) > CRITERION_MAX_CHARS for label in cleaned):
        raise ServiceError("A criterion can have at most %(max)s characters.", "criteria",
                           max=CRITERION_MAX_CHARS)
    if len({label.casefold() for label in cleaned}) != len(cleaned):
        raise ServiceError("Each criterion must be different.", "criteria")
    if cleaned != criteria(call) and _scored_on(call):
        raise ServiceError("Reviews of this call are already scored on the current criteria; "
                           "they can no longer change.", "criteria")
    call.review_criteria = cleaned
    db.session.flush()
    audit.record(actor, "call.rubric_changed", call, criteria=len(cleaned))


def _scored_on(call: Call) -> bool:
    return db.session.scalar(
        sa.select(sa.func.count(Review.id)).join(Application)
        .where(Application.call_id == call.id, Review.submitted_at.is_not(None))) > 0


# The queue ----------------------------------------------------------------------------------

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
                     Application.rapid_due_at, Application.assigned_officer_id)


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
               Application.status.in_(REVIEWABLE_STATUSES))
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


def call_choices(language: str) -> list[tuple[int, str | None]]:
    """The officers' call filter: the calls of `published_calls` (newest first) as (id,
    title in `language`, else in the call's first language, else any; as `Call.text`),
    read as plain rows in one query: a list of options needs no Call objects. Languages
    come as their JSON text, read only for a call without a title in `language`."""
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
    return [(call_id, _title(by_lang, language, languages[call_id]))
            for call_id, by_lang in titles.items()]


def _title(by_lang: dict[str, str], language: str, languages: str) -> str | None:
    if language in by_lang:
        return by_lang[language]
    first = next(iter(json.loads(languages) or []), None)
    if first in by_lang:
        return by_lang[first]
    return next(iter(by_lang.values()), None)


def officers() -> list[User]:
    return list(db.session.scalars(sa.select(User).where(
        User.role == Role.OFFICER, User.is_active.is_(True)).order_by(User.username)))


def possible_reviewers(application: Application) -> list[User]:
    """Active reviewers and officers not yet assigned to the application."""
    taken = sa.select(Review.reviewer_id).where(Review.application_id == application.id)
    return list(db.session.scalars(sa.select(User).where(
        User.role.in_((Role.REVIEWER, Role.OFFICER)), User.is_active.is_(True),
        User.id.not_in(taken)).order_by(User.role, User.username)))


# Scores the officer reads ---------------------------------------------------------------------

@dataclasses.dataclass
class Summary:
    assigned: int = 0
    conflicts: int = 0
    scored: list[Review] = dataclasses.field(default_factory=list)

    @property
    def average(self) -> Decimal | None:
        """The mean of the reviews' exact means, to one decimal."""
        means = [_mean(r.criteria_scores) for r in self.scored if r.criteria_scores]
        if not means:
            return None
        return (sum(means) / len(means)).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def recommendations(self) -> Counter:
        return Counter(r.recommendation.value for r in self.scored if r.recommendation)

    def criterion_average(self, label: str) -> Decimal | None:
        values = [r.criteria_scores[label] for r in self.scored
                  if label in (r.criteria_scores or {})]
        if not values:
            return None
        return (Decimal(sum(values)) / len(values)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _mean(scores: dict[str, int]) -> Decimal:
    return Decimal(sum(scores.values())) / len(scores)


def summaries(application_ids: list[int]) -> dict[int, Summary]:
    """Review figures per application, in one query for a whole page of the queue."""
    found: dict[int, Summary] = {i: Summary() for i in application_ids}
    if not application_ids:
        return found
    for review in db.session.scalars(sa.select(Review).where(
            Review.application_id.in_(application_ids))):
        s = found[review.application_id]
        s.assigned += 1
        s.conflicts += review.conflict_declared
        if review.submitted_at is not None and not review.conflict_declared:
            s.scored.append(review)
    return found


def reviews_of(application: Application) -> list[Review]:
    return list(db.session.scalars(
        sa.select(Review).where(Review.application_id == application.id)
        .options(selectinload(Review.reviewer)).order_by(Review.id)))


def users_by_id(ids: set[int]) -> dict[int, User]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(ids)))}


# Assignments ----------------------------------------------------------------------------------

def _open_for_review(application: Application) -> None:
    if application.status not in REVIEWABLE_STATUSES:
        raise ServiceError("This application is no longer open for review.")


def _start_review(actor: User, application: Application) -> None:
    """A sent application that someone starts working on is being reviewed."""
    if application.status == ApplicationStatus.SUBMITTED:
        change_status(actor, application, ApplicationStatus.UNDER_REVIEW)


def assign_officer(actor: User, application: Application, officer: User) -> None:
    """Make `officer` the one who carries the application to a decision."""
    _open_for_review(application)
    if officer.role != Role.OFFICER or not officer.is_active:
        raise ServiceError("Choose a programme officer from the list.", "officer")
    if _has_conflict(officer, application):
        raise ServiceError("This officer declared a conflict of interest on this application.",
                           "officer")
    application.assigned_officer_id = officer.id
    _start_review(actor, application)
    db.session.flush()
    audit.record(actor, "application.officer_assigned", application, officer_id=officer.id)
    if officer.id != actor.id:
        notifications.notify(officer, "application_update")


def assign_reviewer(actor: User, application: Application, reviewer: User) -> Review:
    """Ask `reviewer` to review; they answer the conflict question before seeing anything."""
    _open_for_review(application)
    if reviewer.role not in (Role.REVIEWER, Role.OFFICER) or not reviewer.is_active:
        raise ServiceError("Choose a reviewer from the list.", "reviewer")
    if assignment(reviewer, application) is not None:
        raise ServiceError("This person is already assigned to this application.", "reviewer")
    review = Review(application_id=application.id, reviewer_id=reviewer.id,
                    assigned_by_id=actor.id)
    db.session.add(review)
    _start_review(actor, application)
    db.session.flush()
    audit.record(actor, "review.assigned", review, application_id=application.id,
                 reviewer_id=reviewer.id)
    if reviewer.id != actor.id:
        notifications.notify(reviewer, "application_update")
    return review


def _has_conflict(user: User, application: Application) -> bool:
    review = assignment(user, application)
    return review is not None and review.conflict_declared


# Conflicts ------------------------------------------------------------------------------------

def declare(actor: User, application: Application, *, conflict: bool, note: str = "",
            now: datetime | None = None) -> Review:
    """Answer the conflict-of-interest question. An officer who was not assigned may recuse
    themselves (a conflict only); a conflict also takes them off the application."""
    _open_for_review(application)
    review = assignment(actor, application)
    if review is None and (actor.role != Role.OFFICER or not conflict):
        raise ServiceError("You are not assigned to review this application.")
    if review is not None and review.declared_at is not None:
        raise ServiceError("You have already answered this question for this application.")
    text = (note or "").strip()
    if len(text) > NOTE_MAX_CHARS:
        raise ServiceError("Use at most %(max)s characters.", "note", max=NOTE_MAX_CHARS)
    if review is None:
        review = Review(application_id=application.id, reviewer_id=actor.id)
        db.session.add(review)
    review.declared_at = now or utcnow()
    review.conflict_declared = conflict
    review.conflict_note = (text or None) if conflict else None
    if conflict and application.assigned_officer_id == actor.id:
        application.assigned_officer_id = None
    db.session.flush()
    audit.record(actor, "review.conflict_declared", review, application_id=application.id,
                 conflict=conflict)
    return review


# Scoring --------------------------------------------------------------------------------------

def submit_scores(actor: User, review: Review, *, scores: dict[str, int | None],
                  recommendation: str | None, comment: str = "",
                  now: datetime | None = None) -> None:
    """Score every criterion of the call's rubric 1-5 and recommend; may be revised while
    the application is still open for review."""
    application = review.application
    _open_for_review(application)
    if review.reviewer_id != actor.id or review.declared_at is None or review.conflict_declared:
        raise ServiceError("You cannot review this application.")
    labels = criteria(application.call)
    for i, label in enumerate(labels):
        if scores.get(label) not in (1, 2, 3, 4, 5):
            raise ServiceError("Give a score from 1 to 5.", f"c{i}")
    if recommendation not in {r.value for r in Recommendation}:
        raise ServiceError("Choose a recommendation.", "recommendation")
    if len(comment or "") > COMMENT_MAX_CHARS:
        raise ServiceError("Use at most %(max)s characters.", "comment", max=COMMENT_MAX_CHARS)
    review.criteria_scores = {label: int(scores[label]) for label in labels}
    review.score = int(_mean(review.criteria_scores).quantize(Decimal(1), ROUND_HALF_UP))
    review.recommendation = Recommendation(recommendation)
    review.comment = (comment or "").strip() or None
    review.submitted_at = now or utcnow()
    db.session.flush()
    audit.record(actor, "review.submitted", review, application_id=application.id,
                 score=review.score, recommendation=review.recommendation.value)
