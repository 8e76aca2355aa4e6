"""grants/awards/queries.award_for_page against the plain query it stands for (house style
16): the award page's hand-built load (its statements built once, each collection read by a
statement of its own and set in place) returns the award the ORM's selectinload returns,
with the same collections in the same order, in five statements; what the page then reads
of them needs no more."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from grants.awards import queries, schedule
from grants.extensions import db
from grants.models import (
    Application,
    Award,
    AwardAmendment,
    ReportRequirement,
    User,
)
from tests import factories
from tests.conftest import count_queries


def _plain(award_id: int) -> Award | None:
    return db.session.scalar(sa.select(Award).where(Award.id == award_id).options(
        joinedload(Award.application).joinedload(Application.call),
        joinedload(Award.organisation), joinedload(Award.fund),
        selectinload(Award.tranches),
        selectinload(Award.report_requirements).selectinload(ReportRequirement.reports),
        selectinload(Award.budget_lines),
        selectinload(Award.amendments).joinedload(AwardAmendment.actor)))


def _read(award: Award) -> tuple:
    """What the award page reads of it, as plain values."""
    return (
        award.id, award.status, award.application.id, award.application.call.id,
        award.organisation.id, award.fund.id,
        [(t.id, t.sequence, t.amount_minor, t.gating_requirement_id,
          t.gating_requirement.id if t.gating_requirement else None) for t in award.tranches],
        [(r.id, r.title, [(p.id, p.status, p.requirement.id) for p in r.reports])
         for r in award.report_requirements],
        [(b.id, b.year, b.category, b.amount_minor) for b in award.budget_lines],
        [(a.id, a.kind, a.details, a.actor.username if a.actor else None)
         for a in award.amendments])


def test_the_award_page_load_returns_what_the_plain_query_returns(app, world):
    with app.app_context():
        award = db.session.get(Award, world.award.id)
        applicant = db.session.get(User, world.applicant.id)
        officer = db.session.get(User, world.officer.id)
        for requirement in award.report_requirements:
            factories.report(requirement, applicant)
            factories.report(requirement, applicant)
        schedule.extend(officer, award, date(award.end_date.year + 1, 6, 30), "Delays")
        db.session.commit()
        for award_id in (award.id, -1):
            db.session.expunge_all()
            expected = _plain(award_id)
            expected = _read(expected) if expected else None
            db.session.expunge_all()
            with count_queries(app) as statements:
                found = queries.award_for_page(award_id)
            with count_queries(app) as more:
                seen = _read(found) if found else None
            assert seen == expected
            assert len(statements) == (5 if found else 1), statements
            assert more == [], more
        assert expected is None and seen is None


def test_a_collection_already_loaded_is_left_as_it_is(app, world):
    with app.app_context():
        award = db.session.get(Award, world.award.id)
        tranches = award.tranches
        with count_queries(app) as statements:
            assert queries.award_for_page(award.id) is award
        assert award.tranches is tranches
        assert len(statements) == 4, statements  # the award, three collections
