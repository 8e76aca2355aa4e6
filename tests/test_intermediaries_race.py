"""Intermediary staff sub-granting, and recording payments, on one regranting award at the
same moment never pass the pool (PostgreSQL only: SQLite has a single writer).

As in tests/test_payments_race.py, the threads run in a second app on the same database
with an engine of their own, and commit for real; the rows made are deleted afterwards
and every table holds as many rows as before.
"""

from __future__ import annotations

import secrets
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from grants.errors import ServiceError
from grants.extensions import db
from grants.intermediaries import pool, subgrants
from grants.models import (
    AuditEvent,
    Award,
    Disbursement,
    OrgKind,
    PaymentRoute,
    Role,
    SubGrant,
    SubGrantPayment,
    Tranche,
    User,
)
from tests import factories
from tests.race import POSTGRES_ONLY, row_counts, second_app

pytestmark = POSTGRES_ONLY

THREADS = 20
REGRANTING = 100_000  # the pool
AMOUNT = 7_000  # at most 14 sub-grants of this fit
PAYMENT = 3_000  # a 20,000 sub-grant takes at most 6 of these
RECEIVED = 16_000  # what the funder paid the intermediary: room for 5 of them


@pytest.fixture
def race_app(app):
    """The same portal on the same database, with an engine of its own."""
    with second_app(app, THREADS + 2) as other:
        yield other



def _setup() -> tuple[int, int, int]:
    """An intermediary with staff and a regranting award of REGRANTING; committed."""
    tag = secrets.token_hex(3)
    staff = factories.user(Role.INTERMEDIARY, username=f"regrant{tag}")
    officer = factories.user(Role.OFFICER, username=f"officer{tag}")
    org = factories.organisation(staff, kind=OrgKind.INTERMEDIARY, name=f"Race fund {tag}")
    award = factories.regranting_award(org, factories.fund(), officer,
                                       regranting_minor=REGRANTING)
    factories.paid_to_intermediary(award, officer, RECEIVED)
    db.session.commit()
    return award.id, staff.id, officer.id


def _teardown(award_id: int, user_ids: list[int], first_event: int) -> None:
    db.session.rollback()
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.id >= first_event))
    grants = sa.select(SubGrant.id).where(SubGrant.award_id == award_id)
    db.session.execute(sa.delete(SubGrantPayment).where(SubGrantPayment.sub_grant_id.in_(grants)))
    db.session.execute(sa.delete(SubGrant).where(SubGrant.award_id == award_id))
    tranches = sa.select(Tranche.id).where(Tranche.award_id == award_id)
    db.session.execute(sa.delete(Disbursement).where(Disbursement.tranche_id.in_(tranches)))
    award = db.session.get(Award, award_id)
    fund, org = award.fund, award.organisation
    for obj in (award, fund, org):
        db.session.delete(obj)
        db.session.flush()
    db.session.execute(sa.delete(User).where(User.id.in_(user_ids)))
    db.session.commit()


def _race(race_app, action) -> list[bool]:
    barrier = threading.Barrier(THREADS)

    def attempt(i: int) -> bool:
        with race_app.app_context():
            try:
                prepared = action(i)  # loads what it needs, then the race starts together
                db.session.rollback()
                barrier.wait(timeout=30)
                prepared()
                db.session.commit()
                return True
            except ServiceError:
                db.session.rollback()
                return False
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=THREADS) as executor:
        return list(executor.map(attempt, range(THREADS)))


def test_concurrent_sub_grants_and_payments_never_pass_the_pool(race_app):
    with race_app.app_context():
        before = row_counts()
        first_event = (db.session.scalar(sa.select(sa.func.max(AuditEvent.id))) or 0) + 1
        award_id, staff_id, officer_id = _setup()
    try:
        def grant(i):
            staff, award = db.session.get(User, staff_id), db.session.get(Award, award_id)
            return lambda: subgrants.make_sub_grant(
                staff, award, recipient_code=f"RACE-{i}", amount_minor=AMOUNT, country="KE")

        results = _race(race_app, grant)
        with race_app.app_context():
            award = db.session.get(Award, award_id)
            figures = pool.pool(award)
            assert results.count(True) == REGRANTING // AMOUNT == 14
            assert figures.sub_granted == 14 * AMOUNT <= REGRANTING
            # Make room for one 20,000 sub-grant to pay out in a race.
            db.session.execute(sa.delete(SubGrant).where(SubGrant.award_id == award_id,
                                                         SubGrant.recipient_code != "RACE-0"))
            target = subgrants.make_sub_grant(db.session.get(User, staff_id), award,
                                              recipient_code="PAY-1", amount_minor=20_000,
                                              country="KE")
            db.session.commit()
            target_id = target.id

        def pay(i):
            staff, target = db.session.get(User, staff_id), db.session.get(SubGrant, target_id)
            return lambda: subgrants.record_payment(
                staff, target, amount_minor=PAYMENT, route=PaymentRoute.MOBILE_MONEY,
                paid_on=target.created_at.date())

        paid = _race(race_app, pay)
        with race_app.app_context():
            target = db.session.get(SubGrant, target_id)
            total = sum(p.amount_minor for p in target.payments)
            # paid out <= what the funder paid, as it binds before the sub-grant does
            assert paid.count(True) == RECEIVED // PAYMENT == 5
            assert target.paid_minor == total == 5 * PAYMENT <= RECEIVED
            assert pool.pool(db.session.get(Award, award_id)).available == RECEIVED - 5 * PAYMENT
            db.session.rollback()
    finally:
        with race_app.app_context():
            _teardown(award_id, [staff_id, officer_id], first_event)
            assert row_counts() == before
