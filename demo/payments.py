"""Demo data of the ledger (loaded by demo.data): payments in several states on the demo
awards, made through the ledger's own services, and what admins know of two countries'
rules on foreign funding."""

from __future__ import annotations

import sqlalchemy as sa

from grants.extensions import db
from grants.models import Award, AwardStatus, CountryContext, PaymentRoute, User
from grants.payments import ledger, routes

COUNTRIES = [
    ("NI", "A foreign-agents law (2020) requires registration of anyone receiving foreign "
           "funds and has been used to close hundreds of organisations. Prefer a regional "
           "intermediary or a trusted partner; never send through a state channel."),
    ("RU", "Foreign-agent and 'undesirable organisation' laws: receiving foreign money can "
           "bring labelling, fines or prosecution. Pay only through a trusted partner or an "
           "intermediary outside the country, with the group's agreement."),
]


def load(users: dict[str, User]) -> None:
    officer, officer2 = users["officer"], users["officer2"]
    for code, summary in COUNTRIES:
        db.session.add(CountryContext(country=code, foreign_funding_restricted=True,
                                      summary=summary, updated_by_id=users["admin"].id))
    db.session.flush()
    core = _award("AW-CORE-V01C")
    # Year 1 of the core award, paid by bank transfer (above the limit: two officers).
    paid = ledger.schedule(officer, core.tranches[0], PaymentRoute.BANK_TRANSFER, 2_000_000,
                           _bank(core, "0000 1111 2222 4821", "Equity Bank", "EQBLKENA"))
    ledger.approve(officer, paid)
    ledger.approve(officer2, paid)
    ledger.send(officer, paid, reference="BT-2025-12-19-0042")
    ledger.mark_paid(officer, paid)
    # The project award's tranche by mobile money: sent, not yet confirmed.
    project = _award("AW-PROJ-R02P")
    sent = ledger.schedule(officer, project.tranches[0], PaymentRoute.MOBILE_MONEY, 600_000,
                           routes.RouteDetails(account="+57 300 000 4821",
                                               provider="Nequi"))
    ledger.approve(officer, sent)
    ledger.send(officer, sent, reference="MM-88213")
    # The rest of it, through a trusted partner: waiting for approval.
    ledger.schedule(officer, project.tranches[0], PaymentRoute.TRUSTED_PARTNER, 400_000,
                    routes.RouteDetails(partner="(demo) the Bogotá legal clinic",
                                        handed_over="Cash for safe transport"))
    closed = _award("AW-DONE-V04P")
    closed_status = closed.status
    closed.status = AwardStatus.ACTIVE  # it was paid while it ran; the demo closed it first
    done = ledger.schedule(officer, closed.tranches[0], PaymentRoute.BANK_TRANSFER, 800_000,
                           _bank(closed, "7654 3210 9876", "KCB Bank", "KCBLKENX"))
    ledger.approve(officer, done)
    ledger.send(officer, done, reference="BT-2025-01-10-0007")
    ledger.mark_paid(officer, done)
    closed.status = closed_status


def _bank(award: Award, account: str, bank: str, bic: str) -> routes.RouteDetails:
    """What a bank needs for a transfer to a local Kenyan account (Kenya has no IBAN)."""
    return routes.RouteDetails(holder=award.organisation.name, bank=f"(demo) {bank}",
                               bank_country="KE", account=account, bic=bic)


def _award(reference: str) -> Award:
    return db.session.scalars(sa.select(Award).where(Award.reference == reference)).one()
