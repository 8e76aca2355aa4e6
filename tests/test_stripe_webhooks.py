"""The webhook: signature and age checked, each event applied once, any order, unknown
events acknowledged. Events here come from the fake Stripe's own event log (what it would
have delivered), signed and posted by the test, so their order is the test's choice."""

from __future__ import annotations

import json
import time

import sqlalchemy as sa

from grants.extensions import db
from grants.models import Donation, DonationStatus, FundIncome, IncomeKind, StripeEvent
from tests import conftest_stripe as fixtures
from tests.conftest_stripe import fail_next, sdk, sign

fake_stripe, stripe_on = fixtures.fake_stripe, fixtures.stripe_on


def _post(client, body: bytes, signature: str | None = None):
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["Stripe-Signature"] = signature
    return client.post("/stripe/webhook", data=body, headers=headers)


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _paid_and_refunded(client, fake, fund_id, refund_amount=None):
    """A donation paid and refunded at the fake; returns its PaymentIntent id and the raw
    events (oldest first) that the fake raised for it."""
    pi = client.post(f"/donate/{fund_id}/intent", data={"amount": "40.00"}).json[
        "payment_intent"]
    api = sdk(fake).v1
    api.payment_intents.confirm(pi, params={"payment_method": "pm_card_visa"})
    params = {"payment_intent": pi} | ({"amount": refund_amount} if refund_amount else {})
    api.refunds.create(params=params)
    events = [json.dumps(e.to_dict()).encode() for e in reversed(api.events.list().data)]
    return pi, {json.loads(e)["type"]: e for e in events}


def test_a_forged_or_stale_webhook_is_refused_and_nothing_recorded(app, client, world,
                                                                   stripe_on):
    pi, events = _paid_and_refunded(client, stripe_on, world.fund.id)
    body = events["payment_intent.succeeded"]
    assert _post(client, body, sign(body, secret="whsec_not_ours")).status_code == 400
    assert _post(client, body).status_code == 400
    assert _post(client, body + b" ", sign(body)).status_code == 400  # altered after signing
    stale = sign(body, at=int(time.time()) - 301)
    assert _post(client, body, stale).status_code == 400
    assert _count(app, StripeEvent) == 0 and _count(app, FundIncome) == 0
    assert _post(client, body, sign(body, at=int(time.time()) - 200)).status_code == 200


def test_an_unknown_event_is_acknowledged_and_ignored(app, client, stripe_on):
    body = json.dumps({"id": "evt_unknown", "object": "event", "type": "customer.created",
                       "created": int(time.time()),
                       "data": {"object": {"id": "cus_1", "object": "customer"}}}).encode()
    response = _post(client, body, sign(body))
    assert response.status_code == 200 and response.json["applied"] is False
    assert _count(app, StripeEvent) == 0


def test_a_refund_before_its_payment_and_a_stale_payment_event_after_it(app, client, world,
                                                                        stripe_on):
    pi, events = _paid_and_refunded(client, stripe_on, world.fund.id)
    refunded, succeeded = events["charge.refunded"], events["payment_intent.succeeded"]
    assert _post(client, refunded, sign(refunded)).json["applied"] is True
    assert _post(client, succeeded, sign(succeeded)).json["applied"] is True  # stale now
    with app.app_context():
        donation = db.session.scalar(sa.select(Donation).filter_by(payment_intent_id=pi))
        assert (donation.status, donation.refunded_minor) == (DonationStatus.REFUNDED, 4000)
        entries = db.session.scalars(sa.select(FundIncome).order_by(FundIncome.id)).all()
        assert [(e.kind, e.amount_minor) for e in entries] == [
            (IncomeKind.DONATION, 4000), (IncomeKind.REFUND, -4000)]
        assert sum(e.amount_minor for e in entries) == 0


def test_when_stripe_cannot_be_asked_the_event_is_left_for_stripe_to_retry(app, client, world,
                                                                           stripe_on):
    pi, events = _paid_and_refunded(client, stripe_on, world.fund.id, refund_amount=1000)
    body = events["payment_intent.succeeded"]
    fail_next(stripe_on, "error", "/v1/payment_intents")
    assert _post(client, body, sign(body)).status_code == 503
    assert _count(app, StripeEvent) == 0 and _count(app, FundIncome) == 0
    assert _post(client, body, sign(body)).json["applied"] is True
    with app.app_context():
        donation = db.session.scalar(sa.select(Donation).filter_by(payment_intent_id=pi))
        assert (donation.status, donation.refunded_minor) == (
            DonationStatus.PARTIALLY_REFUNDED, 1000)


def test_an_event_about_a_payment_that_is_not_a_donation_changes_nothing(app, client,
                                                                          stripe_on):
    api = sdk(stripe_on).v1
    api.payment_intents.create(params={"amount": 700, "currency": "usd",
                                       "payment_method": "pm_card_visa", "confirm": True})
    body = json.dumps(api.events.list().data[0].to_dict()).encode()
    assert _post(client, body, sign(body)).status_code == 200
    assert _count(app, FundIncome) == 0 and _count(app, Donation) == 0


def test_each_configured_endpoint_secret_is_accepted(app, client, stripe_on, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", "whsec_platform, whsec_connect")
    body = json.dumps({"id": "evt_2", "object": "event", "type": "customer.created",
                       "created": int(time.time()), "data": {"object": {"id": "cus_2"}}}).encode()
    for secret in ("whsec_platform", "whsec_connect"):
        assert _post(client, body, sign(body, secret=secret)).status_code == 200
    assert _post(client, body, sign(body, secret="whsec_other")).status_code == 400
