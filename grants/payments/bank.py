"""What a bank needs to make a transfer: the account holder as the bank knows them, the
bank, its country, the IBAN (its checksum checked) or, where the country has no IBAN, the
local account number, and the bank's BIC (SWIFT code). IBANs and BICs are checked with
schwifty, which follows the registries, rather than with rules of our own.

Nothing given at all means the details follow later (an emergency approval makes the payment
ready before the group's bank details are known); anything given must be the whole set."""

from __future__ import annotations

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from grants.countries import is_country
from grants.errors import ServiceError


def check(*, holder: str, bank: str, country: str, iban: str, account: str,
          bic: str) -> dict | None:
    """The checked details as {"number", "holder", "bank", "country", "bic", "iban"}, with
    "number" the IBAN (compact) or the local account number; None when nothing was given."""
    country = (country or "").strip().upper()
    if not any((holder, bank, country, iban, account, bic)):
        return None
    if not holder:
        raise ServiceError("Enter the account holder's name, as the bank knows it.", "holder")
    if not bank:
        raise ServiceError("Enter the name of the bank.", "bank")
    if not is_country(country):
        raise ServiceError("Choose the bank's country.", "bank_country")
    if iban and account:
        raise ServiceError("Enter the IBAN or a local account number, not both.", "account")
    if not (iban or account):
        raise ServiceError("Enter the IBAN, or the local account number where the bank's "
                           "country has no IBAN.", "iban")
    checked = _iban(iban, country) if iban else None
    code = _bic(bic, country) if bic else _bic_of(checked)
    if not code and not checked:
        raise ServiceError("Enter the bank's BIC (SWIFT code): a transfer to a local account "
                           "number needs it.", "bic")
    return {"number": checked.compact if checked else account, "holder": holder, "bank": bank,
            "country": country, "bic": code, "iban": checked is not None}


def _iban(text: str, country: str) -> IBAN:
    try:
        iban = IBAN(text)
    except SchwiftyException:
        raise ServiceError("This IBAN is not valid: check it for a typing mistake.",
                           "iban") from None
    if iban.country_code != country:
        raise ServiceError("This IBAN belongs to a bank in another country than the one "
                           "chosen: check both.", "iban")
    return iban


def _bic(text: str, country: str) -> str:
    try:
        bic = BIC(text)
    except SchwiftyException:
        raise ServiceError("This BIC (SWIFT code) is not valid: it has 8 or 11 letters and "
                           "digits.", "bic") from None
    if bic.country_code != country:
        raise ServiceError("This BIC belongs to a bank in another country than the one "
                           "chosen: check both.", "bic")
    return bic.compact


def _bic_of(iban: IBAN | None) -> str:
    """The BIC the registries give for an IBAN's bank, where they know it."""
    try:
        found = iban.bic if iban is not None else None
    except SchwiftyException:
        return ""
    return found.compact if found else ""
