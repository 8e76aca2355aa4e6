"""A regranting award's pool: what the intermediary may sub-grant, has sub-granted and paid.

What it received is read from the funder's disbursement ledger: the award's disbursements
marked paid. It pays sub-grantees out of that, and beyond it only what it declared an
advance from its own funds: paid out <= received + advanced, besides sub-granted <= the
regranting part and paid <= sub-granted.

Every change to a pool first locks the award's row (SELECT ... FOR UPDATE on PostgreSQL;
SQLite has one writer), then sums under that lock: two sub-grants or payments racing on
one award are serialised, so the sums never pass their limits.
"""

from __future__ import annotations

import dataclasses

import sqlalchemy as sa

from grants.extensions import db
from grants.models import (
    Award,
    Disbursement,
    DisbursementStatus,
    SubGrant,
    SubGrantPayment,
    Tranche,
)


@dataclasses.dataclass
class Pool:
    award: Award
    regranting: int  # what the intermediary was awarded for regranting
    received: int  # paid to the intermediary so far (all of the award, not only regranting)
    sub_granted: int
    paid_out: int
    advanced: int = 0  # paid out of the intermediary's own funds, as it declared

    @property
    def available(self) -> int:
        """What may still be paid out without a new advance."""
        return self.received + self.advanced - self.paid_out

    @property
    def remaining(self) -> int:
        """What may still be sub-granted."""
        return self.regranting - self.sub_granted

    @property
    def to_pay(self) -> int:
        return self.sub_granted - self.paid_out


def lock(award: Award) -> Award:
    """Lock the award's row for the rest of the transaction and read it afresh."""
    db.session.flush()
    return db.session.scalars(
        sa.select(Award).where(Award.id == award.id).with_for_update()
        .execution_options(populate_existing=True)).one()


def pools(awards: list[Award]) -> list[Pool]:
    """The pools of these awards in three aggregate queries."""
    ids = [a.id for a in awards]
    granted = {award_id: (int(amount), int(paid)) for award_id, amount, paid in
               db.session.execute(
                   sa.select(SubGrant.award_id, sa.func.sum(SubGrant.amount_minor),
                             sa.func.sum(SubGrant.paid_minor))
                   .where(SubGrant.award_id.in_(ids)).group_by(SubGrant.award_id))}
    received = dict(db.session.execute(
        sa.select(Tranche.award_id, sa.func.sum(Disbursement.amount_minor))
        .join(Disbursement, Disbursement.tranche_id == Tranche.id)
        .where(Tranche.award_id.in_(ids), Disbursement.status == DisbursementStatus.PAID)
        .group_by(Tranche.award_id)).all())
    advanced = dict(db.session.execute(
        sa.select(SubGrant.award_id, sa.func.sum(SubGrantPayment.advance_minor))
        .join(SubGrantPayment, SubGrantPayment.sub_grant_id == SubGrant.id)
        .where(SubGrant.award_id.in_(ids)).group_by(SubGrant.award_id)).all())
    return [Pool(award=a, regranting=a.regranting_minor or 0,
                 received=int(received.get(a.id) or 0),
                 sub_granted=granted.get(a.id, (0, 0))[0],
                 paid_out=granted.get(a.id, (0, 0))[1],
                 advanced=int(advanced.get(a.id) or 0)) for a in awards]


def pool(award: Award) -> Pool:
    return pools([award])[0]


def sub_granted(award: Award) -> int:
    """The sum of the award's sub-grants; call it under `lock`."""
    return int(db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(SubGrant.amount_minor),
                                                                 0))
                                 .where(SubGrant.award_id == award.id)))


def regranting_awards(org_ids: list[int]) -> sa.Select:
    """Approved regranting awards to these intermediaries, newest first."""
    return (sa.select(Award).where(Award.organisation_id.in_(org_ids),
                                   Award.regranting_minor.is_not(None),
                                   Award.approved_at.is_not(None))
            .order_by(Award.approved_at.desc(), Award.id.desc()))
