"""Demo data of the intermediary path (loaded by demo.data): two intermediaries in
different countries, a regranting award with coded sub-grants and payments, and a routed
application waiting for an endorsement."""

from __future__ import annotations

from datetime import date, timedelta

from grants.awards import services as awards
from grants.extensions import db
from grants.intermediaries import subgrants
from grants.models import (
    ApplicationStatus,
    Call,
    Disbursement,
    DisbursementStatus,
    MemberRole,
    Membership,
    Organisation,
    OrgKind,
    PaymentRoute,
    RegrantType,
    SupportType,
    Tranche,
    TrancheStatus,
    User,
)
from grants.models.types import utcnow

# (code, country, category, theme, amount in cents, paid in cents); no names, by design.
SUB_GRANTS = [
    ("KE-LAND-01", "KE", "in_country_protection", "land defenders", 300_000, 300_000),
    ("KE-LAND-02", "KE", "in_country_protection", "land defenders", 250_000, 100_000),
    ("KE-LAND-03", "KE", "programme", "land defenders", 200_000, 0),
    ("KE-WHRD-04", "KE", "psychosocial", "women defenders", 150_000, 150_000),
    ("KE-WHRD-05", "KE", "in_country_protection", "women defenders", 200_000, 0),
    ("UG-LGBT-01", "UG", "relocation", "LGBTIQ rights", 350_000, 350_000),
    ("TZ-LAND-01", "TZ", "programme", "land defenders", 150_000, 0),
]
RECEIVED = 800_000  # what the funder paid the intermediary so far
ROUTES = (PaymentRoute.MOBILE_MONEY, PaymentRoute.TRUSTED_PARTNER, PaymentRoute.BANK_TRANSFER)


def load(users: dict[str, User], regional: Organisation, protection: Call, awarded) -> None:
    """`awarded` makes a sent application (demo.data._awarded)."""
    andean = Organisation(name="Andean Defenders Network", kind=OrgKind.INTERMEDIARY,
                          country="PE", serves_countries=["PE", "EC", "BO"], is_verified=True,
                          accepts_routed_applications=True,
                          themes=["indigenous peoples", "environmental defenders"])
    db.session.add(andean)
    db.session.add(Membership(user=users["intermediary2"], organisation=andean,
                              role=MemberRole.OWNER))
    regional.themes = ["land defenders", "women defenders", "LGBTIQ rights"]
    _regranting(users, regional, protection, awarded)
    _routed(users, regional, protection, awarded)


def _regranting(users: dict[str, User], regional: Organisation, protection: Call,
                awarded) -> None:
    """An FRG010 common regrant to the Regional Solidarity Fund: 20,000 of 24,000 USD to
    sub-grant to movements that cannot receive funds themselves."""
    officer, staff = users["officer"], users["intermediary"]
    application = awarded(protection, regional, staff, code="GR-REGR-K05R",
                          title="Small grants for movements in East Africa",
                          amount=2_400_000, sent_days_ago=120)
    award = awards.create_award(officer, application, amount_minor=2_400_000, currency="USD",
                                start_date=date.today() - timedelta(days=90), years=1,
                                support_type=SupportType.PROJECT)
    awards.activate(users["officer2"], award)
    award.regrant_type, award.regranting_minor = RegrantType.COMMON_REGRANT, 2_000_000
    _paid_by_funder(officer, award.tranches[0], RECEIVED)
    for i, (code, country, category, theme, amount, paid) in enumerate(SUB_GRANTS):
        grant = subgrants.make_sub_grant(staff, award, recipient_code=code, amount_minor=amount,
                                         country=country, category=category, theme=theme)
        if paid:
            # The funder paid 8,000 of the 9,000 paid out: the rest is an advance.
            subgrants.record_payment(staff, grant, amount_minor=paid, route=ROUTES[i % 3],
                                     paid_on=date.today() - timedelta(days=30 - i),
                                     advance=True)


def _paid_by_funder(officer: User, tranche: Tranche, amount: int) -> None:
    """The funder's bank transfer to the intermediary, released and paid in its ledger."""
    now = utcnow()
    tranche.status, tranche.released_at, tranche.released_by_id = (
        TrancheStatus.RELEASED, now, officer.id)
    db.session.add(Disbursement(
        tranche_id=tranche.id, amount_minor=amount, currency=tranche.currency,
        route=PaymentRoute.BANK_TRANSFER, status=DisbursementStatus.PAID,
        idempotency_key="demo-regranting-1", scheduled_by_id=officer.id,
        approved_by_id=officer.id, approved_at=now, sent_at=now, paid_at=now))
    db.session.flush()


def _routed(users: dict[str, User], regional: Organisation, protection: Call,
            awarded) -> None:
    """An unregistered Nairobi group applies through the Regional Solidarity Fund."""
    group = Organisation(name="Mtaa Watch", kind=OrgKind.UNREGISTERED_GROUP, country="KE")
    db.session.add(group)
    db.session.add(Membership(user=users["applicant"], organisation=group,
                              role=MemberRole.OWNER))
    application = awarded(protection, group, users["applicant"], code="GR-MTAA-K06E",
                          title="Safe reporting of evictions", amount=600_000, sent_days_ago=3,
                          status=ApplicationStatus.AWAITING_ENDORSEMENT)
    application.intermediary_id = regional.id
    application.history[-1].to_status = ApplicationStatus.AWAITING_ENDORSEMENT
    db.session.flush()
