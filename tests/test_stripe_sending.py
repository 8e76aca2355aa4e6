"""A Stripe transfer goes through the outbox: the officer's send marks the payment SENDING
and writes a "stripe_transfer" job in the same transaction; the job worker makes the
transfer after the commit, through the real SDK against the fake Stripe
(tests/stripe_server.py), and records Stripe's answer: SENT, or APPROVED again on a refusal,
or nothing yet (the job is retried) while Stripe cannot be reached."""

from __future__ import annotations

import html
import socket

import pytest
import sqlalchemy as sa
import stripe

from grants.errors import ServiceError
from grants.extensions import db
from grants.models import (
    AuditEvent,
    Disbursement,
    DisbursementStatus,
    JobStatus,
    Organisation,
    OutboxItem,
    PaymentRoute,
    Tranche,
    User,
)
from grants.models.types import utcnow
from grants.payments import gateway, ledger
from tests import conftest_stripe as fixtures
from tests.conftest import run_jobs
from tests.conftest_stripe import connect, fail_next, sdk

fake_stripe, stripe_on = fixtures.fake_stripe, fixtures.stripe_on
webhook_receiver, webhooks = fixtures.webhook_receiver, fixtures.webhooks
S = DisbursementStatus


@pytest.fixture
def ctx(app):
    """A request context (notices link to the portal) whose session is the test's."""
    with app.test_request_context():
        yield


def _officer(world) -> User:
    return db.session.get(User, world.officer.id)


def _sent_by_officer(world, fake, amount: int = 25_000) -> Disbursement:
    """Scheduled, approved and sent by the officer through the ledger; not committed."""
    connect(fake, world.org.id)
    officer = _officer(world)
    tranche = db.session.get(Tranche, world.released.id)
    d = ledger.schedule(officer, tranche, PaymentRoute.STRIPE_TRANSFER, amount)
    ledger.approve(officer, d)
    return ledger.send(officer, d)


def _transfers(fake) -> list:
    return sdk(fake).v1.transfers.list().data


def _job(d: Disbursement) -> OutboxItem:
    return db.session.scalars(sa.select(OutboxItem).where(
        OutboxItem.key == ledger.transfer_key(d))).one()


def _actions(d_id: int) -> list[tuple[str, int | None]]:
    rows = db.session.execute(sa.select(AuditEvent.action, AuditEvent.actor_id).where(
        AuditEvent.object_type == "disbursements", AuditEvent.object_id == d_id)
        .order_by(AuditEvent.id))
    return [tuple(row) for row in rows]


def _refused(fn, *args, match: str) -> None:
    with pytest.raises(ServiceError, match=match), db.session.begin_nested():
        fn(*args)


def _closed_port() -> str:
    """An address where nothing listens: Stripe down."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def _page(client, url: str) -> str:
    r = client.get(url)
    assert r.status_code == 200, url
    return html.unescape(r.get_data(as_text=True))


def test_the_send_writes_a_job_and_stripe_is_called_after_the_commit(app, ctx, world,
                                                                    stripe_on):
    d = _sent_by_officer(world, stripe_on)
    assert (d.status, d.external_reference, d.sent_at) == (S.SENDING, None, None)
    job = _job(d)
    assert (job.kind, job.status, job.attempts) == ("stripe_transfer", JobStatus.PENDING, 0)
    assert job.payload == {"disbursement_id": d.id, "actor_id": world.officer.id}
    assert job.key == f"stripe_transfer:{d.idempotency_key}"
    assert _transfers(stripe_on) == []  # nothing asked of Stripe inside the transaction
    assert ledger.left(db.session.get(Tranche, world.released.id)) == 65_000  # still held
    _refused(ledger.send, _officer(world), d, match="is being sent to Stripe: it cannot be sent")
    _refused(ledger.cancel, _officer(world), d,
             match="is being sent to Stripe: it cannot be cancelled now")
    run_jobs()
    d = db.session.get(Disbursement, d.id)
    [transfer] = _transfers(stripe_on)
    assert (d.status, d.external_reference, d.last_error) == (S.SENT, transfer.id, None)
    assert d.sent_at is not None and transfer.amount == 25_000
    assert _actions(d.id)[-2:] == [("disbursement.sending", world.officer.id),
                                   ("disbursement.sent", world.officer.id)]
    assert _job(d).status == JobStatus.DONE


def test_a_send_rolled_back_makes_no_transfer(app, ctx, world, stripe_on):
    _sent_by_officer(world, stripe_on)
    db.session.rollback()  # the officer's request failed after the send
    run_jobs()
    assert _transfers(stripe_on) == []
    assert db.session.scalars(sa.select(OutboxItem).where(
        OutboxItem.kind == "stripe_transfer")).all() == []


def test_the_job_run_twice_pays_once(app, ctx, world, stripe_on):
    d = _sent_by_officer(world, stripe_on)
    db.session.commit()
    payload, key = dict(_job(d).payload), _job(d).key
    ledger.transfer_job(payload, key)
    db.session.rollback()  # the worker died after Stripe's yes, before its own commit
    assert db.session.get(Disbursement, d.id).status == S.SENDING
    assert len(_transfers(stripe_on)) == 1
    assert run_jobs().get("done")  # its row is run again: the same transfer, recorded
    [transfer] = _transfers(stripe_on)
    d = db.session.get(Disbursement, d.id)
    assert (d.status, d.external_reference) == (S.SENT, transfer.id)
    fail_next(stripe_on, "error")  # whatever asks Stripe next uses this up
    ledger.transfer_job(payload, key)  # a run after success: nothing to do, nobody asked
    with pytest.raises(stripe.APIError):
        _transfers(stripe_on)
    assert len(_transfers(stripe_on)) == 1
    assert [a for a, _ in _actions(d.id)].count("disbursement.sent") == 1


def test_an_answer_lost_on_the_way_back_is_asked_again_and_pays_once(app, ctx, world,
                                                                   stripe_on):
    d = _sent_by_officer(world, stripe_on)
    fail_next(stripe_on, "drop", "/v1/transfers", "POST")  # made, but the answer is lost
    assert run_jobs().get("retry") == 1
    assert db.session.get(Disbursement, d.id).status == S.SENDING
    assert len(_transfers(stripe_on)) == 1
    _job(d).due_at = utcnow()  # its wait is over
    run_jobs()
    [transfer] = _transfers(stripe_on)
    d = db.session.get(Disbursement, d.id)
    assert (d.status, d.external_reference) == (S.SENT, transfer.id)


def test_stripe_down_the_job_is_retried_then_an_admin_retries_it_and_it_pays_once(
        app, client, auth, world, stripe_on, monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_MAX_ATTEMPTS", 2)
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", _closed_port())
    with app.test_request_context():
        d = _sent_by_officer(world, stripe_on)
        d_id = d.id
        assert run_jobs().get("retry") == 1
        job = _job(d)
        assert (job.status, job.attempts, job.last_error) == (
            JobStatus.PENDING, 1, "StripeUnavailable")
        assert db.session.get(Disbursement, d_id).status == S.SENDING
        job_id = job.id
    auth.login(world.officer)
    url = f"/payments/{d_id}"
    page = _page(client, url)
    assert "Sending to Stripe" in page and "could not be reached yet" in page
    assert f"{url}/send" not in page and f"{url}/cancel" not in page
    with app.app_context():
        db.session.get(OutboxItem, job_id).due_at = utcnow()
        assert run_jobs().get("failed") == 1  # the worker gives up
        assert db.session.get(Disbursement, d_id).status == S.SENDING  # its money held
    page = _page(client, url)
    assert "stopped trying" in page and "from the Jobs page" in page
    refused = html.unescape(client.post(f"{url}/cancel", data={}).get_data(as_text=True))
    assert "is being sent to Stripe: it cannot be cancelled now" in refused
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", stripe_on.url)  # Stripe is back
    auth.login(world.admin)
    jobs = client.get("/admin/jobs").get_data(as_text=True)
    assert "stripe_transfer" in jobs and f"/admin/jobs/{job_id}/retry" in jobs
    assert f"/admin/jobs/{job_id}/discard" not in jobs  # the payment waits on it
    assert client.post(f"/admin/jobs/{job_id}/discard").status_code == 409
    assert client.post(f"/admin/jobs/{job_id}/retry").status_code == 302
    with app.app_context():
        run_jobs()
        [transfer] = _transfers(stripe_on)
        d = db.session.get(Disbursement, d_id)
        assert (d.status, d.external_reference) == (S.SENT, transfer.id)


def test_a_refusal_puts_it_back_to_approved_and_tells_the_officer(app, ctx, world, stripe_on,
                                                                 outbox):
    officer = _officer(world)
    officer.email = "officer@example.org"
    d = _sent_by_officer(world, stripe_on)
    first_key = d.idempotency_key
    account = db.session.get(Organisation, world.org.id).stripe_account_id
    db.session.get(Organisation, world.org.id).stripe_account_id = "acct_unknown"
    run_jobs()
    d = db.session.get(Disbursement, d.id)
    assert d.status == S.APPROVED and d.last_error.startswith("Stripe refused")
    assert d.idempotency_key != first_key  # sending again is a new request to Stripe
    job = db.session.scalars(sa.select(OutboxItem).where(
        OutboxItem.key == f"stripe_transfer:{first_key}")).one()
    assert (job.status, job.attempts) == (JobStatus.DONE, 1)  # an answer: not retried
    assert _actions(d.id)[-1] == ("disbursement.send_failed", world.officer.id)
    assert [m["To"] for m in outbox] == ["officer@example.org"]
    assert _transfers(stripe_on) == []
    db.session.get(Organisation, world.org.id).stripe_account_id = account  # put right
    d = ledger.send(_officer(world), d)
    run_jobs()
    [transfer] = _transfers(stripe_on)
    d = db.session.get(Disbursement, d.id)
    assert (d.status, d.external_reference, d.last_error) == (S.SENT, transfer.id, None)


def test_the_officer_sees_it_sending_then_sent(app, client, auth, world, stripe_on):
    with app.test_request_context():
        connect(stripe_on, world.org.id)
        d = ledger.schedule(_officer(world), db.session.get(Tranche, world.released.id),
                            PaymentRoute.STRIPE_TRANSFER, 5_000)
        ledger.approve(_officer(world), d)
        db.session.commit()
        d_id = d.id
    auth.login(world.officer)
    url = f"/payments/{d_id}"
    assert "Send the transfer" in _page(client, url)
    r = client.post(f"{url}/send", data={}, follow_redirects=True)
    page = html.unescape(r.get_data(as_text=True))
    assert "on its way to Stripe" in page and "Sending to Stripe" in page
    assert "Reload this page in a moment" in page
    assert "Send the transfer" not in page and "Cancel this payment" not in page
    assert "Waits for Stripe's answer" in _page(client, "/payments/")
    auth.login(world.applicant)
    assert "Being prepared" in _page(client, f"/awards/{world.award.id}")
    with app.app_context():
        assert _transfers(stripe_on) == []
        run_jobs()
        [transfer] = _transfers(stripe_on)
    auth.login(world.officer)
    page = _page(client, url)
    assert "Sent" in page and transfer.id in page and "Confirm it was paid" in page


def test_a_transfer_reversed_before_its_job_recorded_it_returns_the_payment(app, world,
                                                                          webhooks):
    with app.app_context():
        d = _sent_by_officer(world, webhooks.fake)
        db.session.commit()
        transfer_id = gateway.transfer(d)  # the worker's call; it died before recording it
        sdk(webhooks.fake).v1.transfers.reversals.create(transfer_id)
        assert webhooks.wait_for("transfer.reversed", transfer_id).status == 200
        d = db.session.get(Disbursement, d.id)
        db.session.refresh(d)
        assert d.status == S.RETURNED
        run_jobs()  # its job finds it no longer being sent
        d = db.session.get(Disbursement, d.id)
        assert (d.status, d.external_reference) == (S.RETURNED, None)
        assert len(_transfers(webhooks.fake)) == 1

