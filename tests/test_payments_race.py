"""Officers scheduling payments on one tranche at the same moment never commit more than
the tranche (PostgreSQL only: SQLite has a single writer).

The threads cannot share the test's rolled-back transaction, so they run in a second app
on the same database with its own engine (Flask-SQLAlchemy keeps engines per app): each
thread has its own app context, session and connection, and commits for real. The rows
the test makes are its own (a new fund, group, award) and are deleted afterwards; the
test checks every table holds as many rows as before.
"""

from __future__ import annotations

import secrets
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from grants.errors import ServiceError
from grants.extensions import db
from grants.models import (
    COMMITTED_DISBURSEMENT,
    ApplicationStatus,
    AuditEvent,
    Award,
    CallType,
    Disbursement,
    PaymentRoute,
    Role,
    Tranche,
    User,
)
from grants.payments import ledger
from tests import factories
from tests.race import POSTGRES_ONLY, row_counts, second_app

pytestmark = POSTGRES_ONLY

THREADS = 24
AMOUNT = 7_000  # the tranche is 100,000: at most 14 of these fit
OFFICERS = 4


@pytest.fixture
def race_app(app):
    """The same portal on the same database, with an engine of its own."""
    with second_app(app, THREADS + 2) as other:
        yield other



def _setup() -> tuple[int, list[int]]:
    """A fresh award with its first tranche released, and officers; committed for real."""
    tag = secrets.token_hex(3)
    officers = [factories.user(Role.OFFICER, username=f"race{tag}{i}") for i in range(OFFICERS)]
    core = factories.call(factories.fund(), call_type=CallType.CORE_SUPPORT, max_years=3)
    org = factories.organisation(name=f"Race group {tag}")
    application = factories.application(core, org, status=ApplicationStatus.UNDER_REVIEW)
    award = factories.award(application, officers[0])
    tranche = factories.release(award.tranches[0], officers[0])
    db.session.commit()
    assert tranche.amount_minor == 100_000
    return tranche.id, [o.id for o in officers]


def _teardown(tranche_id: int, officer_ids: list[int], first_event: int) -> None:
    db.session.rollback()
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.id >= first_event))
    db.session.execute(sa.delete(Disbursement).where(Disbursement.tranche_id == tranche_id))
    award = db.session.get(Tranche, tranche_id).award
    application, call = award.application, award.application.call
    fund, org = call.fund, award.organisation
    for obj in (award, application, call, fund, org):
        db.session.delete(obj)
        db.session.flush()
    db.session.execute(sa.delete(User).where(User.id.in_(officer_ids)))
    db.session.commit()


def _attempt(race_app, barrier: threading.Barrier, tranche_id: int, officer_id: int):
    """One officer schedules AMOUNT on the tranche; True if it was committed."""
    with race_app.app_context():
        try:
            officer = db.session.get(User, officer_id)
            tranche = db.session.get(Tranche, tranche_id)
            db.session.rollback()  # start the race without a transaction open
            barrier.wait(timeout=30)
            ledger.schedule(officer, tranche, PaymentRoute.BANK_TRANSFER, AMOUNT)
            db.session.commit()
            return True
        except ServiceError as exc:
            db.session.rollback()
            assert "is left on tranche 1" in exc.message
            return False
        finally:
            db.session.remove()


def test_concurrent_scheduling_never_commits_more_than_the_tranche(race_app):
    with race_app.app_context():
        before = row_counts()
        first_event = (db.session.scalar(sa.select(sa.func.max(AuditEvent.id))) or 0) + 1
        tranche_id, officer_ids = _setup()
    try:
        barrier = threading.Barrier(THREADS)
        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            results = list(pool.map(
                lambda i: _attempt(race_app, barrier, tranche_id, officer_ids[i % OFFICERS]),
                range(THREADS)))
        with race_app.app_context():
            amounts = db.session.scalars(sa.select(Disbursement.amount_minor).where(
                Disbursement.tranche_id == tranche_id,
                Disbursement.status.in_(COMMITTED_DISBURSEMENT))).all()
            tranche = db.session.get(Tranche, tranche_id)
            assert sum(amounts) <= tranche.amount_minor
            assert results.count(True) == len(amounts) == 100_000 // AMOUNT  # 14 of 24
            assert results.count(False) == THREADS - 100_000 // AMOUNT
            assert ledger.left(tranche) == 100_000 - 14 * AMOUNT
            db.session.rollback()
    finally:
        with race_app.app_context():
            _teardown(tranche_id, officer_ids, first_event)
            assert row_counts() == before  # nothing of the race is left behind


def test_the_race_app_does_not_share_the_tests_transaction(app, race_app):
    """The guard the race depends on: the second app's engine is its own."""
    with app.app_context():
        bound = db.engines[None]
    with race_app.app_context():
        assert db.engines[None] is not bound
        assert isinstance(db.engines[None], sa.Engine)
        assert db.session.get(Award, 0) is None
