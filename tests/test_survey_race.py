"""Members of a group answering its survey invitations at the same moment never store two
answers for one invitation, and the rewrite of the quarter (grants/reporting/survey.py)
loses no earlier answer (PostgreSQL only: SQLite has a single writer).

The threads run in a second app on the same database (tests/race.py); the rows made here
are committed for real and deleted afterwards, and every table holds as many rows as before.
"""

from __future__ import annotations

import secrets
import threading
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from grants.extensions import db
from grants.models import (
    ApplicationStatus,
    AuditEvent,
    Award,
    CallType,
    MemberRole,
    Membership,
    Role,
    SurveyInvitation,
    SurveyResponse,
    User,
)
from grants.models.types import utcnow
from grants.voice import figures as voice
from grants.voice import survey
from tests import factories
from tests.race import POSTGRES_ONLY, row_counts, second_app


def _quarter() -> str:
    return voice.quarter_of(utcnow().date())


# Members of several groups answering at the same moment (PostgreSQL) -------------------------

@POSTGRES_ONLY
def test_concurrent_answers_store_one_answer_per_invitation(app):
    """Three members send each of eight invitations at once: eight answers, the others
    refused, and the rewrites of the quarter serialised (no duplicate key, no lost answer:
    the 100 earlier answers are all still there)."""
    with second_app(app, 26) as race_app:
        with race_app.app_context():
            before = row_counts()
            first_event = (db.session.scalar(sa.select(sa.func.max(AuditEvent.id))) or 0) + 1
            kept = set(db.session.scalars(sa.select(SurveyResponse.id)))
            made = _race_setup()
        try:
            barrier = threading.Barrier(24)
            with ThreadPoolExecutor(max_workers=24) as pool:
                results = list(pool.map(lambda i: _race_answer(
                    race_app, barrier, made["invitations"][i % 8], made["users"][i // 8]),
                    range(24)))
            assert results.count(True) == 8 and results.count(False) == 16
            with race_app.app_context():
                new = set(db.session.scalars(sa.select(SurveyResponse.id))) - kept
                assert len(new) == 108
                assert db.session.scalar(sa.select(sa.func.count()).where(
                    SurveyInvitation.id.in_(made["invitations"]),
                    SurveyInvitation.closed.is_(True))) == 8
        finally:
            with race_app.app_context():
                _race_teardown(made, kept, first_event)
                assert row_counts() == before


def _race_setup() -> dict:
    tag = secrets.token_hex(3)
    officer = factories.user(Role.OFFICER, username=f"srace{tag}o")
    users = [factories.user(username=f"srace{tag}{i}") for i in range(3)]
    org = factories.organisation(users[0], name=f"Race group {tag}")
    for u in users[1:]:
        db.session.add(Membership(user=u, organisation=org, role=MemberRole.MEMBER))
    core = factories.call(factories.fund(), call_type=CallType.CORE_SUPPORT, max_years=3)
    award = factories.award(factories.application(
        core, org, status=ApplicationStatus.UNDER_REVIEW), officer)
    reports = [factories.report(award.report_requirements[0], users[0]) for _ in range(8)]
    invitations = [survey.offer(r).id for r in reports]
    # Earlier answers of the quarter, so that every rewrite has rows to overlap on.
    db.session.add_all([SurveyResponse(period=_quarter(), respectful=3, burden=3, useful=3)
                        for _ in range(100)])
    db.session.commit()
    return {"invitations": invitations, "users": [u.id for u in users], "officer": officer.id,
            "award": award.id}


def _race_answer(race_app, barrier, invitation_id: int, user_id: int) -> bool:
    with race_app.app_context():
        try:
            user = db.session.get(User, user_id)
            invitation = db.session.get(SurveyInvitation, invitation_id)
            db.session.rollback()
            barrier.wait(timeout=30)
            survey.answer(user, invitation, respectful=4, burden=2, useful=5, change="race")
            db.session.commit()
            return True
        except survey.ServiceError as exc:
            db.session.rollback()
            assert "already answered" in exc.message
            return False
        finally:
            db.session.remove()


def _race_teardown(made: dict, kept: set[str], first_event: int) -> None:
    db.session.rollback()
    db.session.execute(sa.delete(SurveyResponse).where(SurveyResponse.id.not_in(kept or [""])))
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.id >= first_event))
    db.session.execute(sa.delete(SurveyInvitation).where(
        SurveyInvitation.id.in_(made["invitations"])))
    award = db.session.get(Award, made["award"])
    application, call = award.application, award.application.call
    fund, org = call.fund, award.organisation
    for obj in (award, application, call, fund, org):
        db.session.delete(obj)
        db.session.flush()
    db.session.execute(sa.delete(User).where(User.id.in_([*made["users"], made["officer"]])))
    db.session.commit()
