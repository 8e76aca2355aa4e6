"""Donations by card: the public pages, the PaymentIntent, and the income ledger that the
fake Stripe's signed webhooks fill (see tests/conftest_stripe.py)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
import stripe

from grants.extensions import db
from grants.models import Donation, DonationStatus, Fund, FundIncome, IncomeKind, StripeEvent
from grants.payments import gateway
from grants.security import headers
from tests import conftest_stripe as fixtures
from tests.access import own_scripts_only
from tests.conftest_stripe import sdk, sign

# The Stripe fixtures, made visible to pytest in this module.
fake_stripe, stripe_on = fixtures.fake_stripe, fixtures.stripe_on
webhook_receiver, webhooks = fixtures.webhook_receiver, fixtures.webhooks


def _intent(client, fund_id, amount="25.00"):
    return client.post(f"/donate/{fund_id}/intent", data={"amount": amount})


def _entries(app, **where):
    with app.app_context():
        return db.session.scalars(sa.select(FundIncome).filter_by(**where)
                                  .order_by(FundIncome.id)).all()


def _donation(app, payment_intent_id):
    with app.app_context():
        return db.session.scalar(sa.select(Donation).filter_by(
            payment_intent_id=payment_intent_id))


def test_with_stripe_off_the_pages_say_so_and_load_no_script(app, client, world):
    page = client.get(f"/donate/{world.fund.id}")
    assert page.status_code == 200
    assert b"not available" in page.data and b"js.stripe" not in page.data
    assert b"donate.js" not in page.data and own_scripts_only(page.data.decode())
    assert page.headers["Content-Security-Policy"] == headers.CSP
    assert b"not available" in client.get("/donate").data
    assert _intent(client, world.fund.id).status_code == 404
    assert client.post("/stripe/webhook", data=b"{}").status_code == 404
    with app.test_request_context():
        assert gateway.enabled() is False


def test_the_donation_page_alone_loads_stripe_js(client, world, stripe_on):
    page = client.get(f"/donate/{world.fund.id}")
    html = page.data.decode()
    assert f'src="{stripe_on.url}/js.stripe.com/v3/"' in html
    assert 'src="/static/donate.js"' in html and "<script>" not in html  # nothing inline
    assert "needs JavaScript" in html and 'data-publishable-key="pk_test_grants"' in html
    csp = dict(d.split(" ", 1) for d in page.headers["Content-Security-Policy"].split("; "))
    assert csp["script-src"] == f"'self' {stripe_on.url}"
    assert stripe_on.url in csp["frame-src"] and stripe_on.url in csp["connect-src"]
    assert csp["frame-ancestors"] == "'none'" and csp["default-src"] == "'self'"


@pytest.mark.parametrize("path", [
    "/", "/calls/", "/applications/", "/awards/", "/orgs/", "/account/",
    "/orgs/{org}", "/organisations/{org}/stripe", "/applications/{application}",
])
def test_applicant_pages_never_load_third_party_scripts(client, auth, world, stripe_on, path):
    auth.login(world.applicant)
    page = client.get(path.format(org=world.org.id, application=world.application.id),
                      follow_redirects=True)
    assert page.status_code == 200
    assert page.headers["Content-Security-Policy"] == headers.CSP
    for src in re.findall(rb'<script[^>]*src="([^"]+)"', page.data):
        assert src.startswith(b"/") and not src.startswith(b"//"), src


@pytest.mark.parametrize(("amount", "message"), [
    ("0.99", b"Give between"), ("10000.01", b"Give between"), ("ten", b"numbers"),
    ("1.0011", b"decimal places"), ("", b"error"),
])
def test_the_amount_is_checked_before_stripe_is_asked(app, client, world, stripe_on,
                                                      amount, message):
    response = _intent(client, world.fund.id, amount)
    assert response.status_code == 400 and message in response.data
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Donation)) == 0
    assert sdk(stripe_on).v1.payment_intents.list().data == []


def test_only_active_funds_that_take_donations_can_be_given_to(app, client, world, stripe_on):
    with app.app_context():
        closed = Fund(name="Closed", currency="EUR", accepts_donations=True, is_active=False)
        private = Fund(name="Private", currency="EUR", accepts_donations=False)
        db.session.add_all([closed, private])
        db.session.commit()
        ids = [closed.id, private.id]
    for fund_id in ids:
        assert client.get(f"/donate/{fund_id}").status_code == 404
        assert _intent(client, fund_id).status_code == 404
    listing = client.get("/donate").data
    assert b"Closed" not in listing and b"Private" not in listing
    assert world.fund.name.encode() in listing


def test_starting_payments_is_rate_limited_per_address(client, world, stripe_on, monkeypatch,
                                                       app):
    monkeypatch.setitem(app.config, "DONATION_LIMIT_PER_IP", "2 per hour")
    assert [_intent(client, world.fund.id).status_code for _ in range(3)] == [200, 200, 429]


def test_the_intent_needs_the_csrf_token_but_the_webhook_does_not(app, client, world,
                                                                  stripe_on, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert _intent(client, world.fund.id).status_code == 400
    body = b'{"id": "evt_1", "object": "event", "type": "customer.created", "created": 1,' \
           b' "data": {"object": {"id": "cus_1", "object": "customer"}}}'
    hook = client.post("/stripe/webhook", data=body, headers={"Stripe-Signature": sign(body)})
    assert hook.status_code == 200


def test_a_donation_end_to_end_with_a_refund_each_recorded_once(app, client, world, webhooks):
    started = _intent(client, world.fund.id, "25.00")
    assert started.status_code == 200
    pi = started.json["payment_intent"]
    assert started.json["client_secret"].startswith(pi + "_secret_")
    assert _donation(app, pi).status == DonationStatus.PENDING
    stripe_api = sdk(webhooks.fake).v1
    stripe_api.payment_intents.confirm(pi, params={"payment_method": "pm_card_visa"})
    succeeded = webhooks.wait_for("payment_intent.succeeded", pi)
    assert succeeded.status == 200
    [entry] = _entries(app, fund_id=world.fund.id)
    assert (entry.kind, entry.amount_minor, entry.currency, entry.stripe_object_id) == (
        IncomeKind.DONATION, 2500, "USD", pi)
    assert _donation(app, pi).status == DonationStatus.SUCCEEDED

    refund = stripe_api.refunds.create(params={"payment_intent": pi, "amount": 500})
    refunded = webhooks.wait_for("charge.refunded")
    assert refunded.status == 200
    for delivery in (succeeded, refunded):
        for _ in range(10):  # Stripe may deliver again: nothing more is recorded
            again = client.post("/stripe/webhook", data=delivery.body,
                                headers={"Stripe-Signature": delivery.signature})
            assert again.status_code == 200 and again.json["applied"] is False
    entries = _entries(app, fund_id=world.fund.id)
    assert [(e.kind, e.amount_minor, e.stripe_object_id) for e in entries] == [
        (IncomeKind.DONATION, 2500, pi), (IncomeKind.REFUND, -500, refund.id)]
    donation = _donation(app, pi)
    assert (donation.status, donation.refunded_minor) == (DonationStatus.PARTIALLY_REFUNDED, 500)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(StripeEvent)) == 2


def test_staff_see_the_funds_income_and_nobody_else(client, auth, world, webhooks):
    pi = _intent(client, world.fund.id, "12.50").json["payment_intent"]
    sdk(webhooks.fake).v1.payment_intents.confirm(pi, params={"payment_method": "pm_card_visa"})
    webhooks.wait_for("payment_intent.succeeded", pi)
    auth.login(world.officer)
    page = client.get("/donations")
    assert page.status_code == 200
    assert world.fund.name.encode() in page.data and b"$12.50" in page.data
    assert pi.encode() in page.data
    auth.login(world.applicant)
    assert client.get("/donations").status_code == 403


def test_a_declined_card_marks_the_donation_failed_and_records_no_income(app, client, world,
                                                                          webhooks):
    pi = _intent(client, world.fund.id).json["payment_intent"]
    with pytest.raises(stripe.CardError):
        sdk(webhooks.fake).v1.payment_intents.confirm(
            pi, params={"payment_method": "pm_card_chargeCustomerFail"})
    assert webhooks.wait_for("payment_intent.payment_failed", pi).status == 200
    assert _donation(app, pi).status == DonationStatus.FAILED
    assert _entries(app) == []


def test_with_the_real_stripe_js_the_policy_names_stripes_origins(client, world, stripe_on,
                                                                  monkeypatch, app):
    monkeypatch.setitem(app.config, "STRIPE_JS_URL", "https://js.stripe.com/v3/")
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", None)
    page = client.get(f"/donate/{world.fund.id}")
    csp = dict(d.split(" ", 1) for d in page.headers["Content-Security-Policy"].split("; "))
    assert csp["script-src"] == "'self' https://js.stripe.com https://*.js.stripe.com"
    assert csp["frame-src"] == ("https://js.stripe.com https://*.js.stripe.com "
                                "https://hooks.stripe.com")
    assert csp["connect-src"] == "'self' https://api.stripe.com https://js.stripe.com"
    assert b'src="https://js.stripe.com/v3/"' in page.data


def test_when_stripe_is_down_the_donor_is_told_and_nothing_is_kept(app, client, world,
                                                                   stripe_on):
    fixtures.fail_next(stripe_on, "error", "/v1/payment_intents")
    response = _intent(client, world.fund.id)
    assert response.status_code == 502 and "Stripe" in response.json["error"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Donation)) == 0
