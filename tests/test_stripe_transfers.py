"""Transfers to a group's connected account, and its onboarding: through the real SDK
against the fake Stripe's Account, AccountLink and Transfer resources (tests/stripe_server.py),
whose idempotency replay and failure on demand let a retry be tested for double payment."""

from __future__ import annotations

import pytest
import requests
import sqlalchemy as sa
import stripe

from grants.extensions import db
from grants.models import (
    AuditEvent,
    Disbursement,
    DisbursementStatus,
    Organisation,
    PaymentRoute,
)
from grants.payments import gateway
from tests import conftest_stripe as fixtures
from tests import factories
from tests.access import ROLES
from tests.conftest_stripe import connect, fail_next, sdk

fake_stripe, stripe_on = fixtures.fake_stripe, fixtures.stripe_on
webhook_receiver, webhooks = fixtures.webhook_receiver, fixtures.webhooks


def _sending(world, amount_minor: int = 25_000) -> Disbursement:
    """A Stripe-route disbursement an officer has sent: its job may make the transfer."""
    tranche = db.session.merge(world.released)
    officer = db.session.merge(world.officer)
    return factories.disbursement(tranche, officer, amount_minor=amount_minor,
                                  route=PaymentRoute.STRIPE_TRANSFER,
                                  status=DisbursementStatus.SENDING)


def _transfers(fake) -> list:
    return sdk(fake).v1.transfers.list().data


def test_a_transfer_goes_to_the_groups_account_with_ids_only(app, world, stripe_on):
    with app.app_context():
        account = connect(stripe_on, world.org.id)
        d = _sending(world)
        transfer_id = gateway.transfer(d)
        [transfer] = _transfers(stripe_on)
        assert transfer.id == transfer_id
        assert (transfer.amount, transfer.currency, transfer.destination) == (
            25_000, "usd", account)
        assert transfer.transfer_group == world.award.reference
        assert transfer.metadata.to_dict() == {"disbursement": str(d.id),
                                               "award": world.award.reference}


@pytest.mark.parametrize("case", ["no account", "not onboarded", "only approved", "bank route",
                                  "above its tranche"])
def test_a_transfer_is_refused_before_stripe_is_called(app, world, stripe_on, case):
    with app.app_context():
        if case != "no account":
            connect(stripe_on, world.org.id, ready=case != "not onboarded")
        d = _sending(world)
        if case == "only approved":  # not sent by an officer: the ledger's send comes first
            d.status = DisbursementStatus.APPROVED
        if case == "bank route":
            d.route = PaymentRoute.BANK_TRANSFER
        if case == "above its tranche":
            d.amount_minor = d.tranche.amount_minor + 1
        fail_next(stripe_on, "error")  # the next call to Stripe, whatever it is, uses it up
        with pytest.raises(gateway.PaymentFailed):
            gateway.transfer(d)
        with pytest.raises(stripe.APIError):  # still pending: transfer() called nobody
            _transfers(stripe_on)
        assert _transfers(stripe_on) == []


def test_with_stripe_off_no_transfer_is_attempted(app, world):
    with app.app_context():
        assert gateway.enabled() is False
        with pytest.raises(gateway.PaymentFailed, match="not configured"):
            gateway.transfer(_sending(world))


@pytest.mark.parametrize("mode", ["error", "drop"])
def test_a_retried_transfer_pays_once(app, world, stripe_on, mode):
    """`error`: Stripe answered 500 and did nothing; `drop`: it made the transfer but the
    answer was lost. Either way the retry, with the same idempotency key, leaves one."""
    with app.app_context():
        connect(stripe_on, world.org.id)
        d = _sending(world)
        fail_next(stripe_on, mode, "/v1/transfers", "POST")
        with pytest.raises(gateway.StripeUnavailable) as failed:
            gateway.transfer(d)
        assert "sk_" not in failed.value.message and str(d.id) not in failed.value.message
        assert len(_transfers(stripe_on)) == (1 if mode == "drop" else 0)
        first = gateway.transfer(d)
        assert gateway.transfer(d) == first  # a replay of a request that succeeded
        assert [t.id for t in _transfers(stripe_on)] == [first]


def test_a_transfer_already_made_is_found_after_stripe_forgot_the_key(app, world, stripe_on):
    """Stripe keeps an idempotency key for 24 hours: a retry later than that (an admin's,
    after a day of outage) sends a new key in effect. The transfer made is found first."""
    with app.app_context():
        connect(stripe_on, world.org.id)
        d = _sending(world)
        first = gateway.transfer(d)
        d.idempotency_key = "disb-test-a-key-stripe-no-longer-knows"
        assert gateway.transfer(d) == first
        assert [t.id for t in _transfers(stripe_on)] == [first]
        other = _sending(world, amount_minor=1_000)  # the same award: its own transfer
        assert gateway.transfer(other) != first
        assert len(_transfers(stripe_on)) == 2


def test_the_same_key_with_other_parameters_is_refused(app, world, stripe_on):
    """Stripe's answer to a key reused with other parameters is a refusal, not a reason to
    ask again."""
    with app.app_context():
        connect(stripe_on, world.org.id)
        d = _sending(world)
        gateway.transfer(d)
        with pytest.raises(stripe.IdempotencyError) as refused:
            sdk(stripe_on).v1.transfers.create(
                params={"amount": d.amount_minor + 1, "currency": "usd",
                        "destination": gateway.destination(d)},
                options={"idempotency_key": d.idempotency_key})
        answer = gateway.failure(refused.value)
        assert "same parameters" in answer.message
        assert not isinstance(answer, gateway.StripeUnavailable)
        assert len(_transfers(stripe_on)) == 1


@pytest.mark.parametrize(("error", "try_again"), [
    (stripe.APIConnectionError("connection refused"), True),
    (stripe.APIError("internal", http_status=500), True),
    (stripe.APIError("bad gateway", http_status=502), True),
    (stripe.RateLimitError("slow down", http_status=429), True),
    (stripe.APIError("conflict", http_status=409), True),
    (OSError("socket closed"), True),
    (stripe.InvalidRequestError("No such destination", "destination", http_status=400), False),
    (stripe.CardError("declined", None, "card_declined", http_status=402), False),
    (stripe.AuthenticationError("Invalid API key", http_status=401), False),
    (stripe.PermissionError("not allowed", http_status=403), False),
])
def test_stripe_unreachable_or_failing_is_told_apart_from_its_refusal(error, try_again):
    answer = gateway.failure(error)
    assert isinstance(answer, gateway.PaymentFailed)
    assert isinstance(answer, gateway.StripeUnavailable) is try_again


def test_a_reversed_transfer_returns_the_disbursement(app, world, webhooks):
    with app.app_context():
        connect(webhooks.fake, world.org.id)
        d = _sending(world)
        d.external_reference = gateway.transfer(d)
        d.status = DisbursementStatus.SENT
        disbursement_id, transfer_id = d.id, d.external_reference
        db.session.commit()
        sdk(webhooks.fake).v1.transfers.reversals.create(transfer_id)
        assert webhooks.wait_for("transfer.reversed", transfer_id).status == 200
        d = db.session.get(Disbursement, disbursement_id)
        db.session.refresh(d)
        assert d.status == DisbursementStatus.RETURNED and d.ended_at is not None
        assert d.last_error == "Stripe reversed the transfer."
        assert db.session.scalar(sa.select(AuditEvent.action).where(
            AuditEvent.object_id == d.id).order_by(AuditEvent.id.desc()).limit(1)) == (
            "disbursement.returned")


# --- onboarding ---------------------------------------------------------------------

def test_the_owner_onboards_and_returns_ready_to_be_paid(app, client, auth, world, webhooks):
    auth.login(world.applicant)
    page = client.get(f"/organisations/{world.org.id}/stripe")
    assert b"Set up payments with Stripe" in page.data
    started = client.post(f"/organisations/{world.org.id}/stripe/onboard")
    assert started.status_code == 303
    link = started.headers["Location"]
    assert link.startswith(webhooks.fake.url + "/_config/onboard/acct_")
    with app.app_context():
        org = db.session.get(Organisation, world.org.id)
        account_id = org.stripe_account_id
        assert account_id and org.stripe_payouts_enabled is False
    again = client.post(f"/organisations/{world.org.id}/stripe/onboard")  # same account
    assert again.headers["Location"] == link
    back = requests.get(link, allow_redirects=False, timeout=5)  # Stripe's hosted pages
    assert back.headers["Location"].endswith(f"/organisations/{world.org.id}/stripe/return")
    assert webhooks.wait_for("account.updated", account_id).status == 200
    with app.app_context():
        assert db.session.get(Organisation, world.org.id).stripe_payouts_enabled is True
    done = client.get(f"/organisations/{world.org.id}/stripe/return", follow_redirects=True)
    assert b"Stripe can now pay your group" in done.data
    assert len(sdk(webhooks.fake).v1.accounts.list().data) == 1


def test_onboarding_when_stripe_fails_says_so_and_keeps_nothing(app, client, auth, world,
                                                                stripe_on):
    auth.login(world.applicant)
    fail_next(stripe_on, "error", "/v1/accounts")
    response = client.post(f"/organisations/{world.org.id}/stripe/onboard",
                           follow_redirects=True)
    assert b"Stripe refused" in response.data
    with app.app_context():
        assert db.session.get(Organisation, world.org.id).stripe_account_id is None


_OWNER_ONLY = {"anon": 302, "applicant": None, "stranger": 404, "reviewer": 404,
               "officer": 403, "intermediary": 404, "admin": 403}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "owner"), [
    ("GET", "", 200), ("POST", "/onboard", 303), ("GET", "/refresh", 303),
    ("GET", "/return", 302),
])
def test_only_the_groups_owner_sets_up_its_account(app, client, auth, world, stripe_on, role,
                                                   method, path, owner):
    with app.app_context():
        connect(stripe_on, world.org.id, ready=False)
        db.session.commit()
    user = world.by_role(role)
    if user is not None:
        auth.login(user)
    response = client.open(f"/organisations/{world.org.id}/stripe{path}", method=method)
    assert response.status_code == (_OWNER_ONLY[role] or owner)
