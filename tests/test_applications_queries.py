"""grants/applications/queries.py against the plain queries they stand for (house style
16): the open emergency call the menu links and the questions waiting for a group's answer,
each in one statement."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from grants.applications import queries
from grants.applications.services import call_is_open
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
from tests import factories
from tests.conftest import count_queries


def _plain_menu_call_id() -> int | None:
    calls = db.session.scalars(sa.select(Call).where(
        Call.call_type == CallType.RAPID_RESPONSE, Call.intermediary_id.is_(None))
        .order_by(Call.id))
    return next((c.id for c in calls if call_is_open(c)), None)


def _plain_waiting_count(user: User) -> int:
    groups = db.session.scalars(sa.select(Membership.organisation_id)
                                .where(Membership.user_id == user.id)).all()
    applications = db.session.scalars(sa.select(Application).where(
        Application.organisation_id.in_(groups))).all()
    return sum(1 for a in applications if a.status == ApplicationStatus.MORE_INFO_REQUESTED
               or (a.awaiting_answer_since is not None and a.decided_at is None))


def _menu_call_id(app) -> int | None:
    with count_queries(app) as statements:
        found = queries.menu_call_id()
    assert len(statements) == 1, statements
    return found


def test_the_menus_emergency_call_is_the_plain_querys(app, world):
    with app.app_context():
        rapid = db.session.get(Call, world.rapid_call.id)
        assert _menu_call_id(app) == _plain_menu_call_id() == rapid.id
        later = factories.call(rapid.fund, call_type=CallType.RAPID_RESPONSE, closes_at=None,
                               questions=0)
        db.session.flush()
        assert _menu_call_id(app) == _plain_menu_call_id() == rapid.id  # the first open
        for change in (lambda: setattr(rapid, "status", CallStatus.CLOSED),
                       lambda: setattr(later, "closes_at", utcnow() - timedelta(minutes=1)),
                       lambda: setattr(later, "closes_at", None),
                       lambda: setattr(later, "opens_at", utcnow() + timedelta(days=1))):
            change()
            db.session.flush()
            assert _menu_call_id(app) == _plain_menu_call_id()
        assert _menu_call_id(app) is None


def test_the_questions_waiting_are_the_plain_querys_count(app, world):
    with app.app_context():
        users = db.session.scalars(sa.select(User).order_by(User.id)).all()
        asked = db.session.get(Application, world.submitted.id)
        for change in (lambda: None,
                       lambda: setattr(asked, "status", ApplicationStatus.MORE_INFO_REQUESTED),
                       lambda: setattr(asked, "awaiting_answer_since", utcnow())):
            change()
            db.session.flush()
            for user in users:
                groups = len(user.memberships)  # loaded already on a page (the menu's test)
                with count_queries(app) as statements:
                    found = queries.waiting_count(user)
                assert found == _plain_waiting_count(user), user.username
                assert len(statements) == (1 if groups else 0), statements
        assert queries.waiting_count(db.session.get(User, world.applicant.id)) == 1
