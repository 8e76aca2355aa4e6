"""Money as integer minor units with an ISO 4217 currency; never floats."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from babel.numbers import format_currency, get_currency_precision

from grants.errors import ServiceError

# Currencies a funder of defenders commonly holds or pays in; extend as needed.
CURRENCIES = ("USD", "EUR", "GBP", "CHF", "SEK", "NOK", "DKK", "CAD", "AUD", "JPY", "KES",
              "NGN", "ZAR", "BRL", "MXN", "COP", "INR", "PHP", "UAH", "TRY")


def exponent(currency: str) -> int:
    return get_currency_precision(currency)


def to_minor(text: str, currency: str, *, field: str | None = None) -> int:
    """Parse a decimal amount typed by a person ("1,500.50") into minor units."""
    cleaned = (text or "").replace(",", "").replace(" ", "").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ServiceError("Enter an amount in numbers, like 1500 or 1500.50.", field) from exc
    if not value.is_finite() or value < 0:
        raise ServiceError("Enter an amount of zero or more.", field)
    places = exponent(currency)
    scaled = value * (10**places)
    if scaled != scaled.to_integral_value():
        raise ServiceError("%(currency)s amounts have at most %(places)s decimal places.", field,
                           currency=currency, places=places)
    if scaled >= 10**15:
        raise ServiceError("That amount is too large.", field)
    return int(scaled.to_integral_value(rounding=ROUND_HALF_UP))


def from_minor(amount: int, currency: str) -> Decimal:
    return Decimal(amount).scaleb(-exponent(currency))


def format_money(amount: int | None, currency: str, locale: str = "en") -> str:
    if amount is None:
        return ""
    return _formatted(amount, currency, locale)


@lru_cache(maxsize=4096)
def _formatted(amount: int, currency: str, locale: str) -> str:
    # Babel takes some 15 microseconds a call and a page formats dozens of amounts, most of
    # them again and again (totals, equal tranches, every view of the same award). The text
    # is a function of these three arguments alone (locale data is fixed while the process
    # runs), and an amount with its currency is nobody's secret without the page around it.
    return format_currency(from_minor(amount, currency), currency, locale=locale)


def plain_amount(amount: int, currency: str) -> str:
    """The amount as typed in a form field (no grouping, no symbol)."""
    return f"{from_minor(amount, currency):f}"
