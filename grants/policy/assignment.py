"""A reviewer's or officer's assignment to an application, kept for the request that asks.

Nothing here runs at import time: `init_app` (called by the factory) hooks the forgetting
of the kept answers to the session's events.
"""

from __future__ import annotations

import functools

import sqlalchemy as sa
from flask import g, has_request_context
from sqlalchemy.orm import Session

from grants.extensions import db
from grants.models import Application, Review


def assignment(user, application: Application) -> Review | None:
    """The user's review assignment on the application, if any.

    A page asks it several times (may view, may manage, the thread, the open-data panel):
    within a request the answer is kept until the session next flushes, commits or rolls
    back, and asked afresh whenever something is pending (the query would flush it first).
    """
    session = db.session
    if not has_request_context() or session.new or session.dirty or session.deleted:
        return _assignment(user.id, application.id)
    kept = g.setdefault("_assignments", {})
    key = (user.id, application.id)
    if key not in kept:
        kept[key] = _assignment(user.id, application.id)
    return kept[key]


def _assignment(user_id: int, application_id: int) -> Review | None:
    return db.session.scalar(_assignment_statement(), {"a": application_id, "u": user_id})


@functools.cache
def _assignment_statement():
    return sa.select(Review).where(Review.application_id == sa.bindparam("a"),
                                   Review.reviewer_id == sa.bindparam("u"))


def _forget_assignments(*_args) -> None:
    if has_request_context():
        g.pop("_assignments", None)


_FORGET_ON = ("after_flush", "after_commit", "after_rollback", "after_soft_rollback")


def init_app(app) -> None:
    """Forget the answers `assignment` keeps for a request whenever the session flushes,
    commits or rolls back. The hook is on every Session, so it is added once however many
    apps are made (the tests make one per test)."""
    for event in _FORGET_ON:
        if not sa.event.contains(Session, event, _forget_assignments):
            sa.event.listen(Session, event, _forget_assignments)


def conflicted(user, application: Application) -> bool:
    """Whether `user` declared a conflict of interest on `application`."""
    review = assignment(user, application)
    return review is not None and review.conflict_declared
