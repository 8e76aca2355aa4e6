"""Triage and review: assignments, conflict declarations, the rubric and scores.

A Review row is an assignment. Its reviewer first answers the conflict-of-interest question
(nothing of the application is shown before); a declared conflict hides the application
from them for good and is kept in the audit log (the note itself stays encrypted, never in
the log). The queue lives in `grants.review.queue`, decisions in `grants.review.decisions`.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from grants import notifications
from grants.applications.services import change_status
from grants.content import N_
from grants.errors import ServiceError
from grants.extensions import db
from grants.models import (
    Application,
    ApplicationStatus,
    Call,
    Recommendation,
    Review,
    User,
)
from grants.models.types import utcnow
from grants.policy import OFFICER_ROLES, STAFF_REVIEWERS, Permission, assignment, require_to
from grants.security import audit

# Stored in English as the keys of a review's scores; shown translated (content.shipped).
DEFAULT_CRITERIA = (N_("Fit with the fund's purpose"), N_("Need and urgency"),
                    N_("Feasibility"), N_("Safety of the plan"))
MAX_CRITERIA = 8
CRITERION_MAX_CHARS = 120
COMMENT_MAX_CHARS = 5000
NOTE_MAX_CHARS = 2000


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


def officers() -> list[User]:
    """Active programme officers (those `assign_officer` may choose)."""
    return list(db.session.scalars(sa.select(User).where(
        User.role.in_(OFFICER_ROLES), User.is_active.is_(True)).order_by(User.username)))


def possible_reviewers(application: Application) -> list[User]:
    """Active reviewers and officers not yet assigned to the application."""
    taken = sa.select(Review.reviewer_id).where(Review.application_id == application.id)
    return list(db.session.scalars(sa.select(User).where(
        User.role.in_(STAFF_REVIEWERS), User.is_active.is_(True),
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

def open_for_review(application: Application) -> bool:
    """Officers and reviewers may still be assigned: sent, and not decided or withdrawn."""
    return application.status in ApplicationStatus.REVIEWABLE


def _open_for_review(application: Application) -> None:
    if not open_for_review(application):
        raise ServiceError("This application is no longer open for review.")


def _start_review(actor: User, application: Application) -> None:
    """A sent application that someone starts working on is being reviewed."""
    if application.status == ApplicationStatus.SUBMITTED:
        change_status(actor, application, ApplicationStatus.UNDER_REVIEW)


def assign_officer(actor: User, application: Application, officer: User) -> None:
    """Make `officer` the one who carries the application to a decision."""
    _open_for_review(application)
    require_to(officer, Permission.BE_ASSIGNED_OFFICER, application, field="officer")
    application.assigned_officer_id = officer.id
    _start_review(actor, application)
    db.session.flush()
    audit.record(actor, "application.officer_assigned", application, officer_id=officer.id)
    if officer.id != actor.id:
        notifications.notify(officer, "application_update")


def assign_reviewer(actor: User, application: Application, reviewer: User) -> Review:
    """Ask `reviewer` to review; they answer the conflict question before seeing anything."""
    _open_for_review(application)
    require_to(reviewer, Permission.BE_ASSIGNED_REVIEWER, application, field="reviewer")
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


# Conflicts ------------------------------------------------------------------------------------

def declare(actor: User, application: Application, *, conflict: bool, note: str = "",
            now: datetime | None = None) -> Review:
    """Answer the conflict-of-interest question. An officer who was not assigned may recuse
    themselves (a conflict only); a conflict also takes them off the application."""
    require_to(actor, Permission.DECLARE_CONFLICT, application)
    review = assignment(actor, application)
    if review is None and not conflict:  # unassigned, an officer only steps away
        raise ServiceError("You are not assigned to review this application.")
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
    require_to(actor, Permission.REVIEW_APPLICATION, application)
    if review.reviewer_id != actor.id:  # the policy cleared the actor's own review only
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
