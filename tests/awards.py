"""A fresh award to act on (its id, tranches and report requirements), its tranches as
they stand and the tranche-schedule form: shared by tests/test_awards.py and
tests/test_money.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from grants.extensions import db
from grants.models import (
    ApplicationStatus,
    CallType,
    Fund,
    Organisation,
    SupportType,
    Tranche,
    User,
)
from tests import factories


@dataclass
class Grant:
    id: int
    tranches: list[int]
    requirements: list[int]

    @property
    def url(self) -> str:
        return f"/awards/{self.id}"


def make_grant(app, world, *, years: int = 3, amount: int = 300_000,
               support: SupportType = SupportType.CORE, org_id: int | None = None) -> Grant:
    """A fresh active award for the applicant's group (nothing reported yet)."""
    with app.app_context():
        core = factories.call(db.session.get(Fund, world.fund.id),
                              call_type=CallType.CORE_SUPPORT, max_years=years, title="Core")
        org = db.session.get(Organisation, org_id or world.org.id)
        application = factories.application(core, org, status=ApplicationStatus.UNDER_REVIEW)
        award = factories.award(application, db.session.get(User, world.officer.id),
                                years=years, amount_minor=amount, support_type=support)
        db.session.commit()
        return Grant(award.id, [t.id for t in award.tranches],
                     [r.id for r in award.report_requirements])


def tranche_states(app, grant: Grant) -> list[tuple[int, str]]:
    with app.app_context():
        return [(t.amount_minor, t.status.value) for t in db.session.scalars(
            sa.select(Tranche).where(Tranche.award_id == grant.id).order_by(Tranche.sequence))]


def schedule_data(grant: Grant, amounts: list[str], dates: list[str], gates: list[str],
                  reason: str = "") -> dict:
    data = {"reason": reason}
    for tranche_id, amount, day, gate in zip(grant.tranches, amounts, dates, gates, strict=True):
        data |= {f"amount_{tranche_id}": amount, f"due_{tranche_id}": day,
                 f"gate_{tranche_id}": gate}
    return data
