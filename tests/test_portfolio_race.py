"""Focus-population tallies counted by many sendings at the same moment lose no count and
make no duplicate row (PostgreSQL only: SQLite has a single writer).

As in the other race tests, the threads run in a second app on the same database with an
engine of its own and commit for real; the rows made are deleted afterwards and every
table holds as many rows as before."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from grants.extensions import db
from grants.models import FocusTally, Fund
from grants.reporting import focus
from tests import factories
from tests.race import POSTGRES_ONLY, row_counts, second_app

pytestmark = POSTGRES_ONLY

THREADS = 16


@pytest.fixture
def race_app(app):
    with second_app(app, THREADS + 2) as other:
        yield other


def test_concurrent_first_tallies_add_up(race_app):
    with race_app.app_context():
        before = row_counts()
        fund_id = factories.fund().id
        db.session.commit()
    barrier = threading.Barrier(THREADS)

    def send(i: int) -> None:
        with race_app.app_context():
            try:
                barrier.wait(timeout=30)
                # Every thread counts "women"; half also count "lgbtiq": both rows are new.
                focus.increment(fund_id, 2026, ["women", "lgbtiq"] if i % 2 else ["women"])
                db.session.commit()
            finally:
                db.session.remove()

    try:
        with ThreadPoolExecutor(max_workers=THREADS) as executor:
            list(executor.map(send, range(THREADS)))
        with race_app.app_context():
            rows = db.session.execute(
                sa.select(FocusTally.population, FocusTally.count)
                .where(FocusTally.fund_id == fund_id).order_by(FocusTally.population)).all()
            assert [tuple(r) for r in rows] == [("lgbtiq", THREADS // 2), ("women", THREADS)]
    finally:
        with race_app.app_context():
            db.session.execute(sa.delete(FocusTally).where(FocusTally.fund_id == fund_id))
            db.session.execute(sa.delete(Fund).where(Fund.id == fund_id))
            db.session.commit()
            assert row_counts() == before
