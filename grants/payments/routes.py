"""Payment routes: what each needs to be recorded, how its details are kept, and which
routes the portal suggests for a group. ROUTES holds one entry per route (its form fields,
how they are read and checked, what the route does); the forms, the ledger, the rapid
decision and the sub-grants read it, and its wordings are on PaymentRoute.

Where a country restricts foreign funding, the routes that do not need the group to receive
foreign money itself (through an intermediary in the country, or a trusted partner handing
over cash or goods) are suggested first. There is no government route at all: the portal
never sends a defender's money through a state channel, let alone as the only way.
Account numbers and phone numbers are stored encrypted and only ever shown masked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from grants.errors import ServiceError
from grants.extensions import db
from grants.ids import id_or_none
from grants.models import CountryContext, Disbursement, Organisation, OrgKind, PaymentRoute
from grants.models.organisations import name_key
from grants.payments import bank
from grants.validators import NameField

R = PaymentRoute
MASK = "••••"
TEXT_MAX = 300


@dataclass
class RouteDetails:
    """What an officer records for a route (all optional here; each route's `record` asks
    for what it needs)."""

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


@dataclass(frozen=True)
class Route:
    """Everything the portal knows about one payment route. Adding a route is its value and
    wordings on PaymentRoute, an entry in ROUTES, the template of its fields
    (templates/payments/routes/<value>.html), their translations and tests."""

    kind: PaymentRoute
    # Checks the details given and keeps them on a new disbursement to the payee.
    record: Callable[[Disbursement, Organisation, RouteDetails], None]
    # Its fields on the scheduling form, built when the form class is (so they follow the
    # route and the amount); a field two routes share is declared by the first.
    fields: Callable[[], dict] = dict
    # The RouteDetails its fields give, from the submitted form; by default their text.
    read: Callable[[Mapping], dict] | None = None
    direct: bool = True  # the group receives foreign money itself
    needs_reference: bool = False  # made outside the portal, recorded by its reference
    portal_sends: bool = False  # the portal makes the transfer when it is sent (Stripe)
    # Offered on the rapid decision page, whose one detail becomes these RouteDetails.
    quick: Callable[[str], RouteDetails] | None = None
    subgrants: bool = False  # an intermediary may record a sub-grant paid this way
    # Whether it can be offered to this payee at all (None: always).
    available: Callable[[Organisation], bool] | None = None

    @property
    def label(self):
        return self.kind.label

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(self.fields())

    @property
    def fragment(self) -> str | None:
        """The template of a route with fields: `form_fields()`, its part of the scheduling
        form, and `facts_shown()`, what the payment's page shows of its details."""
        return f"payments/routes/{self.kind.value}.html" if self.field_names else None

    def details_of(self, form: Mapping) -> dict:
        if self.read is not None:
            return self.read(form)
        return {name: form[name].data or "" for name in self.field_names}


def mask(account: str) -> str:
    """The last four letters or digits of an account, e.g. "•••• 4821"."""
    tail = "".join(ch for ch in account if ch.isalnum())[-4:]
    return f"{MASK} {tail}" if len(tail) == 4 else MASK


def _clean(text: str, field: str) -> str:
    text = (text or "").strip()
    if len(text) > TEXT_MAX:
        raise ServiceError("Keep this under %(max)s characters.", field, max=TEXT_MAX)
    return text


def _needed_for(route: PaymentRoute, message):
    """A field this route needs (the rest of its checks are the route's `record`)."""
    def check(form, field) -> None:
        chosen = getattr(form, "route", None)  # a field may be checked on its own
        if chosen is not None and chosen.data == route.value and not (field.data or "").strip():
            raise ValidationError(message)
    return check


# Stripe ------------------------------------------------------------------------------------

def _record_stripe(d: Disbursement, payee: Organisation, details: RouteDetails) -> None:
    if not stripe_ready(payee):
        raise ServiceError("This group has no Stripe account that can receive transfers "
                           "yet. Choose another route.", "route")
    d.route_details = {"destination": payee.stripe_account_id}


# Intermediary ------------------------------------------------------------------------------

def _intermediary_fields() -> dict:
    return {"via_organisation": SelectField(_l("Intermediary"), validate_choice=False)}


def _read_intermediary(form: Mapping) -> dict:
    via = form["via_organisation"].data
    return {"via_organisation_id": id_or_none(via) if via else None}


def _record_intermediary(d: Disbursement, payee: Organisation, details: RouteDetails) -> None:
    d.via_organisation_id = _intermediary(details.via_organisation_id, payee).id


# Bank transfer -----------------------------------------------------------------------------

def _bank_fields() -> dict:
    plain = {"autocomplete": "off", "dir": "ltr", "spellcheck": "false"}
    return {
        "holder": NameField(_l("Account holder"), validators=[
            Optional(), Length(max=300), _needed_for(R.BANK_TRANSFER, _l(
                "Enter the account holder's name, as the bank knows it."))],
            description=_l("Bank transfer: the name as the bank knows it."),
            render_kw={"autocomplete": "off", "dir": "auto"}),
        "bank": NameField(_l("Bank"), validators=[Optional(), Length(max=300)],
                          render_kw={"autocomplete": "off", "dir": "auto"}),
        "bank_country": SelectField(_l("Country of the bank"), validate_choice=False),
        "iban": StringField(_l("IBAN"), validators=[Optional(), Length(max=64)],
                            description=_l("Its check digits are verified. Where the bank's "
                                           "country has no IBAN, give the local account "
                                           "number below."), render_kw=plain),
        "bic": StringField(_l("BIC (SWIFT code)"), validators=[Optional(), Length(max=16)],
                           description=_l("8 or 11 letters and digits. Needed with a local "
                                          "account number."), render_kw=plain),
        "account": StringField(_l("Local account number, or mobile number"),
                               validators=[Optional(), Length(max=300)],
                               description=_l("Stored encrypted, like the IBAN; only its last "
                                              "four characters are ever shown."),
                               render_kw={"autocomplete": "off", "dir": "ltr"}),
    }


def _record_bank(d: Disbursement, payee: Organisation, details: RouteDetails) -> None:
    found = bank.check(holder=_clean(details.holder, "holder"),
                       bank=_clean(details.bank, "bank"), country=details.bank_country,
                       iban=_clean(details.iban, "iban"), account=_clean(details.account,
                                                                          "account"),
                       bic=_clean(details.bic, "bic"))
    number = found.pop("number") if found else None
    d.bank_details = number
    d.route_details = {"masked": mask(number), **found} if found else None


# Mobile money ------------------------------------------------------------------------------

def _mobile_fields() -> dict:
    # The number is the bank transfer's "account" field, labelled for both.
    return {"provider": NameField(_l("Mobile-money provider"),
                                  validators=[Optional(), Length(max=300)])}


def _read_mobile(form: Mapping) -> dict:
    return {"provider": form["provider"].data or "", "account": form["account"].data or ""}


def _record_mobile(d: Disbursement, payee: Organisation, details: RouteDetails) -> None:
    account = _clean(details.account, "account")
    provider = _clean(details.provider, "provider")
    if not provider:
        raise ServiceError("Enter the mobile-money provider.", "provider")
    d.route_details = {"provider": provider, "number": account or None,
                       "masked": mask(account) if account else None}


# Trusted partner ---------------------------------------------------------------------------

def _partner_fields() -> dict:
    return {
        "partner": NameField(_l("Trusted partner"), validators=[Optional(), Length(max=300)],
                             description=_l("Who hands the money or goods over. Stored "
                                            "encrypted.")),
        "handed_over": StringField(_l("What the partner hands over"),
                                   validators=[Optional(), Length(max=300)]),
    }


def _record_partner(d: Disbursement, payee: Organisation, details: RouteDetails) -> None:
    partner = _clean(details.partner, "partner")
    if not partner:
        raise ServiceError("Enter the trusted partner who hands it over.", "partner")
    d.route_details = {"partner": partner,
                       "handed_over": _clean(details.handed_over, "handed_over")}


# The registry, in the order their details appear on the scheduling page ---------------------

ROUTES: dict[PaymentRoute, Route] = {r.kind: r for r in (
    Route(R.STRIPE_TRANSFER, _record_stripe, portal_sends=True,
          available=lambda payee: stripe_ready(payee)),
    Route(R.INTERMEDIARY, _record_intermediary, _intermediary_fields, _read_intermediary,
          direct=False),
    Route(R.BANK_TRANSFER, _record_bank, _bank_fields, needs_reference=True,
          quick=lambda text: RouteDetails(), subgrants=True),
    Route(R.MOBILE_MONEY, _record_mobile, _mobile_fields, _read_mobile, needs_reference=True,
          quick=lambda text: RouteDetails(provider=text), subgrants=True),
    Route(R.TRUSTED_PARTNER, _record_partner, _partner_fields, direct=False,
          quick=lambda text: RouteDetails(partner=text, handed_over="cash" if text else ""),
          subgrants=True),
)}
# Routes where the group does not receive foreign money directly, and those where it does.
INDIRECT = tuple(k for k, r in ROUTES.items() if not r.direct)
DIRECT = tuple(k for k, r in ROUTES.items() if r.direct)
# Routes whose transfer is made outside the portal and must be recorded by its reference.
NEEDS_REFERENCE = frozenset(k for k, r in ROUTES.items() if r.needs_reference)
# The routes an officer picks on the rapid decision page; the rest stay on the award's page.
RAPID = tuple(k for k, r in ROUTES.items() if r.quick is not None)
# How an intermediary may have paid a sub-grant.
SUBGRANT = tuple(k for k, r in ROUTES.items() if r.subgrants)


def form_fields() -> dict:
    """Every route's fields for the scheduling form, each once."""
    fields: dict = {}
    for route in ROUTES.values():
        for name, field in route.fields().items():
            fields.setdefault(name, field)
    return fields


def details_from(form: Mapping) -> RouteDetails:
    """What the scheduling form gives, for whichever route is chosen: every route's fields
    are read, and the chosen route's `record` keeps what it needs."""
    values: dict = {}
    for route in ROUTES.values():
        values.update(route.details_of(form))
    return RouteDetails(**values)


def apply(d: Disbursement, payee: Organisation, details: RouteDetails) -> None:
    """Check and record the route's details on a new disbursement to `payee`."""
    _clean(details.account, "account")
    ROUTES[d.route].record(d, payee, details)


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
    direct = [r for r in DIRECT if ROUTES[r].available is None or ROUTES[r].available(payee)]
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
