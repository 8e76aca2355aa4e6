"""The officers' queue is read a page at a time without sorting the whole queue
(grants/review/queue.py, QueuePage): every page must hold exactly the rows of the one
sorted query, the same total, the same countries and call titles as before."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from grants.applications.queries import published_call_choices
from grants.extensions import db
from grants.models import (
    Application,
    ApplicationStatus,
    Call,
    CallStatus,
    CallText,
    CallType,
    Review,
    Role,
)
from grants.models.types import utcnow
from grants.review import queue
from tests import factories

QUEUED = (ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW,
          ApplicationStatus.MORE_INFO_REQUESTED)


def _portfolio(world):
    """Calls of every kind of urgency, two closing at the same moment, one of an
    intermediary, with applications sent at different times; some conflicts and drafts."""
    now = utcnow()
    deadline = now + timedelta(days=5)
    calls = [factories.call(world.fund, call_type=CallType.RAPID_RESPONSE, closes_at=None),
             factories.call(world.fund, call_type=CallType.RAPID_RESPONSE,
                            closes_at=now + timedelta(days=1)),
             factories.call(world.fund, closes_at=deadline),
             factories.call(world.fund, closes_at=deadline),
             factories.call(world.fund, closes_at=now + timedelta(days=2)),
             factories.call(world.fund, call_type=CallType.ROLLING, closes_at=None),
             factories.call(world.fund, call_type=CallType.CONVENING, closes_at=None)]
    intermediary = factories.call(world.fund, intermediary_id=world.intermediary_org.id)
    orgs = [factories.organisation(factories.user(), country=c) for c in ("KE", "CO", "NP")]
    only_elsewhere = factories.organisation(factories.user(), country="MM")
    made = []
    for i in range(70):
        a = factories.application(calls[i % len(calls)], orgs[i % 3], budget=False,
                                  status=QUEUED[i % 3], code_name=f"QP-{i:03d}")
        a.submitted_at = now - timedelta(hours=(i * 7) % 50)  # ties too
        if a.call.call_type == CallType.RAPID_RESPONSE and i % 4:
            a.rapid_due_at = now + timedelta(hours=(i * 5) % 30)
        if i % 6 == 0:
            a.assigned_officer_id = world.officer.id
        made.append(a)
    for i, a in enumerate(made[::9]):
        factories.assign(a, world.officer, conflict=i % 2 == 0)
    factories.application(intermediary, only_elsewhere, budget=False,
                          status=ApplicationStatus.SUBMITTED)
    factories.application(calls[2], only_elsewhere, budget=False)  # a draft
    db.session.flush()


FILTERS = [queue.Filters(), queue.Filters(status="under_review"),
           queue.Filters(country="KE"), queue.Filters(call_type="rapid_response"),
           queue.Filters(call_type="open", mine=True), queue.Filters(mine=True),
           queue.Filters(call_type="rolling"), queue.Filters(country="MM")]


@pytest.mark.parametrize("per_page", [1, 4, 7, 25, 100])
def test_every_page_holds_the_rows_of_the_sorted_queue(app, world, per_page):
    with app.app_context():
        _portfolio(world)
        officer = db.session.merge(world.officer)
        for f in FILTERS:
            expected = [a.id for a in db.session.scalars(queue.officer_queue(officer, f))]
            seen, page = [], 1
            while True:
                result = queue.queue_page(officer, f, page, per_page)
                assert result.total == len(expected), f
                if not result.items:
                    break
                seen += [a.id for a in result.items]
                page += 1
            assert seen == expected, f
            assert page - 1 == result.pages


def test_a_conflict_leaves_the_queue_and_its_total(app, world):
    with app.app_context():
        _portfolio(world)
        officer = db.session.merge(world.officer)
        conflicted = set(db.session.scalars(sa.select(Review.application_id).where(
            Review.reviewer_id == officer.id, Review.conflict_declared.is_(True))))
        mine = queue.queue_page(officer, queue.Filters(), 1, 1000)
        theirs = queue.queue_page(factories.user(Role.OFFICER), queue.Filters(), 1, 1000)
        assert conflicted and not conflicted & {a.id for a in mine.items}
        assert mine.total == len(mine.items) == theirs.total - len(conflicted)


def test_the_country_filter_lists_the_countries_of_the_queue(app, world):
    with app.app_context():
        _portfolio(world)
        expected = list(db.session.scalars(
            sa.select(Application.country).join(Call, Application.call_id == Call.id)
            .where(Application.status.in_(QUEUED), Call.intermediary_id.is_(None))
            .distinct().order_by(Application.country)))
        assert queue.queue_countries() == expected
        assert "MM" not in expected and {"KE", "CO", "NP"} <= set(expected)


def test_the_call_filter_names_each_call_as_before(app, world):
    with app.app_context():
        two = factories.call(world.fund, title="Protection", languages=["fr", "en"])
        two.texts[0].title = "Protection (en)"
        two.texts.append(CallText(language="fr", title="Protection (fr)", description="."))
        factories.call(world.fund, title="Later", languages=["es"])  # English text only
        db.session.flush()
        db.session.expire_all()
        for lang in ("en", "fr", "es", "ar"):
            expected = [(c.id, c.text(lang).title if c.text(lang) else c.id)
                        for c in db.session.scalars(sa.select(Call).where(
                            Call.status != CallStatus.DRAFT, Call.intermediary_id.is_(None))
                            .order_by(Call.created_at.desc(), Call.id))]
            got = [(i, t if t is not None else i) for i, t in published_call_choices(lang)]
            assert got == expected, lang


def test_the_page_shows_the_total_and_pages_through_the_queue(app, client, auth, world):
    with app.app_context():
        _portfolio(world)
        db.session.commit()
        officer = db.session.merge(world.officer)
        total = queue.queue_page(officer, queue.Filters(), 1, 25).total
    auth.login(world.officer)
    page = client.get("/review/?page=2").data.decode()
    assert f"{total} applications, most urgent first" in page
    assert "Page 2 of" in page
    assert client.get("/review/?page=abc").data.decode().count("QP-") == \
        client.get("/review/").data.decode().count("QP-")
    assert "No applications to show." in client.get("/review/?page=999").data.decode()
    rapid = client.get("/review/?type=rapid_response").data.decode()
    codes = re.findall(r">(QP-\d+)</bdi></a>", rapid)
    assert codes and all(c in {f"QP-{i:03d}" for i in range(70) if i % 7 in (0, 1)} for c in codes)
