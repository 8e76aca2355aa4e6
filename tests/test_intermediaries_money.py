"""What an intermediary received and paid out: "Received $0.00" stood
beside "Paid out $9,000". What it received is what the funder's disbursement ledger says
it paid for the regranting award; paying sub-grantees beyond it is refused, or recorded as
an advance from the intermediary's own funds when it says so on the payment form, shown
to both the intermediary and the funder. Over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import html

import sqlalchemy as sa

from grants.extensions import db
from grants.intermediaries import pool
from grants.models import (
    AuditEvent,
    Award,
    DisbursementStatus,
    SubGrant,
    SubGrantPayment,
    User,
)
from tests import factories


def _page(response) -> str:
    assert response.status_code == 200, response.status_code
    return html.unescape(response.data.decode())


def _pay(client, grant_id: int, amount: str, advance: str | None = None):
    data = {"amount": amount, "route": "mobile_money", "paid_on": "2026-03-01"}
    if advance is not None:
        data["advance"] = advance
    return client.post(f"/regranting/sub-grants/{grant_id}/payments/new", data=data)


def _funder_pays(app, world, amount_minor: int,
                 status: DisbursementStatus = DisbursementStatus.PAID) -> None:
    with app.app_context():
        award = db.session.get(Award, world.regranting_award.id)
        officer = db.session.get(User, world.officer.id)
        d = factories.paid_to_intermediary(award, officer, amount_minor)
        d.status = status
        db.session.commit()


def test_paying_beyond_what_the_funder_paid_is_refused_or_an_explicit_advance(
        app, client, auth, world):
    grant_id = world.sub_grant.id  # 500.00 sub-granted, nothing paid; nothing received
    auth.login(world.intermediary)
    refused = _page(_pay(client, grant_id, "300"))
    assert "The funder has paid you $0.00" in refused and "advance from your own funds" \
        in refused
    assert 'value="300"' in refused  # what was typed stays
    _funder_pays(app, world, 20_000)
    _funder_pays(app, world, 90_000, DisbursementStatus.SENT)  # sent is not received
    refused = _page(_pay(client, grant_id, "300", advance="no"))
    assert "The funder has paid you $200.00" in refused and "$200.00 is left" in refused
    assert _pay(client, grant_id, "300", advance="yes").status_code == 302
    with app.app_context():
        payment = db.session.scalar(sa.select(SubGrantPayment).where(
            SubGrantPayment.sub_grant_id == grant_id))
        assert (payment.amount_minor, payment.advance_minor) == (30_000, 10_000)
        event = db.session.scalar(sa.select(AuditEvent).where(
            AuditEvent.action == "sub_grant.paid").order_by(AuditEvent.id.desc()))
        assert event.details["advance_minor"] == 10_000
        figures = pool.pool(db.session.get(Award, world.regranting_award.id))
        assert (figures.received, figures.paid_out, figures.advanced) == (20_000, 30_000, 10_000)
        assert figures.paid_out <= figures.received + figures.advanced
    # within what is received and advanced, nothing more is advanced
    assert "$0.00 is left" in _page(_pay(client, grant_id, "1"))
    _funder_pays(app, world, 50_000)
    assert _pay(client, grant_id, "100", advance="yes").status_code == 302
    with app.app_context():
        advances = db.session.scalars(sa.select(SubGrantPayment.advance_minor).where(
            SubGrantPayment.sub_grant_id == grant_id).order_by(SubGrantPayment.id)).all()
        assert advances == [10_000, 0]
    own = _page(client.get(f"/regranting/awards/{world.regranting_award.id}"))
    assert "Received from the funder" in own and "$700.00" in own
    assert "Of which advanced from your own funds" in own and "$100.00" in own
    assert "$100.00 of it advanced" in _page(client.get(f"/regranting/sub-grants/{grant_id}"))
    auth.login(world.officer)  # the funder's side: the award page and the upward report
    for url in (f"/awards/{world.regranting_award.id}",
                f"/regranting/awards/{world.regranting_award.id}/report"):
        page = _page(client.get(url))
        assert "Paid to the intermediary by the funder" in page and "$700.00" in page, url
        assert "Advanced by the intermediary from its own funds" in page, url
        assert "$100.00" in page, url


def test_the_demo_pool_received_what_the_funder_paid_and_declares_its_advance(app):
    from demo import data as demo

    with app.app_context():
        assert demo.load_demo()
        award = db.session.scalar(sa.select(Award).where(Award.reference == "AW-REGR-K05R"))
        figures = pool.pool(award)
        assert (figures.received, figures.paid_out, figures.advanced) == (
            800_000, 900_000, 100_000)
        paid = db.session.scalar(sa.select(sa.func.sum(SubGrant.paid_minor)).where(
            SubGrant.award_id == award.id))
        assert paid == figures.paid_out
        db.session.rollback()
