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
from tests.conftest_stripe import fail_next, sdk

fake_stripe, stripe_on = fixtures.fake_stripe, fixtures.stripe_on
webhook_receiver, webhooks = fixtures.webhook_receiver, fixtures.webhooks


def _connect(fake, org_id: int, *, ready: bool = True) -> str:
    """An Express account at the fake, onboarded (or not), recorded on the organisation."""
    api = sdk(fake).v1
    account = api.accounts.create(params={"type": "express",
                                          "capabilities": {"transfers": {"requested": True}}})
    if ready:
        link = api.account_links.create(params={
            "account": account.id, "type": "account_onboarding",
            "refresh_url": "http://localhost/r", "return_url": "http://localhost/x"})
        requests.get(link.url, allow_redirects=False, timeout=5).raise_for_status()
    org = db.session.get(Organisation, org_id)
    org.stripe_account_id, org.stripe_payouts_enabled = account.id, ready
    db.session.flush()
    return account.id


def _approved(world, amount_minor: int = 25_000) -> Disbursement:
    tranche = db.session.merge(world.released)
    officer = db.session.merge(world.officer)
    return factories.disbursement(tranche, officer, amount_minor=amount_minor,
                                  route=PaymentRoute.STRIPE_TRANSFER,
                                  status=DisbursementStatus.APPROVED)


def _transfers(fake) -> list:
    return sdk(fake).v1.transfers.list().data


def test_a_transfer_goes_to_the_groups_account_with_ids_only(app, world, stripe_on):
    with app.app_context():
        account = _connect(stripe_on, world.org.id)
        d = _approved(world)
        transfer_id = gateway.transfer(d)
        [transfer] = _transfers(stripe_on)
        assert transfer.id == transfer_id
        assert (transfer.amount, transfer.currency, transfer.destination) == (
            25_000, "usd", account)
        assert transfer.transfer_group == world.award.reference
        assert transfer.metadata.to_dict() == {"disbursement": str(d.id),
                                               "award": world.award.reference}


@pytest.mark.parametrize("case", ["no account", "not onboarded", "not approved", "bank route",
                                  "above its tranche"])
def test_a_transfer_is_refused_before_stripe_is_called(app, world, stripe_on, case):
    with app.app_context():
        if case != "no account":
            _connect(stripe_on, world.org.id, ready=case != "not onboarded")
        d = _approved(world)
        if case == "not approved":
            d.status = DisbursementStatus.SCHEDULED
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
            gateway.transfer(_approved(world))


@pytest.mark.parametrize("mode", ["error", "drop"])
def test_a_retried_transfer_pays_once(app, world, stripe_on, mode):
    """`error`: Stripe answered 500 and did nothing; `drop`: it made the transfer but the
    answer was lost. Either way the retry, with the same idempotency key, leaves one."""
    with app.app_context():
        _connect(stripe_on, world.org.id)
        d = _approved(world)
        fail_next(stripe_on, mode, "/v1/transfers")
        with pytest.raises(gateway.PaymentFailed) as failed:
            gateway.transfer(d)
        assert "sk_" not in failed.value.message and str(d.id) not in failed.value.message
        assert len(_transfers(stripe_on)) == (1 if mode == "drop" else 0)
        first = gateway.transfer(d)
        assert gateway.transfer(d) == first  # a replay of a request that succeeded
        assert [t.id for t in _transfers(stripe_on)] == [first]


def test_the_same_key_with_other_parameters_is_refused(app, world, stripe_on):
    with app.app_context():
        _connect(stripe_on, world.org.id)
        d = _approved(world)
        gateway.transfer(d)
        d.amount_minor += 1
        with pytest.raises(gateway.PaymentFailed, match="same parameters"):
            gateway.transfer(d)
        assert len(_transfers(stripe_on)) == 1


def test_the_ledger_keeps_a_failed_send_approved_and_sends_once_on_retry(app, world,
                                                                          stripe_on):
    from grants.payments import ledger

    with app.app_context():
        _connect(stripe_on, world.org.id)
        d = _approved(world, amount_minor=5_000)
        officer = db.session.merge(world.officer)
        fail_next(stripe_on, "drop", "/v1/transfers")
        with pytest.raises(ledger.SendFailed):
            ledger.send(officer, d)
        assert d.status == DisbursementStatus.APPROVED and "could not be reached" in d.last_error
        ledger.send(officer, d)
        [transfer] = _transfers(stripe_on)
        assert (d.status, d.external_reference, d.last_error) == (
            DisbursementStatus.SENT, transfer.id, None)


def test_a_reversed_transfer_returns_the_disbursement(app, world, webhooks):
    with app.app_context():
        _connect(webhooks.fake, world.org.id)
        d = _approved(world)
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
        _connect(stripe_on, world.org.id, ready=False)
        db.session.commit()
    user = world.by_role(role)
    if user is not None:
        auth.login(user)
    response = client.open(f"/organisations/{world.org.id}/stripe{path}", method=method)
    assert response.status_code == (_OWNER_ONLY[role] or owner)
