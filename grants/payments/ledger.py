"""The disbursement ledger: money going out of a released tranche, one disbursement at a time.

A disbursement moves scheduled -> approved -> sent -> paid, or ends failed, returned or
cancelled (its money is the tranche's again). Every transition takes an explicit actor,
locks the tranche row first (SELECT ... FOR UPDATE on PostgreSQL; SQLite has a single
writer) and re-reads the disbursement, so two officers acting at once are serialised and
what is committed (COMMITTED_DISBURSEMENT: scheduled, approved, sending, sent, paid) never
exceeds the tranche. Services flush and never commit; each transition is audited with ids,
states and amounts only (never bank details, phone numbers, partner names or notes).

A route the portal pays itself (Stripe) is sent in two steps: `send` marks it SENDING and
writes a "stripe_transfer" job in the officer's transaction; after the commit the job
worker runs `transfer_job`, which calls Stripe outside any officer's request and locks no
row while it waits. A rollback therefore leaves nothing sent, and a slow Stripe holds up
no officer. (On SQLite the worker's transaction holds the one write lock throughout, as it
does for every job: SQLite suits a single host with few writers.)
"""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from grants import money, notifications
from grants.errors import N_, ServiceError
from grants.extensions import db
from grants.jobs import outbox, worker
from grants.models import (
    COMMITTED_DISBURSEMENT,
    AwardStatus,
    Disbursement,
    DisbursementStatus,
    Membership,
    PaymentRoute,
    Tranche,
    TrancheStatus,
    User,
)
from grants.models.types import utcnow
from grants.payments import routes
from grants.security import audit

S = DisbursementStatus
NOTE_MAX = 2000
REFERENCE_MAX = 128
TRANSFER_JOB = "stripe_transfer"  # the outbox kind of a transfer the portal makes


def two_person_threshold(currency: str) -> int:
    """Disbursements above this amount (minor units) need a second officer's approval."""
    limits = current_app.config["DISBURSEMENT_TWO_PERSON_ABOVE"]
    return money.to_minor(limits.get(currency, limits.get("*", "0")), currency)


def needs_second_approval(d: Disbursement) -> bool:
    return d.amount_minor > two_person_threshold(d.currency)


def lock_tranche(tranche_id: int) -> Tranche:
    """Lock the tranche row for the rest of the transaction and reload it, so amounts and
    states another officer just committed are seen."""
    db.session.flush()
    return db.session.scalars(
        sa.select(Tranche).where(Tranche.id == tranche_id).with_for_update()
        .execution_options(populate_existing=True)).one()


def _reload(d: Disbursement) -> Disbursement:
    lock_tranche(d.tranche_id)
    return db.session.scalars(sa.select(Disbursement).where(Disbursement.id == d.id)
                              .execution_options(populate_existing=True)).one()


def committed(tranche: Tranche) -> int:
    """What is scheduled, approved, sent or paid out of the tranche (minor units)."""
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Disbursement.amount_minor), 0))
        .where(Disbursement.tranche_id == tranche.id,
               Disbursement.status.in_(COMMITTED_DISBURSEMENT))) or 0


def left(tranche: Tranche) -> int:
    """What may still be scheduled out of the tranche."""
    return tranche.amount_minor - committed(tranche)


def _check_payable(tranche: Tranche) -> None:
    if tranche.award.status != AwardStatus.ACTIVE:
        raise ServiceError("Money goes out only on an active award. This award is %(status)s.",
                           status=tranche.award.status.in_sentence)
    if tranche.status != TrancheStatus.RELEASED:
        raise ServiceError("Tranche %(number)s is not released for payment.",
                           number=tranche.sequence)


def _show(amount: int, currency: str) -> str:
    return money.format_money(amount, currency)


def schedule(actor: User, tranche: Tranche, route: PaymentRoute, amount_minor: int,
             details: routes.RouteDetails | None = None) -> Disbursement:
    """Schedule a payment of `amount_minor` out of a released tranche by `route`. Refused
    when it is not above zero, is more than what is left on the tranche, or the route's
    details are missing."""
    tranche = lock_tranche(tranche.id)
    _check_payable(tranche)
    if amount_minor <= 0:
        raise ServiceError("Enter an amount above zero.", "amount")
    remaining = left(tranche)
    if amount_minor > remaining:
        raise ServiceError(
            "Only %(amount)s is left on tranche %(number)s (of %(total)s). Schedule at most "
            "that.", "amount", amount=_show(remaining, tranche.currency),
            number=tranche.sequence, total=_show(tranche.amount_minor, tranche.currency))
    d = Disbursement(tranche_id=tranche.id, amount_minor=amount_minor, currency=tranche.currency,
                     route=route, status=S.SCHEDULED, scheduled_by_id=actor.id,
                     idempotency_key=new_idempotency_key())
    routes.apply(d, tranche.award.organisation, details or routes.RouteDetails())
    db.session.add(d)
    db.session.flush()
    _audit(actor, "disbursement.scheduled", d, tranche_id=tranche.id)
    return d


def approve(actor: User, d: Disbursement, now: datetime | None = None) -> Disbursement:
    """Approve a scheduled disbursement. Up to the two-person threshold one approval by any
    officer (the scheduler too) is enough; above it a second officer, neither the one who
    scheduled nor the first approver, approves before it is APPROVED."""
    d = _reload(d)
    _expect(d, {S.SCHEDULED}, N_(
        "This payment is %(status)s: it cannot be approved now."))
    _check_payable(d.tranche)
    if d.approved_by_id is None:
        d.approved_by_id = actor.id
        if needs_second_approval(d):
            _audit(actor, "disbursement.first_approval", d)
            return d
    elif actor.id in (d.approved_by_id, d.scheduled_by_id):
        raise ServiceError(
            "Above %(amount)s a second officer approves: someone other than the officer who "
            "scheduled it or approved it first.",
            amount=_show(two_person_threshold(d.currency), d.currency))
    else:
        d.second_approver_id = actor.id
    d.status, d.approved_at = S.APPROVED, now or utcnow()
    _audit(actor, "disbursement.approved", d)
    return d


def send(actor: User, d: Disbursement, reference: str | None = None,
         now: datetime | None = None) -> Disbursement:
    """Send an approved disbursement. A route the portal pays itself (Stripe) becomes
    SENDING, and the transfer is a job run once the caller commits (`transfer_job`); other
    routes record the reference of the transfer made outside the portal (required for bank
    transfers and mobile money) and are SENT."""
    d = _reload(d)
    _expect(d, {S.APPROVED}, N_(
        "This payment is %(status)s: it cannot be sent now."))
    _check_payable(d.tranche)
    if committed(d.tranche) > d.tranche.amount_minor:  # never true if the lock held
        raise ServiceError("This would pay out more than the tranche. Nothing was sent.")
    if routes.ROUTES[d.route].portal_sends:
        return _hand_to_worker(actor, d)
    reference = (reference or "").strip()[:REFERENCE_MAX] or None
    if reference is None and d.route in routes.NEEDS_REFERENCE:
        raise ServiceError("Enter the reference of the transfer, as the bank or provider "
                           "gave it.", "reference")
    _mark_sent(actor, d, reference, now)
    return d


def transfer_key(d: Disbursement) -> str:
    """The outbox key of the disbursement's transfer job: one job per idempotency key."""
    return f"{TRANSFER_JOB}:{d.idempotency_key}"


def _hand_to_worker(actor: User, d: Disbursement) -> Disbursement:
    d.status, d.last_error = S.SENDING, None
    _audit(actor, "disbursement.sending", d)
    outbox.add(TRANSFER_JOB, {"disbursement_id": d.id, "actor_id": actor.id},
               key=transfer_key(d))
    return d


def _mark_sent(actor: User | None, d: Disbursement, reference: str | None,
               now: datetime | None = None) -> None:
    d.status, d.sent_at, d.external_reference, d.last_error = S.SENT, now or utcnow(), \
        reference, None
    _audit(actor, "disbursement.sent", d)
    _tell_group(d)


def transfer_job(payload: dict, _key: str) -> None:
    """Make the Stripe transfer of a SENDING disbursement (the job worker's handler for
    "stripe_transfer"; it commits). Stripe is asked with no lock held; the tranche is
    locked only to record the answer, and only if the disbursement is still SENDING, so a
    second run after success, or one racing it, changes nothing and pays nothing twice
    (gateway.transfer finds the transfer already made).

    Stripe's yes: SENT, with the transfer's id as reference, and the group is told. Its
    no (a refusal: asking again would get the same answer): APPROVED again with
    `last_error`, a fresh idempotency key so that a later send is a new request, and the
    officer who sent it is told. Stripe unreachable or failing on its side:
    gateway.StripeUnavailable propagates, and the worker tries again later."""
    from grants.payments import gateway  # written alongside; imported when first used

    d = db.session.get(Disbursement, payload["disbursement_id"])
    if d is None or d.status != S.SENDING:
        return
    try:
        answer, refusal = gateway.transfer(d), None
    except gateway.StripeUnavailable:
        raise
    except gateway.PaymentFailed as exc:
        answer, refusal = None, exc
    db.session.rollback()  # the read before the call ends; the answer is recorded afresh
    with worker.writing():
        _record_answer(payload, answer, refusal)


def _record_answer(payload: dict, answer, refusal) -> None:
    d = _reload(db.session.get(Disbursement, payload["disbursement_id"]))  # locks the tranche
    if d.status != S.SENDING:  # another run recorded it, or a webhook returned it
        return
    actor = db.session.get(User, payload["actor_id"]) if payload.get("actor_id") else None
    if refusal is None:
        _mark_sent(actor, d, answer)
        return
    d.status, d.last_error = S.APPROVED, str(refusal)[:500]
    d.idempotency_key = new_idempotency_key()
    _audit(actor, "disbursement.send_failed", d)
    if actor is not None:
        notifications.notify(actor, "payment_update")


def new_idempotency_key() -> str:
    return "disb-" + secrets.token_hex(16)


def mark_paid(actor: User | None, d: Disbursement, now: datetime | None = None) -> Disbursement:
    """The payee received the money (`actor` None when a provider's webhook says so). A
    tranche whose disbursements are all paid in full becomes PAID."""
    d = _reload(d)
    _expect(d, {S.SENT}, N_(
        "This payment is %(status)s: it cannot be marked paid now."))
    d.status, d.paid_at = S.PAID, now or utcnow()
    db.session.flush()
    tranche = d.tranche
    paid = db.session.scalar(sa.select(sa.func.sum(Disbursement.amount_minor)).where(
        Disbursement.tranche_id == tranche.id, Disbursement.status == S.PAID))
    if paid == tranche.amount_minor and tranche.status == TrancheStatus.RELEASED:
        tranche.status = TrancheStatus.PAID
    _audit(actor, "disbursement.paid", d, tranche_paid=tranche.status == TrancheStatus.PAID)
    _tell_group(d)
    return d


def mark_failed(actor: User | None, d: Disbursement, note: str | None = None,
                now: datetime | None = None) -> Disbursement:
    """A sent payment did not arrive: its money is the tranche's again."""
    return _end(actor, _reload(d), S.FAILED, {S.SENT}, note, now)


def mark_returned(actor: User | None, d: Disbursement, note: str | None = None,
                  now: datetime | None = None) -> Disbursement:
    """A sent or paid payment came back: its money is the tranche's again."""
    return _end(actor, _reload(d), S.RETURNED, {S.SENT, S.PAID}, note, now)


def cancel(actor: User, d: Disbursement, note: str | None = None,
           now: datetime | None = None) -> Disbursement:
    """Cancel a disbursement before it is sent (not while it is being sent: Stripe may be
    paying it): its money is the tranche's again."""
    return _end(actor, _reload(d), S.CANCELLED, {S.SCHEDULED, S.APPROVED}, note, now)


def _end(actor, d: Disbursement, to: DisbursementStatus, allowed: set, note: str | None,
         now: datetime | None) -> Disbursement:
    _expect(d, allowed, _END_ACTIONS[to])
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ServiceError("Keep the note under %(max)s characters.", "note", max=NOTE_MAX)
    if to != S.CANCELLED and not note:
        raise ServiceError("Write what happened, for the officers who follow this payment.",
                           "note")
    d.status, d.ended_at = to, now or utcnow()
    d.note = "\n\n".join(filter(None, [d.note, note])) or None
    tranche = d.tranche
    if tranche.status == TrancheStatus.PAID:  # money came back: it may go out again
        tranche.status = TrancheStatus.RELEASED
    _audit(actor, f"disbursement.{to.value}", d)
    return d


_END_ACTIONS = {
    S.FAILED: N_("This payment is %(status)s: it cannot be marked failed now."),
    S.RETURNED: N_("This payment is %(status)s: it cannot be marked returned now."),
    S.CANCELLED: N_("This payment is %(status)s: it cannot be cancelled now.")}


def _expect(d: Disbursement, allowed: set, refusal: str) -> None:
    """`refusal` is an N_-marked message with a %(status)s placeholder."""
    if d.status not in allowed:
        raise ServiceError(refusal, status=d.status.in_sentence)


def _audit(actor, action: str, d: Disbursement, **extra) -> None:
    db.session.flush()
    audit.record(actor, action, d, status=d.status.value, route=d.route.value,
                 amount_minor=d.amount_minor, currency=d.currency, **extra)


def _tell_group(d: Disbursement) -> None:
    """A content-free notice to the group's members: there is news about a payment."""
    award = d.tranche.award
    for member in db.session.scalars(sa.select(User).join(Membership).where(
            Membership.organisation_id == award.organisation_id)):
        notifications.notify(member, "payment_update")
