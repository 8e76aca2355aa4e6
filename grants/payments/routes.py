"""Payment routes: what each needs to be recorded, how its details are kept, and which
routes the portal suggests for a group.

Where a country restricts foreign funding, the routes that do not need the group to receive
foreign money itself (through an intermediary in the country, or a trusted partner handing
over cash or goods) are suggested first. There is no government route at all: the portal
never sends a defender's money through a state channel, let alone as the only way.
Account numbers and phone numbers are stored encrypted and only ever shown masked.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from grants.errors import ServiceError
from grants.extensions import db
from grants.models import CountryContext, Disbursement, Organisation, OrgKind, PaymentRoute
from grants.models.organisations import name_key
from grants.payments import bank

R = PaymentRoute
# Routes where the group does not receive foreign money directly.
INDIRECT = (R.INTERMEDIARY, R.TRUSTED_PARTNER)
DIRECT = (R.STRIPE_TRANSFER, R.BANK_TRANSFER, R.MOBILE_MONEY)
# Routes whose transfer is made outside the portal and must be recorded by its reference.
NEEDS_REFERENCE = frozenset({R.BANK_TRANSFER, R.MOBILE_MONEY})
MASK = "••••"
TEXT_MAX = 300


@dataclass
class RouteDetails:
    """What an officer records for a route (all optional here; `apply` asks for what the
    chosen route needs)."""

    account: str = ""  # local bank account, or mobile-money number: encrypted, masked
    holder: str = ""  # bank transfer: the account holder, as the bank knows them
    bank: str = ""  # bank transfer: the bank's name
    bank_country: str = ""  # bank transfer: ISO 3166 code of the bank's country
    iban: str = ""  # bank transfer: the IBAN, checked; encrypted, masked
    bic: str = ""  # bank transfer: the bank's BIC (SWIFT code), checked
    provider: str = ""  # mobile-money provider
    partner: str = ""  # the trusted partner who hands the money or goods over
    handed_over: str = ""  # what the partner hands over (cash, goods)
    via_organisation_id: int | None = None  # the intermediary receiving it


def mask(account: str) -> str:
    """The last four letters or digits of an account, e.g. "•••• 4821"."""
    tail = "".join(ch for ch in account if ch.isalnum())[-4:]
    return f"{MASK} {tail}" if len(tail) == 4 else MASK


def _clean(text: str, field: str) -> str:
    text = (text or "").strip()
    if len(text) > TEXT_MAX:
        raise ServiceError("Keep this under %(max)s characters.", field, max=TEXT_MAX)
    return text


def apply(d: Disbursement, payee: Organisation, details: RouteDetails) -> None:
    """Check and record the route's details on a new disbursement to `payee`."""
    account = _clean(details.account, "account")
    if d.route == R.STRIPE_TRANSFER:
        if not stripe_ready(payee):
            raise ServiceError("This group has no Stripe account that can receive transfers "
                               "yet. Choose another route.", "route")
        d.route_details = {"destination": payee.stripe_account_id}
    elif d.route == R.BANK_TRANSFER:
        found = bank.check(holder=_clean(details.holder, "holder"),
                           bank=_clean(details.bank, "bank"), country=details.bank_country,
                           iban=_clean(details.iban, "iban"), account=account,
                           bic=_clean(details.bic, "bic"))
        number = found.pop("number") if found else None
        d.bank_details = number
        d.route_details = {"masked": mask(number), **found} if found else None
    elif d.route == R.MOBILE_MONEY:
        provider = _clean(details.provider, "provider")
        if not provider:
            raise ServiceError("Enter the mobile-money provider.", "provider")
        d.route_details = {"provider": provider, "number": account or None,
                           "masked": mask(account) if account else None}
    elif d.route == R.INTERMEDIARY:
        d.via_organisation_id = _intermediary(details.via_organisation_id, payee).id
    elif d.route == R.TRUSTED_PARTNER:
        partner = _clean(details.partner, "partner")
        if not partner:
            raise ServiceError("Enter the trusted partner who hands it over.", "partner")
        d.route_details = {"partner": partner,
                           "handed_over": _clean(details.handed_over, "handed_over")}


def _intermediary(org_id: int | None, payee: Organisation) -> Organisation:
    org = db.session.get(Organisation, org_id) if org_id else None
    if org is None or org.kind != OrgKind.INTERMEDIARY or org.id == payee.id:
        raise ServiceError("Choose the intermediary whose regranting pool receives it.",
                           "via_organisation")
    return org


def stripe_ready(payee: Organisation) -> bool:
    """Stripe is set up and the group's connected account can receive transfers."""
    return bool(current_app.config.get("STRIPE_SECRET_KEY") and payee.stripe_account_id
                and payee.stripe_payouts_enabled)


def context_for(country: str) -> CountryContext | None:
    return db.session.get(CountryContext, country)


def suggested(payee: Organisation, context: CountryContext | None) -> list[PaymentRoute]:
    """The routes offered for `payee`, best first. Where foreign funding is restricted the
    indirect routes come first; Stripe only when the group can receive transfers."""
    direct = [r for r in DIRECT if r != R.STRIPE_TRANSFER or stripe_ready(payee)]
    if context is not None and context.foreign_funding_restricted:
        return [*INDIRECT, *direct]
    return [*direct, *INDIRECT]


def intermediaries(country: str) -> list[Organisation]:
    """Intermediary organisations, those serving or based in `country` first."""
    orgs = db.session.scalars(sa.select(Organisation).where(
        Organisation.kind == OrgKind.INTERMEDIARY))
    return sorted(orgs, key=lambda o: (not serves(o, country), name_key(o.name), o.id))


def serves(org: Organisation, country: str) -> bool:
    return org.country == country or country in (org.serves_countries or [])


def shown_details(d: Disbursement) -> dict:
    """What the officer's page shows of a route's details: never a full account number."""
    facts = dict(d.route_details or {})
    facts.pop("number", None)
    facts.pop("destination", None)
    if d.bank_details and not facts.get("masked"):
        facts["masked"] = mask(d.bank_details)
    return {k: v for k, v in facts.items() if v}
