"""What the ledger pages read: the filtered, paginated list (a fixed number of queries per
page), one disbursement with its history, an award's payments, and who a payment waits for."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from grants.extensions import db
from grants.models import (
    COMMITTED_DISBURSEMENT,
    AuditEvent,
    Award,
    Disbursement,
    DisbursementStatus,
    JobStatus,
    OutboxItem,
    PaymentRoute,
    Review,
    Tranche,
    User,
)
from grants.payments.ledger import transfer_key

S = DisbursementStatus
_WITH_AWARD = selectinload(Disbursement.tranche).selectinload(Tranche.award)


def _with_award():
    return (_WITH_AWARD.selectinload(Award.organisation),
            _WITH_AWARD.selectinload(Award.fund),
            selectinload(Disbursement.via_organisation))


def ledger_query(viewer: User, state: str = "", route: str = "",
                 fund_id: int | None = None) -> sa.Select:
    """Disbursements newest first, optionally of one state, route and fund; without those
    of awards from applications the viewer declared a conflict on."""
    conflicted = sa.select(Review.application_id).where(
        Review.reviewer_id == viewer.id, Review.conflict_declared.is_(True))
    query = (sa.select(Disbursement).join(Disbursement.tranche).join(Tranche.award)
             .where(sa.or_(Award.application_id.is_(None),
                           Award.application_id.not_in(conflicted)))
             .options(*_with_award()))
    if state in {s.value for s in S}:
        query = query.where(Disbursement.status == S(state))
    if route in {r.value for r in PaymentRoute}:
        query = query.where(Disbursement.route == PaymentRoute(route))
    if fund_id:
        query = query.where(Award.fund_id == fund_id)
    return query.order_by(Disbursement.created_at.desc(), Disbursement.id.desc())


def for_page(disbursement_id: int) -> Disbursement | None:
    return db.session.scalars(sa.select(Disbursement).where(
        Disbursement.id == disbursement_id).options(*_with_award())).one_or_none()


def history(d: Disbursement) -> tuple[list[AuditEvent], dict[int, str]]:
    """The disbursement's transitions, oldest first, and the user names of everyone who
    acted on it (two queries)."""
    events = list(db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.object_type == Disbursement.__tablename__, AuditEvent.object_id == d.id)
        .order_by(AuditEvent.id)))
    ids = {e.actor_id for e in events} | {d.scheduled_by_id, d.approved_by_id,
                                          d.second_approver_id}
    ids.discard(None)
    names = dict(db.session.execute(sa.select(User.id, User.username).where(
        User.id.in_(ids))).all()) if ids else {}
    return events, names


def award_payments(award: Award) -> list[Disbursement]:
    """The award's disbursements, oldest first (one query)."""
    return list(db.session.scalars(
        sa.select(Disbursement).join(Disbursement.tranche).where(Tranche.award_id == award.id)
        .order_by(Disbursement.created_at, Disbursement.id)))


def committed_by_tranche(payments: list[Disbursement]) -> dict[int, int]:
    totals: dict[int, int] = {}
    for d in payments:
        if d.status in COMMITTED_DISBURSEMENT:
            totals[d.tranche_id] = totals.get(d.tranche_id, 0) + d.amount_minor
    return totals


def waiting_for(d: Disbursement, user: User) -> str | None:
    """What the payment waits for, seen by `user`: a key of views.WAITING_LABELS."""
    if d.status == S.SCHEDULED:
        if d.approved_by_id is None:
            return "approval"
        if user.id in (d.approved_by_id, d.scheduled_by_id):
            return "other_officer"
        return "your_second_approval"
    return {S.APPROVED: "sending", S.SENDING: "stripe", S.SENT: "confirmation"}.get(d.status)


def transfer_progress(d: Disbursement) -> str | None:
    """Where the transfer of a SENDING disbursement stands: "waiting" (the worker has it,
    or will in a moment), "retrying" (Stripe could not be reached yet; the worker tries
    again by itself), "gave_up" (it stopped trying: an admin retries it in Admin > Jobs);
    None for any other state."""
    if d.status != S.SENDING:
        return None
    job = db.session.execute(sa.select(OutboxItem.status, OutboxItem.last_error).where(
        OutboxItem.key == transfer_key(d))).one_or_none()
    if job is not None and job.status in (JobStatus.FAILED, JobStatus.DISCARDED):
        return "gave_up"
    if job is not None and job.last_error:
        return "retrying"
    return "waiting"

